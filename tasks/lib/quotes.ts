/**
 * Firm FX quotes of the remittance corridors: their EIP-712 type, signing, pricing and the JSON file a
 * provider hands to a sending operator.
 *
 * Depends on ethers alone (no Hardhat, no task context), so that the provider's quote service and the
 * operator relayers import it unchanged. Errors are `QuoteError`s with a readable message.
 */
import {
  AbiCoder,
  getAddress,
  isAddress,
  isHexString,
  keccak256,
  parseUnits,
  Signature,
  TypedDataEncoder,
  verifyTypedData,
  type Signer,
  type TypedDataDomain,
} from "ethers";

/** EIP-712 domain name and version of `RemittanceSettlement`. */
export const QUOTE_DOMAIN_NAME = "RemittanceSettlement";
export const QUOTE_DOMAIN_VERSION = "1";

/** The EIP-712 type of a quote, field for field `IRemittanceSettlement.Quote`. */
export const QUOTE_TYPES = {
  Quote: [
    { name: "corridorId", type: "bytes32" },
    { name: "sendingTenant", type: "bytes32" },
    { name: "receivingTenant", type: "bytes32" },
    { name: "quoteId", type: "bytes32" },
    { name: "sourceAmount", type: "uint128" },
    { name: "destinationAmount", type: "uint128" },
    { name: "fee", type: "uint128" },
    { name: "expiry", type: "uint64" },
    { name: "latestDeadline", type: "uint64" },
  ],
};

/** Basis points in one. */
export const BPS = 10_000n;

/**
 * A quote as the provider signs it (the EIP-712 `Quote`). Amounts in token base units, expiry and latest
 * deadline in unix seconds. `quoteId` is `remittanceIdOf(sendingTenant, clientRef)`. The quote binds the
 * receiving operator and the latest remittance deadline the provider accepts.
 */
export interface Quote {
  corridorId: string;
  sendingTenant: string;
  receivingTenant: string;
  quoteId: string;
  sourceAmount: bigint;
  destinationAmount: bigint;
  fee: bigint;
  expiry: bigint;
  latestDeadline: bigint;
}

/** Where a quote can be used: one chain, one `RemittanceSettlement` deployment. */
export interface QuoteDomain {
  chainId: bigint;
  verifyingContract: string;
}

/** A signed quote, with the client reference its id is derived from. What a quote file holds. */
export interface SignedQuote {
  domain: QuoteDomain;
  quote: Quote;
  /** The sending operator's reference of the payment; `quote.quoteId` is derived from it. */
  clientRef: string;
  /** The 65-byte signature of the provider's member. */
  signature: string;
  /** The address that signed (informative; the contract recovers it). */
  signer: string;
}

/** A quote or quote file that cannot be used, with a readable message. */
export class QuoteError extends Error {
  override name = "QuoteError";
}

const abi = AbiCoder.defaultAbiCoder();

/**
 * The id of the remittance a client reference creates, which is also the id of the quote priced for it:
 * `keccak256(abi.encode(sendingTenant, clientRef))`. One client reference, one remittance at most.
 */
export function remittanceIdOf(sendingTenant: string, clientRef: string): string {
  return keccak256(abi.encode(["bytes32", "bytes32"], [sendingTenant, clientRef]));
}

export function typedDataDomain(domain: QuoteDomain): TypedDataDomain {
  return {
    name: QUOTE_DOMAIN_NAME,
    version: QUOTE_DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/** The EIP-712 digest of a quote (what `RemittanceSettlement.quoteDigest` returns). */
export function quoteDigest(domain: QuoteDomain, quote: Quote): string {
  return TypedDataEncoder.hash(typedDataDomain(domain), QUOTE_TYPES, quote);
}

/** The platform fee of a corridor on `sourceAmount`: `feeFixed + sourceAmount * feeBps / 10000`. */
export function corridorFee(corridor: { feeFixed: bigint; feeBps: bigint | number }, sourceAmount: bigint): bigint {
  return corridor.feeFixed + (sourceAmount * BigInt(corridor.feeBps)) / BPS;
}

/**
 * The destination amount for `sourceAmount` at `rate` (destination units per source unit, a decimal
 * string such as "7.2315") less the provider's spread, converted between the tokens' decimals and
 * rounded down.
 */
export function priceDestination(
  sourceAmount: bigint,
  rate: string,
  spreadBps: bigint,
  decimals: { source: number; destination: number },
): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(rate)) throw new QuoteError(`rate "${rate}" is not a positive decimal number`);
  const scaledRate = parseUnits(rate, 18);
  if (scaledRate === 0n) throw new QuoteError("rate must be greater than zero");
  if (spreadBps < 0n || spreadBps >= BPS) throw new QuoteError(`spread ${spreadBps} bps is not below 10000`);
  const numerator = sourceAmount * scaledRate * (BPS - spreadBps) * 10n ** BigInt(decimals.destination);
  const denominator = 10n ** 18n * BPS * 10n ** BigInt(decimals.source);
  return numerator / denominator;
}

/** Builds the quote for an operator's client reference. */
export function buildQuote(fields: {
  corridorId: string;
  sendingTenant: string;
  receivingTenant: string;
  clientRef: string;
  sourceAmount: bigint;
  destinationAmount: bigint;
  fee: bigint;
  expiry: bigint;
  latestDeadline: bigint;
}): Quote {
  return {
    corridorId: fields.corridorId,
    sendingTenant: fields.sendingTenant,
    receivingTenant: fields.receivingTenant,
    quoteId: remittanceIdOf(fields.sendingTenant, fields.clientRef),
    sourceAmount: fields.sourceAmount,
    destinationAmount: fields.destinationAmount,
    fee: fields.fee,
    expiry: fields.expiry,
    latestDeadline: fields.latestDeadline,
  };
}

