import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract } from "ethers";

import { signForwardRequest as signWithClient } from "../../client/eip712/forward-request.js";
import type { PlatformForwarder } from "../../typechain-types/index.js";

/**
 * Builds an ERC-2771 `ForwardRequestData` signed by `signer` for `target` with `data`, executed by
 * whoever relays it: the client's signer (what a phone wallet uses), with the nonce and deadline read
 * from the node.
 */
export async function signForwardRequest(
  forwarder: PlatformForwarder,
  signer: HardhatEthersSigner,
  target: BaseContract,
  data: string,
  options: { gas?: bigint; deadline?: bigint } = {},
) {
  const provider = signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  const { chainId } = await provider.getNetwork();
  const latest = await provider.getBlock("latest");
  return signWithClient(
    signer,
    { chainId, verifyingContract: await forwarder.getAddress() },
    {
      to: await target.getAddress(),
      data,
      nonce: await forwarder.nonces(signer.address),
      deadline: options.deadline ?? BigInt((latest?.timestamp ?? 0) + 3600),
      ...(options.gas === undefined ? {} : { gas: options.gas }),
    },
  );
}
