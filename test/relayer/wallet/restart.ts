import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { createApiKey, API_KEYS_COMPONENT, apiKeyMigrations } from "../../../relayer/core/kit/api-keys.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { waitFor } from "../helpers/recording-server.js";
import {
  ADMIN_KEY,
  balanceOf,
  call,
  expectLedgerBalanced,
  newWebhookSecret,
  startOperatorStandIn,
  tempDir,
  type OperatorStandIn,
} from "./helpers.js";

const RELAYER_KEY = "llk_relayer_key_for_the_restart_tests";

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** Runs relayer/wallet/main.ts as its own Node process, the way an operator runs it. */
async function spawnWallet(configFile: string, webhookSecret: string): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", "relayer/wallet/main.ts", "--config", configFile], {
    env: {
      PATH: process.env.PATH,
      WALLET_ADMIN_KEY: ADMIN_KEY,
      WALLET_OPERATOR_API_KEY: RELAYER_KEY,
      WALLET_WEBHOOK_SECRETS: webhookSecret,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let seen = "";
  child.stderr!.on("data", (chunk: Buffer) => (seen += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let started = false;
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`wallet exited with ${code}:\n${seen}`));
    };
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      reject(new Error(`wallet did not start in 30 s:\n${seen}`));
    }, 30_000);
    child.once("exit", onExit);
    // Keeps draining stdout for the life of the process; only the first address line starts the test.
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = started ? null : /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(seen);
      if (match) {
        started = true;
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(match[1]!);
      }
    });
  });
  return { process: child, url, output: () => seen };
}

function kill(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
    child.process.once("exit", () => resolve());
    child.process.kill("SIGKILL");
  });
}

describe("Wallet ledger as a process: configuration errors", function () {
  this.timeout(60_000);

  it("exits 1 naming the bad key and the bad variable, never quoting a secret", async function () {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "relayer/wallet/main.ts", "--config", "relayer/wallet/hk-wallet.example.json"],
          { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "ignore", "pipe"] },
        );
        let stderr = "";
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("exit", (code) => resolve({ code, stderr }));
      });
    const badPort = await run({ WALLET_HTTP__PORT: "eighty" });
    expect(badPort.code).to.equal(1);
    expect(badPort.stderr).to.include("http.port").and.to.include("environment WALLET_HTTP__PORT");
    const badSecret = await run({ WALLET_WEBHOOK_SECRETS: "whsec_not-a-real-secret-value!" });
    expect(badSecret.code).to.equal(1);
    expect(badSecret.stderr).to.include("WALLET_WEBHOOK_SECRETS").and.not.to.include("not-a-real-secret-value");
  });
});

