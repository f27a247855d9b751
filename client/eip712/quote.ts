/**
 * The firm FX quote of a remittance corridor: its EIP-712 domain and type (field for field
 * `IRemittanceSettlement.Quote`), signing and recovery. The one place the quote type is written off chain.
 */
import {
  AbiCoder,
  concat,
  id,
  keccak256,
  Signature,
  TypedDataEncoder,
  verifyTypedData,
  type Signer,
  type TypedDataDomain,
} from "ethers";

import { QuoteError } from "../errors.js";

export const QUOTE_DOMAIN_NAME = "RemittanceSettlement";
export const QUOTE_DOMAIN_VERSION = "1";

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

/**
 * A quote as the provider signs it. Amounts in token base units, expiry and latest deadline in unix
 * seconds. `quoteId` is `remittanceIdOf(sendingTenant, clientRef)`. The quote binds the receiving operator
 * (never the sending one) and the latest remittance deadline the provider accepts.
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

/** A signed quote with the client reference its id derives from: what a quote file holds. */
export interface SignedQuote {
  domain: QuoteDomain;
  quote: Quote;
  clientRef: string;
  /** 65-byte signature of a member of the provider. */
  signature: string;
  /** The address that signed (informative; the contract recovers it). */
  signer: string;
}

const abi = AbiCoder.defaultAbiCoder();

/**
 * The id of the remittance a client reference creates, also the id of its quote:
 * `keccak256(abi.encode(sendingTenant, clientRef))`. One client reference, one remittance at most.
 */
export function remittanceIdOf(sendingTenant: string, clientRef: string): string {
  return keccak256(abi.encode(["bytes32", "bytes32"], [sendingTenant, clientRef]));
}

export function quoteTypedDataDomain(domain: QuoteDomain): TypedDataDomain {
  return {
    name: QUOTE_DOMAIN_NAME,
    version: QUOTE_DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/** The EIP-712 digest of a quote (what `RemittanceSettlement.quoteDigest` returns). */
export function quoteDigest(domain: QuoteDomain, quote: Quote): string {
  return TypedDataEncoder.hash(quoteTypedDataDomain(domain), QUOTE_TYPES, quote);
}

/**
 * A digest function for many quotes of one domain: `quoteDigest`'s result, with the domain separator and
 * the type hash computed once instead of re-deriving the typed-data encoder on every call. For a quote
 * service signing hundreds of quotes a second (each field is a fixed 32-byte word, so the struct is
 * encoded by concatenation).
 */
export function quoteHasher(domain: QuoteDomain): (quote: Quote) => string {
  const domainSeparator = TypedDataEncoder.hashDomain(quoteTypedDataDomain(domain));
  const typeHash = id(TypedDataEncoder.from(QUOTE_TYPES).encodeType("Quote"));
  const word = (x: bigint) => x.toString(16).padStart(64, "0");
  return (quote) => {
    const structHash = keccak256(
      typeHash +
        quote.corridorId.slice(2) +
        quote.sendingTenant.slice(2) +
        quote.receivingTenant.slice(2) +
        quote.quoteId.slice(2) +
        word(quote.sourceAmount) +
        word(quote.destinationAmount) +
        word(quote.fee) +
        word(quote.expiry) +
        word(quote.latestDeadline),
    );
    return keccak256(concat(["0x1901", domainSeparator, structHash]));
  };
}

/** Signs a quote as a member of the provider. */
export async function signQuote(
  signer: Pick<Signer, "signTypedData" | "getAddress">,
  domain: QuoteDomain,
  quote: Quote,
  clientRef: string,
): Promise<SignedQuote> {
  if (quote.quoteId.toLowerCase() !== remittanceIdOf(quote.sendingTenant, clientRef)) {
    throw new QuoteError("the quote id is not derived from the sending tenant and the client reference");
  }
  const signature = await signer.signTypedData(quoteTypedDataDomain(domain), QUOTE_TYPES, quote);
  return { domain, quote, clientRef, signature, signer: await signer.getAddress() };
}

/** The address that signed a quote. */
export function recoverQuoteSigner(signed: Pick<SignedQuote, "domain" | "quote" | "signature">): string {
  return verifyTypedData(quoteTypedDataDomain(signed.domain), QUOTE_TYPES, signed.quote, signed.signature);
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
