/** EIP-2612 permits: the one place the `Permit` type is written off chain. */
import { Signature, type Signer, type TypedDataDomain } from "ethers";

export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface Permit {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** A permit signature split as `openWithPermit` and `depositWithPermit` take it. */
export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** What a permit needs from the token: its ERC-5267 domain and the owner's nonce. */
export interface PermitToken {
  eip712Domain(): Promise<{ name: string; version: string; chainId: bigint; verifyingContract: string }>;
  nonces(owner: string): Promise<bigint>;
}

/**
 * Signs a permit of `value` for `spender`, reading the domain from the token itself (ERC-5267), so the
 * signature is right for whatever name and version the token uses.
 */
export async function signPermit(
  token: PermitToken,
  owner: Pick<Signer, "signTypedData" | "getAddress">,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<PermitSignature> {
  const d = await token.eip712Domain();
  const domain: TypedDataDomain = {
    name: d.name,
    version: d.version,
    chainId: d.chainId,
    verifyingContract: d.verifyingContract,
  };
  const address = await owner.getAddress();
  const permit: Permit = { owner: address, spender, value, nonce: await token.nonces(address), deadline };
  const { v, r, s } = Signature.from(await owner.signTypedData(domain, PERMIT_TYPES, permit));
  return { deadline, v, r, s };
}
