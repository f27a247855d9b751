import type { Logger } from "pino";
import { Counter } from "prom-client";
import { z } from "zod";

import { WebhookVerificationError, verifyWebhook } from "../../client/webhooks.js";
import { InvalidRequestError, MalformedJsonError, NotFoundError, ServiceError } from "../core/kit/errors.js";
import { principalOf } from "../core/kit/auth.js";
import type { HttpApp } from "../core/kit/http.js";
import { requestHash } from "../core/kit/idempotency.js";
import type { ServiceKit } from "../core/kit/service.js";
import { adminGuard } from "./admin-guard.js";
import type { WalletConfig, WalletSecrets } from "./config.js";
import {
  AccountExistsError,
  IdempotencyKeyMismatchError,
  UnknownAccountError,
  UnknownTransferError,
  WebhookRefusedError,
} from "./errors.js";
import type { FaultSwitch } from "./faults.js";
import {
  SYSTEM_ACCOUNTS,
  createUserAccount,
  credit,
  debit,
  getAccount,
  getUserAccountByRef,
  postJournal,
  type Account,
} from "./ledger.js";
import { applyOperatorEvent, operatorEventSchema } from "./operator-events.js";
import { payOut } from "./payouts.js";
import { reconcile } from "./reconciliation.js";
import type { RemittanceSender } from "./remittance-sender.js";
import { acceptTransfer, getTransfer, type Transfer } from "./transfers.js";

/** Base units: a positive integer as a decimal string (no sign, no fraction, no leading zero). */
const amount = z.string().regex(/^[1-9]\d{0,38}$/, "a positive integer amount in base units, as a string");
const ref = z.string().regex(/^[A-Za-z0-9._:@-]{1,64}$/, "1-64 characters of [A-Za-z0-9._:@-]");
const idempotencyKey = z.string().min(1).max(128);
const complianceData = z.record(z.string(), z.unknown());

