/**
 * Pricing a quote and the JSON file a provider hands to a sending operator (amounts as decimal strings
 * of base units). The EIP-712 type itself lives in `eip712/quote.ts`.
 */
import { getAddress, isAddress, isHexString, parseUnits } from "ethers";

import { BPS } from "./amounts.js";
import { recoverQuoteSigner, remittanceIdOf, type Quote, type SignedQuote } from "./eip712/quote.js";
import { QuoteError } from "./errors.js";

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
  if (!/^\d{1,30}(\.\d{1,18})?$/.test(rate)) throw new QuoteError(`rate "${rate}" is not a positive decimal number`);
  const scaledRate = parseUnits(rate, 18);
  if (scaledRate === 0n) throw new QuoteError("rate must be greater than zero");
  if (spreadBps < 0n || spreadBps >= BPS) throw new QuoteError(`spread ${spreadBps} bps is not below 10000`);
  const numerator = sourceAmount * scaledRate * (BPS - spreadBps) * 10n ** BigInt(decimals.destination);
  const denominator = 10n ** 18n * BPS * 10n ** BigInt(decimals.source);
  return numerator / denominator;
}

/** Builds the quote for an operator's client reference. */
export function buildQuote(fields: Omit<Quote, "quoteId"> & { clientRef: string }): Quote {
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

/** The JSON text of a signed quote file. */
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

const UINT128_MAX = 2n ** 128n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Parses and checks a quote file: shape, field widths, id derivation and signature. */
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
      chainId: uint(domain.chainId, "domain.chainId", UINT64_MAX),
      verifyingContract: address(domain.verifyingContract, "domain.verifyingContract"),
    },
    quote: {
      corridorId: bytes32(quote.corridorId, "quote.corridorId"),
      sendingTenant: bytes32(quote.sendingTenant, "quote.sendingTenant"),
      receivingTenant: bytes32(quote.receivingTenant, "quote.receivingTenant"),
      quoteId: bytes32(quote.quoteId, "quote.quoteId"),
      sourceAmount: uint(quote.sourceAmount, "quote.sourceAmount", UINT128_MAX),
      destinationAmount: uint(quote.destinationAmount, "quote.destinationAmount", UINT128_MAX),
      fee: uint(quote.fee, "quote.fee", UINT128_MAX),
      expiry: uint(quote.expiry, "quote.expiry", UINT64_MAX),
      latestDeadline: uint(quote.latestDeadline, "quote.latestDeadline", UINT64_MAX),
    },
    clientRef: bytes32(root.clientRef, "clientRef"),
    signature: signature(root.signature),
    signer: address(root.signer, "signer"),
  };
  if (signed.quote.receivingTenant === signed.quote.sendingTenant) {
    throw new QuoteError("quote.receivingTenant is quote.sendingTenant: an operator cannot pay itself out");
  }
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

function uint(value: unknown, what: string, max: bigint): bigint {
  if (typeof value !== "string" || !/^\d{1,78}$/.test(value)) {
    throw new QuoteError(`${what} is not a non-negative integer string`);
  }
  const parsed = BigInt(value);
  if (parsed > max) throw new QuoteError(`${what} is above its field's maximum ${max}`);
  return parsed;
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
