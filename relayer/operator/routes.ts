import { randomUUID } from "node:crypto";

import { z } from "zod";

import { parseId } from "../../client/text.js";
import { principalOf, assertOwner } from "../core/kit/auth.js";
import { ForbiddenError, ServiceError } from "../core/kit/errors.js";
import type { HttpApp } from "../core/kit/http.js";
import { requestHash } from "../core/kit/idempotency.js";
import type { ServiceKit } from "../core/kit/service.js";
import { registerWebhookRoutes } from "../core/webhooks/routes.js";
import type { WebhookOutbox } from "../core/webhooks/outbox.js";
import type { OperatorConfig, OperatorSecrets } from "./config.js";
import {
  QuoteRefusedError,
  SendingDisabledError,
  UnknownReceivingOperatorError,
  UnknownRemittanceError,
  UpstreamUnavailableError,
} from "./errors.js";
import { callJson, type QuoteWire } from "./http-client.js";
import { getRemittance, showRemittance, WALLET_ENDPOINT, type RemittanceRow } from "./remittances.js";
import { complianceHashOf, recipientHashOf, STATUSES } from "./statuses.js";

const amount = z.string().regex(/^[1-9]\d{0,38}$/, "a positive integer amount in base units, as a string");
const ref = z.string().regex(/^[A-Za-z0-9._:@-]{1,64}$/, "1-64 characters of [A-Za-z0-9._:@-]");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

