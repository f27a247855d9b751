import { expect } from "chai";

import {
  ADMIN_KEY,
  balanceOf,
  call,
  codeOf,
  expectLedgerBalanced,
  fundedAccount,
  snapshot,
  startWallet,
  tempDir,
  walletConfig,
  type RunningWallet,
} from "./helpers.js";

describe("Wallet ledger: accounts, deposits and payouts", function () {
  this.timeout(60_000);
  let temp: { dir: string; remove(): Promise<void> };
  let wallet: RunningWallet;

  beforeEach(async function () {
    temp = await tempDir("ll-wallet-payouts-");
    wallet = await startWallet(walletConfig(temp.dir));
  });

  afterEach(async function () {
    // The double-entry invariant after every test, whatever it did.
    if (wallet.service.store !== undefined) {
      await expectLedgerBalanced(wallet.service.store).finally(() => wallet.service.stop("test over"));
    }
    await temp.remove();
  });

  const payout = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(wallet.url, "POST", "/payouts", { key: wallet.operatorKey, body, headers });

  describe("accounts and deposits", function () {
    it("opens an account with a zero balance and funds it once per Idempotency-Key", async function () {
      const id = await fundedAccount(wallet, "alice", "0");
      expect(await balanceOf(wallet, id)).to.equal(0n);
      for (let i = 0; i < 2; i++) {
        const deposit = await call(wallet.url, "POST", `/accounts/${id}/deposits`, {
          key: wallet.appKey,
          body: { amount: "1500" },
          headers: { "idempotency-key": "dep-1" },
        });
        expect(deposit.status).to.equal(201);
      }
      expect(await balanceOf(wallet, id)).to.equal(1500n);
    });

    it("refuses a second account with the same ref (409 account_exists)", async function () {
      await fundedAccount(wallet, "alice", "0");
      const again = await call(wallet.url, "POST", "/accounts", { key: wallet.appKey, body: { ref: "alice" } });
      expect(again.status).to.equal(409);
      expect(codeOf(again)).to.equal("account_exists");
    });
  });

  describe("POST /payouts", function () {
    it("credits the recipient and the settlement mirror, and answers with a payout reference", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      const answer = await payout(
        { remittanceId: "0xr1", recipientRef: "alice", amount: "2500" },
        { "idempotency-key": "0xr1" },
      );
      expect(answer.status).to.equal(201);
      expect(answer.body).to.include({
        remittanceId: "0xr1",
        status: "paid",
        accountId: alice,
        amount: "2500",
        currency: "HKD",
      });
      expect(await balanceOf(wallet, alice)).to.equal(2500n);
      const report = await call(wallet.url, "GET", "/reconciliation", { key: wallet.appKey });
      expect((report.body as { totals: { settlementMirror: string } }).totals.settlementMirror).to.equal("2500");
    });

    it("credits once under concurrent duplicates, every caller getting the same answer", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => payout({ remittanceId: "0xdup", recipientRef: "alice", amount: "700" })),
      );
      const refs = new Set(answers.map((a) => (a.body as { payoutRef: string }).payoutRef));
      expect(answers.map((a) => a.status)).to.deep.equal(Array(12).fill(201));
      expect(refs.size).to.equal(1);
      expect(await balanceOf(wallet, alice)).to.equal(700n);
      const journals = await wallet.service.store.read((q) =>
        q.all("SELECT id FROM wallet_journals WHERE kind = 'payout' AND ref = '0xdup'"),
      );
      expect(journals).to.have.length(1);
    });

    it("credits once across a restart of the service on the same database", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      const first = await payout({ remittanceId: "0xrestart", recipientRef: "alice", amount: "900" });
      await wallet.service.stop("restart");
      wallet = await startWallet(
        walletConfig(temp.dir),
        {},
        { appKey: wallet.appKey, operatorKey: wallet.operatorKey },
      );
      const second = await payout({ remittanceId: "0xrestart", recipientRef: "alice", amount: "900" });
      expect(second).to.deep.equal(first);
      expect(await balanceOf(wallet, alice)).to.equal(900n);
    });

    it("refuses an unknown recipient with unknown_recipient and changes no balance, the same way every time", async function () {
      await fundedAccount(wallet, "alice", "100");
      const before = await wallet.service.store.read((q) =>
        q.all("SELECT id, balance FROM wallet_accounts ORDER BY id"),
      );
      for (let i = 0; i < 2; i++) {
        const answer = await payout({ remittanceId: "0xnobody", recipientRef: "nobody", amount: "100" });
        expect(answer.status).to.equal(422);
        expect(codeOf(answer)).to.equal("unknown_recipient");
      }
      const after = await wallet.service.store.read((q) =>
        q.all("SELECT id, balance FROM wallet_accounts ORDER BY id"),
      );
      expect(after).to.deep.equal(before);
    });

    it("refuses a compliance hit (screened name or blocked recipient) with compliance_hit and changes no balance", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      await fundedAccount(wallet, "frozen-1", "0");
      const byName = await payout({
        remittanceId: "0xsanction",
        recipientRef: "alice",
        amount: "100",
        compliance: { sender: { name: "sanctioned person", country: "HK" } },
      });
      const byRecipient = await payout({ remittanceId: "0xfrozen", recipientRef: "frozen-1", amount: "100" });
      for (const answer of [byName, byRecipient]) {
        expect(answer.status).to.equal(422);
        expect(codeOf(answer)).to.equal("compliance_hit");
        expect(JSON.stringify(answer.body)).not.to.include("anctioned");
      }
      expect(await balanceOf(wallet, alice)).to.equal(0n);
      const mirror = await wallet.service.store.read((q) =>
        q.get<{ balance: string }>("SELECT balance FROM wallet_accounts WHERE id = 'sys:settlement'"),
      );
      expect(mirror!.balance).to.equal("0");
    });

    it("refuses the same remittance id with another body (422 idempotency_key_reused) and a mismatched header (400)", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      await payout({ remittanceId: "0xr2", recipientRef: "alice", amount: "100" });
      const other = await payout({ remittanceId: "0xr2", recipientRef: "alice", amount: "101" });
      expect(other.status).to.equal(422);
      expect(codeOf(other)).to.equal("idempotency_key_reused");
      const mismatch = await payout(
        { remittanceId: "0xr3", recipientRef: "alice", amount: "5" },
        { "idempotency-key": "0xr4" },
      );
      expect(mismatch.status).to.equal(400);
      expect(codeOf(mismatch)).to.equal("idempotency_key_mismatch");
      expect(await balanceOf(wallet, alice)).to.equal(100n);
    });
  });

  describe("the fault switch", function () {
    const arm = (body: unknown, key = ADMIN_KEY) =>
      call(wallet.url, "POST", "/admin/faults", { body, headers: { "x-admin-key": key } });

    it("needs the admin key; a tenant API key does not open it", async function () {
      expect(codeOf(await arm({ mode: "unavailable", count: 1 }, "wrong-admin-key"))).to.equal("unauthorized");
      const withApiKey = await call(wallet.url, "POST", "/admin/faults", {
        key: wallet.operatorKey,
        body: { mode: "unavailable", count: 1 },
      });
      expect(withApiKey.status).to.equal(401);
      expect(
        (await call(wallet.url, "GET", "/admin/faults", { headers: { "x-admin-key": ADMIN_KEY } })).body,
      ).to.include({
        mode: "none",
      });
    });

    it("answers 503 for the next N payouts without crediting, then pays once", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      expect((await arm({ mode: "unavailable", count: 2 })).status).to.equal(200);
      const body = { remittanceId: "0xfault", recipientRef: "alice", amount: "300" };
      const answers = [await payout(body), await payout(body), await payout(body)];
      expect(answers.map((a) => a.status)).to.deep.equal([503, 503, 201]);
      expect(codeOf(answers[0]!)).to.equal("unavailable");
      expect(await balanceOf(wallet, alice)).to.equal(300n);
    });

    it("times out a payout (the caller gives up first) without crediting", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      await arm({ mode: "timeout", count: 1, delayMs: 3_000 });
      let timedOut = false;
      try {
        await fetch(`${wallet.url}/payouts`, {
          method: "POST",
          headers: { authorization: `Bearer ${wallet.operatorKey}`, "content-type": "application/json" },
          body: JSON.stringify({ remittanceId: "0xslow", recipientRef: "alice", amount: "10" }),
          signal: AbortSignal.timeout(300),
        });
      } catch (error) {
        timedOut = (error as Error).name === "TimeoutError";
      }
      expect(timedOut).to.equal(true);
      expect(await balanceOf(wallet, alice)).to.equal(0n);
      const retry = await payout({ remittanceId: "0xslow", recipientRef: "alice", amount: "10" });
      expect(retry.status).to.equal(201);
      expect(await balanceOf(wallet, alice)).to.equal(10n);
    });

    it("loses the answer after crediting (after_commit); the retry gets the stored answer and credits nothing more", async function () {
      const alice = await fundedAccount(wallet, "alice", "0");
      await arm({ mode: "after_commit", count: 1 });
      const body = { remittanceId: "0xlost", recipientRef: "alice", amount: "40" };
      expect((await payout(body)).status).to.equal(503);
      expect(await balanceOf(wallet, alice)).to.equal(40n);
      expect((await payout(body)).status).to.equal(201);
      expect(await balanceOf(wallet, alice)).to.equal(40n);
    });
  });

  describe("bad HTTP input", function () {
    it("answers each with a stable 4xx code and changes nothing", async function () {
      const alice = await fundedAccount(wallet, "alice", "1000");
      const before = await snapshot(wallet.service.store);
      const cases: [Promise<{ status: number; body: unknown }>, number, string][] = [
        [call(wallet.url, "POST", "/payouts", { key: wallet.operatorKey, raw: "{not json" }), 400, "malformed_json"],
        [payout({ remittanceId: "0xa", recipientRef: "alice", amount: 5 }), 400, "invalid_request"],
        [payout({ remittanceId: "0xa", recipientRef: "alice", amount: "-5" }), 400, "invalid_request"],
        [payout({ remittanceId: "0xa", recipientRef: "alice", amount: "1.5" }), 400, "invalid_request"],
        [payout({ remittanceId: "0xa", recipientRef: "alice" }), 400, "invalid_request"],
        [payout({ remittanceId: "0xa", recipientRef: "alice", amount: "5", extra: 1 }), 400, "invalid_request"],
        [
          call(wallet.url, "POST", "/payouts", { body: { remittanceId: "0xa", recipientRef: "alice", amount: "5" } }),
          401,
          "unauthorized",
        ],
        [
          call(wallet.url, "POST", "/payouts", {
            key: "llk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            body: { remittanceId: "0xa", recipientRef: "alice", amount: "5" },
          }),
          401,
          "unauthorized",
        ],
        [
          call(wallet.url, "POST", "/payouts", {
            key: wallet.operatorKey,
            raw: JSON.stringify({ pad: "x".repeat(20_000) }),
          }),
          413,
          "body_too_large",
        ],
        [
          call(wallet.url, "POST", `/accounts/${alice}/deposits`, { key: wallet.appKey, body: { amount: "5" } }),
          400,
          "invalid_request",
        ],
        [
          call(wallet.url, "POST", "/accounts/acc_nope/deposits", {
            key: wallet.appKey,
            body: { amount: "5" },
            headers: { "idempotency-key": "dep-x" },
          }),
          404,
          "unknown_account",
        ],
        [call(wallet.url, "GET", "/accounts/acc_nope", { key: wallet.appKey }), 404, "unknown_account"],
        [
          call(wallet.url, "POST", "/accounts", { key: wallet.appKey, body: { ref: "has space" } }),
          400,
          "invalid_request",
        ],
        [
          call(wallet.url, "POST", "/admin/settlement", {
            body: { direction: "deposit", amount: "5" },
            headers: { "idempotency-key": "s1" },
          }),
          401,
          "unauthorized",
        ],
      ];
      for (const [pending, status, code] of cases) {
        const answer = await pending;
        expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
        expect(codeOf(answer)).to.equal(code);
      }
      expect(await snapshot(wallet.service.store)).to.deep.equal(before);
    });
  });
});