/** Signs a quote as a member of the provider (an ethers signer, e.g. the quote service's key). */
export async function signQuote(
  signer: Pick<Signer, "signTypedData" | "getAddress">,
  domain: QuoteDomain,
  quote: Quote,
  clientRef: string,
): Promise<SignedQuote> {
  if (quote.quoteId.toLowerCase() !== remittanceIdOf(quote.sendingTenant, clientRef)) {
    throw new QuoteError("the quote id is not derived from the sending tenant and the client reference");
  }
  const signature = await signer.signTypedData(typedDataDomain(domain), QUOTE_TYPES, quote);
  return { domain, quote, clientRef, signature, signer: await signer.getAddress() };
}

/** The address that signed a quote. */
export function recoverQuoteSigner(signed: SignedQuote): string {
  return verifyTypedData(typedDataDomain(signed.domain), QUOTE_TYPES, signed.quote, signed.signature);
}

/** The quote as `initiate` takes it: the signed fields less `quoteId`, which the contract derives. */
export function quoteTerms(quote: Quote) {
  return {
    corridorId: quote.corridorId,
    sendingTenant: quote.sendingTenant,
    receivingTenant: quote.receivingTenant,
    sourceAmount: quote.sourceAmount,
    destinationAmount: quote.destinationAmount,
    fee: quote.fee,
    expiry: quote.expiry,
    latestDeadline: quote.latestDeadline,
  };
}

/** The ERC-2098 compact form (`r`, `vs`) the contract takes. */
export function compactSignature(signature: string): { r: string; vs: string } {
  const sig = Signature.from(signature);
  return { r: sig.r, vs: sig.yParityAndS };
}

/** Seconds until the quote expires (negative once expired), at `now` (unix seconds). */
export function secondsToExpiry(quote: Quote, now: bigint): bigint {
  return quote.expiry - now;
}

/** The JSON text of a signed quote file (amounts as decimal strings of base units). */
export function serializeSignedQuote(signed: SignedQuote): string {
  const { domain, quote } = signed;
  return (
    JSON.stringify(
      {
        domain: { chainId: domain.chainId.toString(), verifyingContract: domain.verifyingContract },
        quote: {
          corridorId: quote.corridorId,
          sendingTenant: quote.sendingTenant,
          receivingTenant: quote.receivingTenant,
          quoteId: quote.quoteId,
          sourceAmount: quote.sourceAmount.toString(),
          destinationAmount: quote.destinationAmount.toString(),
          fee: quote.fee.toString(),
          expiry: quote.expiry.toString(),
          latestDeadline: quote.latestDeadline.toString(),
        },
        clientRef: signed.clientRef,
        signature: signed.signature,
        signer: signed.signer,
      },
      null,
      2,
    ) + "\n"
  );
}

/** Parses and checks a quote file: shape, id derivation and signature. */
export function parseSignedQuote(text: string): SignedQuote {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new QuoteError("the quote file is not JSON");
  }
  const root = object(raw, "quote file");
  const domain = object(root.domain, "domain");
  const quote = object(root.quote, "quote");
  const signed: SignedQuote = {
    domain: {
      chainId: uint(domain.chainId, "domain.chainId"),
      verifyingContract: address(domain.verifyingContract, "domain.verifyingContract"),
    },
    quote: {
      corridorId: bytes32(quote.corridorId, "quote.corridorId"),
      sendingTenant: bytes32(quote.sendingTenant, "quote.sendingTenant"),
      receivingTenant: bytes32(quote.receivingTenant, "quote.receivingTenant"),
      quoteId: bytes32(quote.quoteId, "quote.quoteId"),
      sourceAmount: uint(quote.sourceAmount, "quote.sourceAmount"),
      destinationAmount: uint(quote.destinationAmount, "quote.destinationAmount"),
      fee: uint(quote.fee, "quote.fee"),
      expiry: uint(quote.expiry, "quote.expiry"),
      latestDeadline: uint(quote.latestDeadline, "quote.latestDeadline"),
    },
    clientRef: bytes32(root.clientRef, "clientRef"),
    signature: signature(root.signature),
    signer: address(root.signer, "signer"),
  };
  if (signed.quote.quoteId !== remittanceIdOf(signed.quote.sendingTenant, signed.clientRef)) {
    throw new QuoteError("quote.quoteId is not derived from quote.sendingTenant and clientRef");
  }
  let recovered: string;
  try {
    recovered = recoverQuoteSigner(signed);
  } catch {
    throw new QuoteError("the quote signature is malformed");
  }
  if (recovered !== signed.signer) {
    throw new QuoteError(`the quote signature recovers to ${recovered}, not to the stated signer ${signed.signer}`);
  }
  return signed;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QuoteError(`${what} is missing or not an object`);
  }
  return value as Record<string, unknown>;
}

function uint(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new QuoteError(`${what} is not a non-negative integer string`);
  }
  return BigInt(value);
}

function bytes32(value: unknown, what: string): string {
  if (typeof value !== "string" || !isHexString(value, 32)) throw new QuoteError(`${what} is not 32-byte hex`);
  return value.toLowerCase();
}

function address(value: unknown, what: string): string {
  if (typeof value !== "string" || !isAddress(value)) throw new QuoteError(`${what} is not an address`);
  return getAddress(value);
}

function signature(value: unknown): string {
  if (typeof value !== "string" || !isHexString(value, 65)) throw new QuoteError("signature is not 65-byte hex");
  return value;
}