const remittanceBody = z.object({
  id: z.string(),
  status: z.enum(STATUSES),
  amount: z.string(),
  receivingOperator: z.string(),
  recipientRef: z.string(),
  idempotencyKey: z.string(),
  remittanceId: z.string().nullable(),
  quoteId: z.string().nullable(),
  fee: z.string().nullable(),
  reasonCode: z.number().nullable(),
  reason: z.string().nullable(),
  payoutRef: z.string().nullable(),
  deadline: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export interface OperatorRouteDeps {
  config: OperatorConfig;
  secrets: OperatorSecrets;
  outbox: WebhookOutbox;
  notifySender(): void;
  notifyWebhooks(): void;
}

export function operatorRoutes(deps: OperatorRouteDeps) {
  const { config, secrets } = deps;
  const ownTenant = config.tenant;

  /** A quote the caller obtained before: it must be ours, unused, far enough from expiry, and match. */
  const loadQuote = async (
    quoteId: string,
    body: { amount: string; receivingOperator: string },
  ): Promise<QuoteWire> => {
    if (config.quotes === undefined) throw new SendingDisabledError();
    const answer = await callJson(`${config.quotes.url}/quotes/${quoteId}`, {
      method: "GET",
      key: secrets.quotesApiKey,
      timeoutMs: config.quotes.timeoutMs,
    });
    if (answer.status === 404 || answer.status === 400)
      throw new QuoteRefusedError("unknown_quote", `no quote ${quoteId}`);
    if (answer.status === 403) throw new QuoteRefusedError("foreign_quote", "the quote was issued to another operator");
    if (answer.status !== 200) throw new UpstreamUnavailableError("the quote service");
    const quote = answer.body as QuoteWire;
    const now = Math.floor(Date.now() / 1000);
    if (quote.state !== "outstanding" || quote.expiresAt - config.quotes.minRemainingSeconds <= now) {
      throw new QuoteRefusedError("quote_expired", "the quote is used or expires too soon");
    }
    if (quote.sellAmount !== body.amount)
      throw new QuoteRefusedError("quote_mismatch", "the quote is for another amount");
    if (quote.receivingOperator !== parseId("receivingOperator", body.receivingOperator)) {
      throw new QuoteRefusedError("quote_mismatch", "the quote is for another receiving operator");
    }
    return quote;
  };

  return (app: HttpApp, kit: ServiceKit): void => {
    app.post(
      "/remittances",
      {
        schema: {
          description:
            "Accepts a remittance (SEP-31 shaped) and answers at once with its id; it is quoted, initiated on chain " +
            "and followed to its final status, each change sent as a webhook. Only hashes of the recipient and " +
            "compliance data go on chain.",
          headers: z.object({ "idempotency-key": z.string().min(1).max(128) }),
          body: z.strictObject({
            amount,
            receivingOperator: z.string().min(1).max(31),
            recipientRef: ref,
            compliance: z.record(z.string(), z.unknown()),
            quoteId: bytes32.optional(),
          }),
          response: { 202: remittanceBody.pick({ id: true, status: true }) },
        },
      },
      async (request, reply) => {
        const tenant = principalOf(request).tenant;
        if (tenant !== ownTenant) throw new ForbiddenError("only the operator's own clients may send through it");
        if (config.quotes === undefined) throw new SendingDisabledError();
        const body = request.body;
        if (config.quotes.corridors[body.receivingOperator] === undefined) {
          throw new UnknownReceivingOperatorError(body.receivingOperator);
        }
        const key = request.headers["idempotency-key"];
        const idem = { tenant, key, hash: requestHash(["POST", "/remittances", body]) };
        const answer = await kit.idempotency.runOutside(idem, async () => {
          const quote = body.quoteId === undefined ? undefined : await loadQuote(body.quoteId, body);
          const row = await kit.store.tx(async (q) => {
            const existing = await q.get<RemittanceRow>(
              "SELECT * FROM op_remittances WHERE tenant = ? AND idempotency_key = ?",
              [tenant, key],
            );
            if (existing !== undefined) return existing;
            if (quote !== undefined) {
              const used = await q.get("SELECT id FROM op_remittances WHERE remittance_id = ?", [quote.id]);
              if (used !== undefined) throw new QuoteRefusedError("quote_expired", "the quote is already used");
            }
            const now = Date.now();
            const id = `rem_${randomUUID().replaceAll("-", "")}`;
            await q.run(
              `INSERT INTO op_remittances (id, tenant, idempotency_key, amount, receiving_operator, receiving_tenant,
                 recipient_ref, compliance_json, recipient_hash, compliance_hash, quote_json, remittance_id, step,
                 status, fee, deadline, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
              [
                id,
                tenant,
                key,
                body.amount,
                body.receivingOperator,
                parseId("receivingOperator", body.receivingOperator),
                body.recipientRef,
                JSON.stringify(body.compliance),
                recipientHashOf(body.recipientRef),
                complianceHashOf(body.compliance),
                quote === undefined ? null : JSON.stringify(quote),
                quote?.id ?? null,
                quote === undefined ? "quote" : "handover",
                quote?.fee.total ?? null,
                quote?.latestDeadline ?? null,
                now,
                now,
              ],
            );
            await q.run("INSERT INTO op_status_history (id, status, detail, at) VALUES (?, 'pending', 'accepted', ?)", [
              id,
              now,
            ]);
            return (await getRemittance(q, id))!;
          });
          return { status: 202, body: { id: row.id, status: row.status } };
        });
        deps.notifySender();
        return reply.status(202).send(answer.body as { id: string; status: "pending" });
      },
    );

    app.get(
      "/remittances/:id",
      { schema: { params: z.strictObject({ id: z.string().min(1).max(100) }), response: { 200: remittanceBody } } },
      async (request) => {
        const row = await kit.store.read((q) => getRemittance(q, request.params.id));
        if (row === undefined) throw new UnknownRemittanceError(request.params.id);
        assertOwner(request, row.tenant);
        return showRemittance(row);
      },
    );

    app.get(
      "/remittances",
      {
        schema: {
          querystring: z.strictObject({
            status: z.enum(STATUSES).optional(),
            since: z.coerce.number().int().min(0).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(500),
          }),
          response: { 200: z.object({ remittances: z.array(remittanceBody) }) },
        },
      },
      async (request) => {
        const tenant = principalOf(request).tenant;
        const { status, since, limit } = request.query;
        const rows = await kit.store.read((q) =>
          q.all<RemittanceRow>(
            `SELECT * FROM op_remittances WHERE tenant = ? AND (CAST(? AS TEXT) IS NULL OR status = ?) AND created_at >= ?
             ORDER BY created_at, id LIMIT ?`,
            [tenant, status ?? null, status ?? null, since ?? 0, limit],
          ),
        );
        return { remittances: rows.map(showRemittance) };
      },
    );

    app.post(
      "/inbound/remittances",
      {
        schema: {
          description:
            "A sending operator's relayer hands over the recipient and compliance data of a remittance addressed " +
            "to this operator, keyed by its on-chain id; their hashes are checked against the chain before payout.",
          body: z.strictObject({
            remittanceId: bytes32,
            recipientRef: ref,
            compliance: z.record(z.string(), z.unknown()),
          }),
          response: { 201: z.object({ remittanceId: z.string() }) },
        },
      },
      async (request, reply) => {
        const sender = principalOf(request).tenant;
        if (sender === ownTenant) throw new ForbiddenError("inbound details come from other operators");
        const id = request.body.remittanceId.toLowerCase();
        const compliance = JSON.stringify(request.body.compliance);
        await kit.store.tx(async (q) => {
          const known = await q.get<{ sender: string; recipient_ref: string; compliance_json: string }>(
            "SELECT sender, recipient_ref, compliance_json FROM op_inbound WHERE remittance_id = ?",
            [id],
          );
          if (known === undefined) {
            await q.run(
              "INSERT INTO op_inbound (remittance_id, sender, recipient_ref, compliance_json, created_at) VALUES (?, ?, ?, ?, ?)",
              [id, sender, request.body.recipientRef, compliance, Date.now()],
            );
          } else if (
            known.sender !== sender ||
            known.recipient_ref !== request.body.recipientRef ||
            known.compliance_json !== compliance
          ) {
            throw new ServiceError(422, "details_conflict", "other details were handed over for this remittance");
          }
        });
        return reply.status(201).send({ remittanceId: id });
      },
    );

    registerWebhookRoutes(app, {
      outbox: deps.outbox,
      notify: deps.notifyWebhooks,
      canAccess: (principal, endpoint) => principal.tenant === ownTenant && endpoint === WALLET_ENDPOINT,
    });
  };
}
