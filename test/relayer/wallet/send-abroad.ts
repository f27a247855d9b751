import { expect } from "chai";
import path from "node:path";

import pino from "pino";

import { signWebhook } from "../../../client/webhooks.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { WebhookDeliveryWorker } from "../../../relayer/core/webhooks/delivery-worker.js";
import { enqueue } from "../../../relayer/core/webhooks/outbox.js";
import { WEBHOOKS_COMPONENT, webhookMigrations } from "../../../relayer/core/webhooks/schema.js";
import type { WalletConfig } from "../../../relayer/wallet/config.js";
import { waitFor } from "../helpers/recording-server.js";
import {
  balanceOf,
  call,
  codeOf,
  expectLedgerBalanced,
  fundedAccount,
  newWebhookSecret,
  postEvent,
  snapshot,
  startOperatorStandIn,
  startWallet,
  tempDir,
  walletConfig,
  type OperatorStandIn,
  type RunningWallet,
} from "./helpers.js";

const RELAYER_KEY = "llk_relayer_key_that_the_stand_in_expects";

interface TransferView {
  id: string;
  state: string;
  remoteStatus: string | null;
  remittanceId: string | null;
  refundReason: string | null;
}

function senderConfig(dir: string, operatorUrl: string): WalletConfig {
  return walletConfig(dir, {
    operator: { url: operatorUrl, timeoutMs: 1_000, retry: { initialMs: 40, factor: 2, maxMs: 200 }, pollMs: 20 },
  });
}

