/**
 * ERC-2771 forward requests for `PlatformForwarder` (OpenZeppelin `ERC2771Forwarder`): the one place the
 * `ForwardRequest` type is written off chain. Depends on ethers alone, so a phone wallet can sign.
 */
import { AbiCoder, keccak256, type Signer, type TypedDataDomain, verifyTypedData } from "ethers";

export const FORWARDER_DOMAIN_NAME = "PlatformForwarder";
export const FORWARDER_DOMAIN_VERSION = "1";

/** The signed type; `nonce` is signed but not sent (the forwarder reads it). */
export const FORWARD_REQUEST_TYPES = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
};

/** `ERC2771Forwarder.ForwardRequestData`: what `execute` takes. */
export interface ForwardRequestData {
  from: string;
  to: string;
  value: bigint;
  gas: bigint;
  deadline: bigint;
  data: string;
  signature: string;
}

export interface ForwarderDomain {
  chainId: bigint;
  verifyingContract: string;
}

export function forwarderTypedDataDomain(domain: ForwarderDomain): TypedDataDomain {
  return {
    name: FORWARDER_DOMAIN_NAME,
    version: FORWARDER_DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/**
 * Signs a request to call `to` with `data` as the signer, for whoever relays it. The caller gives the
 * signer's current forwarder nonce (`forwarder.nonces(from)`) and a deadline in unix seconds.
 */
export async function signForwardRequest(
  signer: Pick<Signer, "signTypedData" | "getAddress">,
  domain: ForwarderDomain,
  request: { to: string; data: string; nonce: bigint; deadline: bigint; gas?: bigint; value?: bigint },
): Promise<ForwardRequestData> {
  const message = {
    from: await signer.getAddress(),
    to: request.to,
    value: request.value ?? 0n,
    gas: request.gas ?? 500_000n,
    nonce: request.nonce,
    deadline: request.deadline,
    data: request.data,
  };
  const signature = await signer.signTypedData(forwarderTypedDataDomain(domain), FORWARD_REQUEST_TYPES, message);
  const { nonce: _nonce, ...rest } = message;
  return { ...rest, signature };
}

/** The forwarder's `execute` argument types, in order: what the request id hashes. */
const REQUEST_DATA_TUPLE =
  "tuple(address from,address to,uint256 value,uint256 gas,uint48 deadline,bytes data,bytes signature)";

/**
 * A signed request's identity: keccak256 of its ABI encoding, signature included. The meta-transaction
 * relayer uses it as the request's id and its idempotency key, so the same signed request posted twice
 * is one request.
 */
export function forwardRequestId(request: ForwardRequestData): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      [REQUEST_DATA_TUPLE],
      [[request.from, request.to, request.value, request.gas, request.deadline, request.data, request.signature]],
    ),
  );
}

/** The address that signed `request` for the given forwarder nonce (what the forwarder recovers). */
export function recoverForwardRequestSigner(
  domain: ForwarderDomain,
  request: ForwardRequestData,
  nonce: bigint,
): string {
  const { signature, ...rest } = request;
  return verifyTypedData(forwarderTypedDataDomain(domain), FORWARD_REQUEST_TYPES, { ...rest, nonce }, signature);
}

/** A request as JSON carries it (bigints as decimal strings). */
export interface ForwardRequestJson {
  from: string;
  to: string;
  value: string;
  gas: string;
  deadline: string;
  data: string;
  signature: string;
}

export function forwardRequestToJson(request: ForwardRequestData): ForwardRequestJson {
  return {
    ...request,
    value: request.value.toString(),
    gas: request.gas.toString(),
    deadline: request.deadline.toString(),
  };
}

export function forwardRequestFromJson(json: ForwardRequestJson): ForwardRequestData {
  return { ...json, value: BigInt(json.value), gas: BigInt(json.gas), deadline: BigInt(json.deadline) };
}