describe("Wallet ledger as a process: killed with SIGKILL and restarted", function () {
  this.timeout(90_000);
  let temp: { dir: string; remove(): Promise<void> };
  let operator: OperatorStandIn;
  let reader: SqliteStore;
  let configFile: string;
  let keys: { app: string };
  let children: Child[];
  const secret = newWebhookSecret();

  beforeEach(async function () {
    temp = await tempDir("ll-wallet-kill-");
    operator = await startOperatorStandIn(RELAYER_KEY);
    const dbPath = path.join(temp.dir, "wallet.sqlite");
    configFile = path.join(temp.dir, "wallet.json");
    await writeFile(
      configFile,
      JSON.stringify({
        name: "hk-wallet",
        currency: "HKD",
        http: { host: "127.0.0.1", port: 0 },
        store: { path: dbPath },
        logLevel: "info",
        operator: { url: operator.url, timeoutMs: 2_000, retry: { initialMs: 50, factor: 2, maxMs: 200 }, pollMs: 20 },
      }),
    );
    // Keys are issued into the database before the first start, as `main.ts --issue-key` would.
    reader = await SqliteStore.open(dbPath);
    await reader.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    keys = { app: (await createApiKey(reader, "hk-app")).key };
    children = [];
  });

  afterEach(async function () {
    for (const child of children) await kill(child);
    await reader.close();
    await operator.close();
    await temp.remove();
  });

  async function start(): Promise<Child> {
    const child = await spawnWallet(configFile, secret);
    children.push(child);
    return child;
  }

  async function openFunded(url: string): Promise<string> {
    const opened = await call(url, "POST", "/accounts", { key: keys.app, body: { ref: "alice" } });
    const id = (opened.body as { id: string }).id;
    await call(url, "POST", `/accounts/${id}/deposits`, {
      key: keys.app,
      body: { amount: "10000" },
      headers: { "idempotency-key": "fund-alice" },
    });
    return id;
  }

  async function sendAbroad(url: string, accountId: string): Promise<string> {
    const answer = await call(url, "POST", "/transfers", {
      key: keys.app,
      body: { accountId, amount: "3000", receivingOperator: "ph-wallet", recipientRef: "maria" },
      headers: { "idempotency-key": "send-1" },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return (answer.body as { id: string }).id;
  }

  const stateOf = async (url: string, id: string) =>
    ((await call(url, "GET", `/transfers/${id}`, { key: keys.app })).body as { state: string; remittanceId: string })
      .state;

  it("resumes a send killed while the relayer held the call, without a second remittance", async function () {
    const stored: unknown[] = [];
    operator.mode = "hang";
    operator.onRequest = async (request) => {
      stored.push(
        await reader.read((q) =>
          q.get("SELECT state, amount FROM wallet_transfers WHERE idempotency_key = ?", [
            String(request.headers["idempotency-key"]),
          ]),
        ),
      );
    };
    const first = await start();
    const alice = await openFunded(first.url);
    const transfer = await sendAbroad(first.url, alice);
    await waitFor(() => operator.posts().length === 1, "the relayer call");
    // The relayer has the request (and, being idempotent, will keep it); the wallet dies before the answer.
    await kill(first);
    operator.mode = "ok";
    operator.release();

    const second = await start();
    await waitFor(async () => (await stateOf(second.url, transfer)) === "submitted", "the resumed send");
    expect(stored[0]).to.deep.equal({ state: "accepted", amount: "3000" });
    const posts = operator.posts();
    expect(posts.length).to.be.at.least(2);
    expect(new Set(posts.map((p) => p.headers["idempotency-key"]))).to.deep.equal(
      new Set([`wallet-transfer-${transfer}`]),
    );
    expect(new Set(posts.map((p) => p.body)).size).to.equal(1);
    expect(operator.remittances.size).to.equal(1);
    expect(await balanceOf({ url: second.url, appKey: keys.app }, alice)).to.equal(7000n);
    await expectLedgerBalanced(reader);
    // Both processes logged their config and every request: no secret among the lines.
    const logs = first.output() + second.output();
    expect(logs).to.include('"msg":"starting"');
    for (const secretValue of [ADMIN_KEY, RELAYER_KEY, secret.slice(6), keys.app])
      expect(logs).not.to.include(secretValue);
  });

  it("sends after a restart a transfer accepted while the relayer was down, once", async function () {
    operator.mode = "down";
    const first = await start();
    const alice = await openFunded(first.url);
    const transfer = await sendAbroad(first.url, alice);
    await waitFor(() => operator.posts().length >= 1, "a refused call");
    await kill(first);
    expect(
      await reader.read((q) => q.get("SELECT state FROM wallet_transfers WHERE id = ?", [transfer])),
    ).to.deep.equal({
      state: "accepted",
    });
    operator.mode = "ok";

    const second = await start();
    await waitFor(async () => (await stateOf(second.url, transfer)) === "submitted", "the resumed send");
    expect(operator.remittances.size).to.equal(1);
    // A repeated POST /transfers after the restart is the same transfer, not a second debit.
    const again = await sendAbroad(second.url, alice);
    expect(again).to.equal(transfer);
    expect(await balanceOf({ url: second.url, appKey: keys.app }, alice)).to.equal(7000n);
    await expectLedgerBalanced(reader);
  });
});