const accountBody = z.object({
  id: z.string(),
  kind: z.string(),
  ref: z.string().nullable(),
  name: z.string().nullable(),
  currency: z.string(),
  balance: z.string(),
});
const transferBody = z.object({
  id: z.string(),
  accountId: z.string(),
  amount: z.string(),
  currency: z.string(),
  receivingOperator: z.string(),
  recipientRef: z.string(),
  state: z.enum(["accepted", "submitted", "paid_out", "refunded"]),
  remoteStatus: z.string().nullable(),
  remittanceId: z.string().nullable(),
  fee: z.string().nullable(),
  refundReason: z.string().nullable(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
const payoutBody = z.object({
  remittanceId: z.string(),
  status: z.literal("paid"),
  payoutRef: z.string(),
  accountId: z.string(),
  amount: z.string(),
  currency: z.string(),
});
const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const showAccount = (a: Account) => ({ ...a, balance: a.balance.toString() });
const showTransfer = (t: Transfer) => t;

export interface WalletRouteDeps {
  config: WalletConfig;
  secrets: WalletSecrets;
  faults: FaultSwitch;
  sender?: RemittanceSender;
  logger: Logger;
}

export function walletRoutes(deps: WalletRouteDeps) {
  const { config, secrets, faults } = deps;
  const currency = config.currency;
  return (app: HttpApp, kit: ServiceKit): void => {
    const payoutsTotal = new Counter({
      name: "ledgerlink_wallet_payouts_total",
      help: "Payout requests by outcome (paid, unknown_recipient, compliance_hit, replay)",
      labelNames: ["outcome"],
      registers: [kit.metrics.registry],
    });
    const eventsTotal = new Counter({
      name: "ledgerlink_wallet_operator_events_total",
      help: "Verified operator webhooks by outcome (applied, noop, duplicate, conflict)",
      labelNames: ["outcome"],
      registers: [kit.metrics.registry],
    });

    app.post(
      "/accounts",
      {
        schema: {
          description: "Opens a user account; `ref` is the recipient reference payouts are addressed to.",
          body: z.strictObject({ ref, name: z.string().min(1).max(200).optional() }),
          response: { 201: accountBody },
        },
      },
      async (request, reply) => {
        const account = await kit.store.tx(async (q) => {
          if ((await getUserAccountByRef(q, request.body.ref)) !== undefined)
            throw new AccountExistsError(request.body.ref);
          return createUserAccount(q, { ref: request.body.ref, name: request.body.name ?? null, currency });
        });
        return reply.status(201).send(showAccount(account));
      },
    );

    app.get(
      "/accounts/:id",
      { schema: { params: z.object({ id: z.string().min(1).max(100) }), response: { 200: accountBody } } },
      async (request) => {
        const account = await kit.store.read((q) => getAccount(q, request.params.id));
        if (account === undefined) throw new UnknownAccountError(request.params.id);
        return showAccount(account);
      },
    );

    app.post(
      "/accounts/:id/deposits",
      {
        schema: {
          description: "Funds a user account from outside the wallet (tests and demo).",
          params: z.object({ id: z.string().min(1).max(100) }),
          headers: z.object({ "idempotency-key": idempotencyKey }),
          body: z.strictObject({ amount, reference: z.string().max(100).optional() }),
          response: { 201: z.object({ journalId: z.string(), account: accountBody }) },
        },
      },
      async (request, reply) => {
        const { tenant } = principalOf(request);
        const key = {
          tenant,
          key: request.headers["idempotency-key"],
          hash: requestHash({ route: "deposit", account: request.params.id, body: request.body }),
        };
        const answer = await kit.idempotency.run(key, async (q) => {
          const account = await getAccount(q, request.params.id);
          if (account === undefined || account.kind !== "user") throw new UnknownAccountError(request.params.id);
          const value = BigInt(request.body.amount);
          const journalId = await postJournal(q, {
            kind: "deposit",
            ref: `${tenant}/${key.key}`,
            lines: [debit(SYSTEM_ACCOUNTS.cash, value), credit(account.id, value)],
          });
          return { status: 201, body: { journalId, account: showAccount((await getAccount(q, account.id))!) } };
        });
        return reply.status(answer.status as 201).send(answer.body as never);
      },
    );

    app.post(
      "/payouts",
      {
        schema: {
          description:
            "Credits a remittance to its recipient, once per remittance id. Refusals (422): unknown_recipient, compliance_hit, currency_mismatch; the same remittance always gets its first answer.",
          headers: z.object({ "idempotency-key": idempotencyKey.optional() }),
          body: z.strictObject({
            remittanceId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
            recipientRef: ref,
            amount,
            currency: z
              .string()
              .regex(/^[A-Z]{3}$/)
              .optional(),
            compliance: complianceData.optional(),
          }),
          response: { 200: payoutBody, 201: payoutBody, 422: errorBody },
        },
      },
      async (request, reply) => {
        const header = request.headers["idempotency-key"];
        if (header !== undefined && header !== request.body.remittanceId) throw new IdempotencyKeyMismatchError();
        const fault = faults.take();
        await faults.before(fault, kit.shutdownSignal);
        const answer = await kit.store.tx((q) =>
          payOut(q, request.body, {
            currency,
            blockedNames: config.compliance.blockedNames,
            blockedRecipients: config.compliance.blockedRecipients,
          }),
        );
        const outcome =
          answer.status < 300 ? "paid" : ((answer.body as { error: { code: string } }).error.code ?? "refused");
        payoutsTotal.inc({ outcome });
        request.log.info({ remittance: request.body.remittanceId, outcome }, "payout answered");
        if (fault?.mode === "after_commit")
          throw new ServiceError(503, "unavailable", "payout answer lost (injected fault)");
        return reply.status(answer.status as 201).send(answer.body as never);
      },
    );

    app.post(
      "/transfers",
      {
        schema: {
          description:
            "Sends money abroad: debits the account into in-transit, stores the intent and answers 202; the transfer is then handed to the operator relayer (retried until it answers).",
          headers: z.object({ "idempotency-key": idempotencyKey }),
          body: z.strictObject({
            accountId: z.string().min(1).max(100),
            amount,
            receivingOperator: z.string().min(1).max(66),
            recipientRef: ref,
            compliance: complianceData.optional(),
            quoteId: z.string().min(1).max(128).optional(),
          }),
          response: { 202: transferBody },
        },
      },
      async (request, reply) => {
        const { tenant } = principalOf(request);
        const key = {
          tenant,
          key: request.headers["idempotency-key"],
          hash: requestHash({ route: "transfer", body: request.body }),
        };
        const answer = await kit.idempotency.run(key, async (q) => ({
          status: 202,
          body: showTransfer(await acceptTransfer(q, request.body, currency)),
        }));
        deps.sender?.notify();
        return reply.status(202).send(answer.body as Transfer);
      },
    );

    app.get(
      "/transfers/:id",
      { schema: { params: z.object({ id: z.string().min(1).max(100) }), response: { 200: transferBody } } },
      async (request) => {
        const transfer = await kit.store.read((q) => getTransfer(q, request.params.id));
        if (transfer === undefined) throw new UnknownTransferError(request.params.id);
        return showTransfer(transfer);
      },
    );

    // The webhook route parses its own body: the signature covers the raw bytes, not re-serialized JSON.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => done(null, body));
      scope.post(
        "/webhooks/operator",
        {
          config: { auth: false },
          schema: {
            security: [],
            description: "Status changes from the operator relayer, signed in the Standard Webhooks scheme.",
            response: { 200: z.object({ received: z.literal(true), outcome: z.string() }) },
          },
        },
        async (request) => {
          if (secrets.webhookSecrets.length === 0) {
            throw new ServiceError(503, "webhooks_disabled", "no webhook secret is configured");
          }
          const raw = typeof request.body === "string" ? request.body : "";
          let verified;
          try {
            verified = verifyWebhook(request.headers, raw, secrets.webhookSecrets, {
              toleranceSeconds: config.webhooks.toleranceSeconds,
            });
          } catch (error) {
            if (error instanceof WebhookVerificationError) throw new WebhookRefusedError(error.code, error.message);
            throw error;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            throw new MalformedJsonError();
          }
          const event = operatorEventSchema.safeParse(parsed);
          if (!event.success) {
            const issues = event.error.issues.map((i) => ({
              in: "body",
              path: `/${i.path.join("/")}`,
              message: i.message,
            }));
            throw new InvalidRequestError(
              `invalid event: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
              issues,
            );
          }
          const outcome = await kit.store.tx((q) => applyOperatorEvent(q, verified.id, event.data, request.log));
          eventsTotal.inc({ outcome });
          request.log.info(
            { webhook: verified.id, remittance: event.data.data.id, status: event.data.data.status, outcome },
            "operator event",
          );
          return { received: true as const, outcome };
        },
      );
    });

    app.get(
      "/reconciliation",
      {
        schema: {
          description: "Wallet totals, ledger invariants and, when configured, the on-chain ledger balance compared.",
        },
      },
      async () => reconcile(kit.store, currency, config.chain),
    );

    const guard = adminGuard(secrets.adminKey);
    const faultSetting = z.strictObject({
      mode: z.enum(["none", "unavailable", "timeout", "after_commit"]),
      count: z.number().int().min(0).max(1000).default(1),
      delayMs: z.number().int().min(0).max(120_000).default(30_000),
    });
    app.post(
      "/admin/faults",
      {
        config: { auth: false },
        preHandler: guard,
        schema: {
          security: [],
          description: "Arms the payout fault switch for the next `count` payouts (admin key in x-admin-key).",
          body: faultSetting,
          response: { 200: faultSetting },
        },
      },
      async (request) => {
        faults.set(request.body);
        deps.logger.warn({ faults: request.body }, "payout fault switch set");
        return faults.current();
      },
    );
    app.get(
      "/admin/faults",
      { config: { auth: false }, preHandler: guard, schema: { security: [], response: { 200: faultSetting } } },
      async () => faults.current(),
    );
    app.post(
      "/admin/settlement",
      {
        config: { auth: false },
        preHandler: guard,
        schema: {
          security: [],
          description:
            "Records a move of the operator's on-chain ledger position (deposit into or withdrawal from the settlement contract) in the settlement mirror.",
          headers: z.object({ "idempotency-key": idempotencyKey }),
          body: z.strictObject({
            direction: z.enum(["deposit", "withdraw"]),
            amount,
            reference: z.string().max(200).optional(),
          }),
          response: { 201: z.object({ journalId: z.string(), settlementMirror: z.string() }) },
        },
      },
      async (request, reply) => {
        const key = {
          tenant: "admin",
          key: request.headers["idempotency-key"],
          hash: requestHash({ route: "settlement", body: request.body }),
        };
        const answer = await kit.idempotency.run(key, async (q) => {
          const value = BigInt(request.body.amount);
          const lines =
            request.body.direction === "deposit"
              ? [debit(SYSTEM_ACCOUNTS.settlement, value), credit(SYSTEM_ACCOUNTS.cash, value)]
              : [debit(SYSTEM_ACCOUNTS.cash, value), credit(SYSTEM_ACCOUNTS.settlement, value)];
          const journalId = await postJournal(q, { kind: `settlement_${request.body.direction}`, ref: key.key, lines });
          const mirror = await getAccount(q, SYSTEM_ACCOUNTS.settlement);
          return { status: 201, body: { journalId, settlementMirror: mirror!.balance.toString() } };
        });
        return reply.status(201).send(answer.body as never);
      },
    );

    app.get(
      "/payouts/:remittanceId",
      { schema: { params: z.object({ remittanceId: z.string().min(1).max(128) }) } },
      async (request) => {
        const row = await kit.store.read((q) =>
          q.get<{ status: number; response: string }>(
            "SELECT status, response FROM wallet_payouts WHERE remittance_id = ?",
            [request.params.remittanceId],
          ),
        );
        if (row === undefined) throw new NotFoundError(`no payout for remittance ${request.params.remittanceId}`);
        return { status: Number(row.status), answer: JSON.parse(row.response) as unknown };
      },
    );
  };
}
