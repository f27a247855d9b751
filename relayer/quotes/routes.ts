import { z } from "zod";

import { InvalidArgumentError } from "../../client/errors.js";
import type { QuoteDomain } from "../../client/eip712/quote.js";
import { parseId } from "../../client/text.js";
import { assertOwner, principalOf } from "../core/kit/auth.js";
import { InvalidRequestError } from "../core/kit/errors.js";
import type { HttpApp } from "../core/kit/http.js";
import type { ServiceKit } from "../core/kit/service.js";
import type { ChainView } from "./chain-view.js";
import {
  AmountOutOfRangeError,
  ChainUnavailableError,
  RateUnavailableError,
  UnknownCorridorError,
  UnknownQuoteError,
} from "./errors.js";
import type { QuoteBook, StoredQuote } from "./quote-book.js";
import { firmTerms, price, type CorridorTerms } from "./quote-terms.js";
import type { RateSource } from "./rate-source.js";

const amount = z.string().regex(/^[1-9]\d{0,38}$/, "a positive integer amount in base units, as a string");
const tenantRef = z.string().min(1).max(66);

const priceBody = z.object({
  corridor: z.string(),
  corridorId: z.string(),
  sellAsset: z.string(),
  buyAsset: z.string(),
  sellAmount: z.string(),
  buyAmount: z.string(),
  /** Mid rate less the spread, destination units per source unit, before decimals. */
  price: z.string(),
  fee: z.object({ total: z.string(), asset: z.string() }),
});

const quoteBody = priceBody.extend({
  id: z.string(),
  clientRef: z.string(),
  sendingOperator: z.string(),
  receivingOperator: z.string(),
  expiresAt: z.number(),
  latestDeadline: z.number(),
  signature: z.string(),
  signer: z.string(),
  domain: z.object({ chainId: z.string(), verifyingContract: z.string() }),
  state: z.enum(["outstanding", "used", "expired"]),
});

export interface QuoteRouteDeps {
  corridors: readonly { id: string; label: string; spreadBps: bigint }[];
  rates: RateSource;
  chain: ChainView;
  book: QuoteBook;
  domain: QuoteDomain;
  providerTenant: string;
  quoteValiditySeconds: number;
}

const tenantId = (what: string, value: string) => {
  try {
    return parseId(what, value);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new InvalidRequestError(`${what} is neither a tenant label nor 32-byte hex`, [
        { in: "body", path: what, message: error.shortMessage },
      ]);
    }
    throw error;
  }
};

