/**
 * The one place the quote service turns a priced request into the fields the provider signs. When the
 * quote type gains fields (the receiving operator, a latest deadline), only this file and the client's
 * EIP-712 table change.
 */
import { randomBytes } from "node:crypto";

import { hexlify } from "ethers";

import { corridorFee } from "../../client/amounts.js";
import { quoteDigest, type Quote, type QuoteDomain } from "../../client/eip712/quote.js";
import { buildQuote, priceDestination } from "../../client/quote-file.js";

export interface CorridorTerms {
  id: string;
  label: string;
  sourceToken: string;
  destinationToken: string;
  sourceDecimals: number;
  destinationDecimals: number;
  minAmount: bigint;
  maxAmount: bigint;
  feeFixed: bigint;
  feeBps: bigint;
  settlementWindow: bigint;
  spreadBps: bigint;
}

export interface Priced {
  sourceAmount: bigint;
  destinationAmount: bigint;
  fee: bigint;
  /** The mid rate the price came from. */
  rate: string;
}

/** The destination amount and the corridor's fee for `sourceAmount` at `rate` less the spread. */
export function price(corridor: CorridorTerms, sourceAmount: bigint, rate: string): Priced {
  const destinationAmount = priceDestination(sourceAmount, rate, corridor.spreadBps, {
    source: corridor.sourceDecimals,
    destination: corridor.destinationDecimals,
  });
  return { sourceAmount, destinationAmount, fee: corridorFee(corridor, sourceAmount), rate };
}

export interface FirmTerms {
  quote: Quote;
  clientRef: string;
  receivingTenant: string;
  /** The latest remittance deadline the provider signs: expiry + the corridor's settlement window. */
  latestDeadline: bigint;
  digest: string;
}

/** A firm quote for the sending operator: a fresh client reference (so the quote id is the remittance id). */
export function firmTerms(
  domain: QuoteDomain,
  corridor: CorridorTerms,
  priced: Priced,
  parties: { sendingTenant: string; receivingTenant: string },
  expiry: bigint,
): FirmTerms {
  const clientRef = hexlify(randomBytes(32));
  const latestDeadline = expiry + corridor.settlementWindow;
  const quote = buildQuote({
    corridorId: corridor.id,
    sendingTenant: parties.sendingTenant,
    receivingTenant: parties.receivingTenant,
    latestDeadline,
    clientRef,
    sourceAmount: priced.sourceAmount,
    destinationAmount: priced.destinationAmount,
    fee: priced.fee,
    expiry,
  });
  return {
    quote,
    clientRef,
    receivingTenant: parties.receivingTenant,
    latestDeadline,
    digest: quoteDigest(domain, quote),
  };
}