describe("Wallet ledger: sending abroad and the operator's webhooks", function () {
  this.timeout(60_000);
  let temp: { dir: string; remove(): Promise<void> };
  let operator: OperatorStandIn;
  let wallet: RunningWallet;
  let secret: string;
  let alice: string;

  beforeEach(async function () {
    temp = await tempDir("ll-wallet-send-");
    operator = await startOperatorStandIn(RELAYER_KEY);
    secret = newWebhookSecret();
    wallet = await startWallet(senderConfig(temp.dir, operator.url), {
      operatorApiKey: RELAYER_KEY,
      webhookSecrets: [secret],
    });
    alice = await fundedAccount(wallet, "alice", "10000");
  });

  afterEach(async function () {
    await expectLedgerBalanced(wallet.service.store).finally(() => wallet.service.stop("test over"));
    await operator.close();
    await temp.remove();
  });

  async function send(amount: string, key: string) {
    const answer = await call(wallet.url, "POST", "/transfers", {
      key: wallet.appKey,
      body: {
        accountId: alice,
        amount,
        receivingOperator: "ph-wallet",
        recipientRef: "maria",
        compliance: { purpose: "family" },
      },
      headers: { "idempotency-key": key },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return answer.body as TransferView;
  }

  const transfer = async (id: string) =>
    (await call(wallet.url, "GET", `/transfers/${id}`, { key: wallet.appKey })).body as TransferView;

  const waitState = (id: string, state: string) =>
    waitFor(async () => (await transfer(id)).state === state, `transfer ${id} ${state}`);

  const inTransit = async () =>
    (await wallet.service.store.read((q) =>
      q.get<{ balance: string }>("SELECT balance FROM wallet_accounts WHERE id = 'sys:in_transit'"),
    ))!.balance;

  it("debits the user and stores the transfer before calling the relayer, once, with a key derived from the transfer id", async function () {
    const seenInStore: unknown[] = [];
    operator.onRequest = async (request) => {
      const key = String(request.headers["idempotency-key"]);
      seenInStore.push(
        await wallet.service.store.read((q) =>
          q.get("SELECT state FROM wallet_transfers WHERE idempotency_key = ?", [key]),
        ),
      );
    };
    const accepted = await send("2500", "send-1");
    expect(accepted.state).to.equal("accepted");
    await waitState(accepted.id, "submitted");

    expect(seenInStore).to.deep.equal([{ state: "accepted" }]);
    const posts = operator.posts();
    expect(posts).to.have.length(1);
    expect(posts[0]!.headers["idempotency-key"]).to.equal(`wallet-transfer-${accepted.id}`);
    expect(JSON.parse(posts[0]!.body)).to.deep.equal({
      amount: "2500",
      receivingOperator: "ph-wallet",
      recipientRef: "maria",
      compliance: { purpose: "family" },
    });
    expect(await transfer(accepted.id)).to.include({ remittanceId: "rem_1", remoteStatus: "pending" });
    expect(await balanceOf(wallet, alice)).to.equal(7500n);
    expect(await inTransit()).to.equal("-2500");
  });

  it("answers a repeated POST /transfers with the same transfer, debiting once", async function () {
    const first = await send("100", "send-same");
    const second = await send("100", "send-same");
    expect(second.id).to.equal(first.id);
    await waitState(first.id, "submitted");
    expect(await balanceOf(wallet, alice)).to.equal(9900n);
    expect(operator.remittances.size).to.equal(1);
  });

  it("refuses a transfer beyond the balance (422 insufficient_funds) and changes nothing", async function () {
    const before = await snapshot(wallet.service.store);
    const answer = await call(wallet.url, "POST", "/transfers", {
      key: wallet.appKey,
      body: { accountId: alice, amount: "10001", receivingOperator: "ph-wallet", recipientRef: "maria" },
      headers: { "idempotency-key": "too-much" },
    });
    expect(answer.status).to.equal(422);
    expect(codeOf(answer)).to.equal("insufficient_funds");
    expect(await snapshot(wallet.service.store)).to.deep.equal(before);
    expect(operator.posts()).to.have.length(0);
  });

  it("retries 5xx answers and timeouts with the same key and body until the relayer takes it", async function () {
    let calls = 0;
    operator.mode = "down";
    operator.onRequest = () => {
      calls += 1;
      if (calls === 2) operator.mode = "hang"; // the third call times out on the wallet's side
      if (calls === 3) operator.mode = "ok";
    };
    const accepted = await send("300", "send-retry");
    await waitFor(() => calls >= 2, "the second call");
    await waitFor(() => calls >= 3, "a call after the timeout", 15_000);
    operator.release();
    await waitState(accepted.id, "submitted");
    const posts = operator.posts();
    expect(new Set(posts.map((p) => p.headers["idempotency-key"]))).to.have.property("size", 1);
    expect(new Set(posts.map((p) => p.body))).to.have.property("size", 1);
    expect(operator.remittances.size).to.equal(1);
    expect(await balanceOf(wallet, alice)).to.equal(9700n);
  });

  it("refunds the user at once, with the relayer's code, when the relayer refuses (4xx)", async function () {
    operator.mode = "refuse";
    const accepted = await send("400", "send-refused");
    await waitState(accepted.id, "refunded");
    expect(await transfer(accepted.id)).to.include({ refundReason: "unknown_receiving_operator" });
    expect(await balanceOf(wallet, alice)).to.equal(10000n);
    expect(await inTransit()).to.equal("0");
    expect(operator.posts()).to.have.length(1);
  });

  describe("operator webhooks", function () {
    async function submitted(amount: string, key: string): Promise<TransferView> {
      const accepted = await send(amount, key);
      await waitState(accepted.id, "submitted");
      return transfer(accepted.id);
    }

    it("settles in-transit on paid_out, once, whatever repeats, charging the fee the relayer reported", async function () {
      const t = await submitted("1000", "send-paid");
      const reconciliation = async () =>
        (await call(wallet.url, "GET", "/reconciliation", { key: wallet.appKey })).body as {
          reconciled: boolean;
          totals: Record<string, string>;
        };
      const initiated = await postEvent(wallet.url, secret, {
        id: "msg_a",
        data: { id: t.remittanceId, status: "initiated", fee: "25" },
      });
      expect(initiated.body).to.deep.equal({ received: true, outcome: "applied" });
      expect((await reconciliation()).totals).to.include({ inTransit: "1000", inTransitOnChain: "1025" });
      const events = [
        ["msg_b", "paid_out", "applied"],
        ["msg_b", "paid_out", "duplicate"],
        ["msg_c", "paid_out", "noop"],
        ["msg_d", "initiated", "noop"],
      ] as const;
      for (const [id, status, outcome] of events) {
        const answer = await postEvent(wallet.url, secret, { id, data: { id: t.remittanceId, status } });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
        expect(answer.body).to.deep.equal({ received: true, outcome });
      }
      expect(await transfer(t.id)).to.include({ state: "paid_out", remoteStatus: "paid_out", fee: "25" });
      expect(await balanceOf(wallet, alice)).to.equal(9000n);
      expect(await inTransit()).to.equal("0");
      const report = await reconciliation();
      expect(report.reconciled).to.equal(true);
      expect(report.totals).to.include({
        paidOut: "1000",
        inTransit: "0",
        inTransitOnChain: "0",
        feesCharged: "25",
        settlementMirror: "-1025",
      });
      const metrics = (await call(wallet.url, "GET", "/metrics")).body as string;
      expect(metrics).to.match(/^ledgerlink_wallet_operator_events_total\{[^}]*outcome="duplicate"[^}]*\} 1$/m);
      expect(metrics).to.match(/^ledgerlink_wallet_remittance_calls_total\{[^}]*outcome="accepted"[^}]*\} 1$/m);
    });

    it("refunds the user exactly once on rejected or expired, and reports a later contradicting paid_out", async function () {
      const rejected = await submitted("600", "send-rejected");
      const expired = await submitted("700", "send-expired");
      expect(await balanceOf(wallet, alice)).to.equal(8700n);

      const outcomes: string[] = [];
      for (const [id, remittance, status] of [
        ["msg_r1", rejected.remittanceId, "rejected"],
        ["msg_r1", rejected.remittanceId, "rejected"],
        ["msg_r2", rejected.remittanceId, "rejected"],
        ["msg_e1", expired.remittanceId, "expired"],
        ["msg_e2", expired.remittanceId, "rejected"],
      ] as const) {
        const answer = await postEvent(wallet.url, secret, { id, data: { id: remittance, status, reasonCode: 3 } });
        outcomes.push((answer.body as { outcome: string }).outcome);
      }
      expect(outcomes).to.deep.equal(["applied", "duplicate", "noop", "applied", "noop"]);
      expect(await balanceOf(wallet, alice)).to.equal(10000n);
      expect(await transfer(rejected.id)).to.include({ state: "refunded", refundReason: "3" });
      expect(await transfer(expired.id)).to.include({ state: "refunded" });

      const conflict = await postEvent(wallet.url, secret, {
        id: "msg_x",
        data: { id: rejected.remittanceId, status: "paid_out" },
      });
      expect((conflict.body as { outcome: string }).outcome).to.equal("conflict");
      expect(await balanceOf(wallet, alice)).to.equal(10000n);
      const report = (await call(wallet.url, "GET", "/reconciliation", { key: wallet.appKey })).body as {
        reconciled: boolean;
        counts: { conflicts: number };
      };
      expect(report.reconciled).to.equal(false);
      expect(report.counts.conflicts).to.equal(1);
    });

    it("refuses unsigned, tampered, stale and wrongly-signed webhooks, recording nothing", async function () {
      const t = await submitted("100", "send-forged");
      const before = await snapshot(wallet.service.store);
      const body = JSON.stringify({
        type: "remittance.status_changed",
        data: { id: t.remittanceId, status: "rejected" },
      });
      const unsigned = await call(wallet.url, "POST", "/webhooks/operator", { raw: body });
      expect(unsigned.status).to.equal(401);
      expect(codeOf(unsigned)).to.equal("webhook_missing_header");
      const signed = signWebhook({ id: "msg_t", timestamp: Math.floor(Date.now() / 1000), body, secrets: secret });
      const tampered = await call(wallet.url, "POST", "/webhooks/operator", {
        raw: body.replace("rejected", "paid_out"),
        headers: signed,
      });
      expect(tampered.status).to.equal(401);
      expect(codeOf(tampered)).to.equal("webhook_bad_signature");
      const wrong = await postEvent(wallet.url, newWebhookSecret(), {
        id: "msg_w",
        data: { id: t.remittanceId, status: "rejected" },
      });
      expect(codeOf(wrong)).to.equal("webhook_bad_signature");
      const stale = await postEvent(wallet.url, secret, {
        id: "msg_s",
        data: { id: t.remittanceId, status: "rejected" },
        timestamp: Math.floor(Date.now() / 1000) - 3_600,
      });
      expect(stale.status).to.equal(401);
      expect(codeOf(stale)).to.equal("webhook_timestamp_too_old");
      const future = await postEvent(wallet.url, secret, {
        id: "msg_f",
        data: { id: t.remittanceId, status: "rejected" },
        timestamp: Math.floor(Date.now() / 1000) + 3_600,
      });
      expect(codeOf(future)).to.equal("webhook_timestamp_too_new");
      const badStatus = await postEvent(wallet.url, secret, {
        id: "msg_bad",
        data: { id: t.remittanceId, status: "lost" },
      });
      expect(badStatus.status).to.equal(400);
      expect(codeOf(badStatus)).to.equal("invalid_request");
      expect(await snapshot(wallet.service.store)).to.deep.equal(before);
    });

    it("accepts the old and the new secret during a rotation", async function () {
      const next = newWebhookSecret();
      await wallet.service.stop("rotate");
      wallet = await startWallet(
        senderConfig(temp.dir, operator.url),
        { operatorApiKey: RELAYER_KEY, webhookSecrets: [secret, next] },
        { appKey: wallet.appKey, operatorKey: wallet.operatorKey },
      );
      const t = await submitted("50", "send-rotate");
      expect(
        (await postEvent(wallet.url, secret, { id: "msg_old", data: { id: t.remittanceId, status: "initiated" } }))
          .status,
      ).to.equal(200);
      expect(
        (
          await postEvent(wallet.url, next, {
            id: "msg_new",
            data: { id: t.remittanceId, status: "paid_out" },
            contentType: "application/json; charset=utf-8",
          })
        ).status,
      ).to.equal(200);
      expect(await transfer(t.id)).to.include({ state: "paid_out" });
    });

    it("refuses an event for an unknown remittance without recording it, and links one that overtakes the relayer's answer by its key", async function () {
      const unknown = await postEvent(wallet.url, secret, { id: "msg_u", data: { id: "rem_999", status: "paid_out" } });
      expect(unknown.status).to.equal(409);
      expect(codeOf(unknown)).to.equal("unknown_remittance");

      operator.mode = "hang";
      const accepted = await send("800", "send-overtaken");
      await waitFor(() => operator.posts().length === 1, "the relayer call");
      const early = await postEvent(wallet.url, secret, {
        id: "msg_early",
        data: { id: "rem_early", status: "rejected", idempotencyKey: `wallet-transfer-${accepted.id}` },
      });
      expect((early.body as { outcome: string }).outcome).to.equal("applied");
      expect(await transfer(accepted.id)).to.include({ state: "refunded", remittanceId: "rem_early" });
      operator.release();
      expect(await balanceOf(wallet, alice)).to.equal(10000n);
    });

    it("takes events from the platform's own outbox and delivery worker, retried until linked", async function () {
      // The relayer side of the wire, as the operator relayer will run it: an outbox on its own store.
      const relayerStore = await SqliteStore.open(path.join(temp.dir, "relayer.sqlite"));
      await relayerStore.migrate(WEBHOOKS_COMPONENT, webhookMigrations);
      const delivery = new WebhookDeliveryWorker({
        store: relayerStore,
        logger: pino({ level: "silent" }),
        resolveEndpoint: () => ({ url: `${wallet.url}/webhooks/operator`, secrets: [secret] }),
        schedule: [0, 50, 50, 50, 50, 50, 50, 50, 50, 50],
        pollMs: 20,
      }).start();
      try {
        operator.mode = "down";
        const accepted = await send("250", "send-outbox");
        const ids = await relayerStore.tx(async (q) => [
          (
            await enqueue(q, {
              endpoint: "hk",
              eventType: "remittance.status_changed",
              payload: { id: "rem_1", status: "initiated" },
            })
          ).id,
          (
            await enqueue(q, {
              endpoint: "hk",
              eventType: "remittance.status_changed",
              payload: { id: "rem_1", status: "paid_out" },
            })
          ).id,
        ]);
        // Unknown to the wallet until the relayer's answer arrives: the outbox keeps retrying.
        await waitFor(
          async () => ((await delivery.outbox.attempts(ids[0]!)).length ?? 0) >= 2,
          "retries of the first event",
        );
        operator.mode = "ok";
        await waitFor(
          async () => (await delivery.outbox.message(ids[1]!))?.state === "delivered",
          "both events delivered",
        );
        expect(await transfer(accepted.id)).to.include({ state: "paid_out", remittanceId: "rem_1" });
        expect(await balanceOf(wallet, alice)).to.equal(9750n);
      } finally {
        await delivery.stop();
        await relayerStore.close();
      }
    });
  });
});