export function quoteRoutes(deps: QuoteRouteDeps) {
  const spreadPrice = (rate: string, spreadBps: bigint) =>
    ((Number(rate) * Number(10_000n - spreadBps)) / 10_000).toFixed(8);

  const corridorOf = async (name: string): Promise<CorridorTerms> => {
    const configured = deps.corridors.find((c) => c.label === name || c.id === name.toLowerCase());
    if (configured === undefined) throw new UnknownCorridorError(name);
    let terms: CorridorTerms | undefined;
    try {
      terms = await deps.chain.corridor(configured.id, configured.label, configured.spreadBps);
    } catch (error) {
      throw new ChainUnavailableError(error);
    }
    if (terms === undefined) throw new UnknownCorridorError(name);
    return terms;
  };

  const priced = async (corridorName: string, sellAmount: string) => {
    const corridor = await corridorOf(corridorName);
    const sourceAmount = BigInt(sellAmount);
    if (sourceAmount < corridor.minAmount || sourceAmount > corridor.maxAmount) {
      throw new AmountOutOfRangeError(sourceAmount, corridor.minAmount, corridor.maxAmount);
    }
    const rate = deps.rates.rate(corridor.label);
    if (rate === undefined) throw new RateUnavailableError(corridor.label);
    return { corridor, priced: price(corridor, sourceAmount, rate) };
  };

  const show = (
    corridor: { label: string; id: string; sourceToken: string; destinationToken: string },
    p: { sourceAmount: bigint; destinationAmount: bigint; fee: bigint; rate: string },
    spreadBps: bigint,
  ) => ({
    corridor: corridor.label,
    corridorId: corridor.id,
    sellAsset: corridor.sourceToken,
    buyAsset: corridor.destinationToken,
    sellAmount: p.sourceAmount.toString(),
    buyAmount: p.destinationAmount.toString(),
    price: spreadPrice(p.rate, spreadBps),
    fee: { total: p.fee.toString(), asset: corridor.sourceToken },
  });

  const showQuote = (q: StoredQuote, corridor: CorridorTerms | undefined) => ({
    ...show(
      {
        label: q.corridorLabel,
        id: q.corridorId,
        sourceToken: corridor?.sourceToken ?? "",
        destinationToken: q.destinationToken,
      },
      q,
      corridor?.spreadBps ?? 0n,
    ),
    id: q.id,
    clientRef: q.clientRef,
    sendingOperator: q.sendingTenant,
    receivingOperator: q.receivingTenant,
    expiresAt: q.expiry,
    latestDeadline: q.latestDeadline,
    signature: q.signature,
    signer: q.signer,
    domain: { chainId: deps.domain.chainId.toString(), verifyingContract: deps.domain.verifyingContract },
    state: q.state,
  });

  return (app: HttpApp, kit: ServiceKit): void => {
    app.get(
      "/prices",
      {
        schema: {
          description: "Indicative price (SEP-38 shaped): not binding, reserves nothing.",
          querystring: z.strictObject({ corridor: z.string().min(1).max(66), sellAmount: amount }),
          response: { 200: priceBody },
        },
      },
      async (request) => {
        const { corridor, priced: p } = await priced(request.query.corridor, request.query.sellAmount);
        return show(corridor, p, corridor.spreadBps);
      },
    );

    app.post(
      "/quotes",
      {
        schema: {
          description:
            "Firm quote (SEP-38 shaped), signed by the provider: binds the caller's tenant as sending operator, " +
            "the receiving operator, the amounts, the fee, the expiry and the latest deadline.",
          body: z.strictObject({
            corridor: z.string().min(1).max(66),
            sellAmount: amount,
            receivingOperator: tenantRef,
          }),
          response: { 201: quoteBody },
        },
      },
      async (request, reply) => {
        const tenant = principalOf(request).tenant;
        const sendingTenant = tenantId("sendingOperator", tenant);
        const receivingTenant = tenantId("receivingOperator", request.body.receivingOperator);
        const { corridor, priced: p } = await priced(request.body.corridor, request.body.sellAmount);
        const expiry = BigInt(Math.floor(Date.now() / 1000) + deps.quoteValiditySeconds);
        const terms = firmTerms(deps.domain, corridor, p, { sendingTenant, receivingTenant }, expiry);
        const stored = await deps.book.issue(tenant, corridor, p, terms);
        kit.logger.info({ quote: stored.id, tenant, amount: request.body.sellAmount }, "firm quote issued");
        return reply.status(201).send(showQuote(stored, corridor));
      },
    );

    app.get(
      "/quotes/:id",
      {
        schema: {
          params: z.strictObject({ id: z.string().regex(/^0x[0-9a-fA-F]{64}$/) }),
          response: { 200: quoteBody },
        },
      },
      async (request) => {
        const stored = await deps.book.get(request.params.id);
        if (stored === undefined) throw new UnknownQuoteError(request.params.id);
        assertOwner(request, stored.tenant);
        const configured = deps.corridors.find((c) => c.id === stored.corridorId);
        const corridor =
          configured === undefined
            ? undefined
            : await deps.chain.corridor(configured.id, configured.label, configured.spreadBps).catch(() => undefined);
        return showQuote(stored, corridor);
      },
    );

    app.get(
      "/liquidity",
      {
        schema: {
          description:
            "Per destination token: the provider's ledger balance, what outstanding quotes hold, what remains.",
          response: {
            200: z.record(
              z.string(),
              z.object({ balance: z.string(), outstanding: z.string(), available: z.string() }),
            ),
          },
        },
      },
      async () => {
        const out: Record<string, { balance: string; outstanding: string; available: string }> = {};
        for (const c of deps.corridors) {
          const corridor = await corridorOf(c.label);
          const a = await deps.book.available(corridor.destinationToken);
          out[corridor.label] = {
            balance: a.balance.toString(),
            outstanding: a.outstanding.toString(),
            available: a.available.toString(),
          };
        }
        return out;
      },
    );
  };
}
