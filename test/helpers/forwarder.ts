import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract } from "ethers";

import type { PlatformForwarder } from "../../typechain-types/index.js";

/**
 * Builds an ERC-2771 `ForwardRequestData` signed by `signer` (EIP-712, as OpenZeppelin's forwarder
 * verifies it), for `target.method(...args)` executed by whoever relays it.
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
  const request = {
    from: signer.address,
    to: await target.getAddress(),
    value: 0n,
    gas: options.gas ?? 500_000n,
    nonce: await forwarder.nonces(signer.address),
    deadline: options.deadline ?? BigInt((latest?.timestamp ?? 0) + 3600),
    data,
  };
  const signature = await signer.signTypedData(
    { name: "PlatformForwarder", version: "1", chainId, verifyingContract: await forwarder.getAddress() },
    {
      ForwardRequest: [
        { name: "from", type: "address" },
        { name: "to", type: "address" },
        { name: "value", type: "uint256" },
        { name: "gas", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint48" },
        { name: "data", type: "bytes" },
      ],
    },
    request,
  );
  const { nonce: _nonce, ...rest } = request;
  return { ...rest, signature };
}
