import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { signWebhook } from "../../../client/webhooks.js";
import { createApiKey } from "../../../relayer/core/kit/api-keys.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { walletConfigSchema, type WalletConfig, type WalletSecrets } from "../../../relayer/wallet/config.js";
import { checkLedger } from "../../../relayer/wallet/ledger.js";
import { createWalletService, type WalletService } from "../../../relayer/wallet/service.js";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "../helpers/recording-server.js";

export const ADMIN_KEY = randomBytes(24).toString("hex");
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

export interface Answer {
  status: number;
  body: unknown;
}

/** One HTTP call with a bounded wait; the body is parsed when it is JSON. */
export async function call(
  url: string,
  method: string,
  route: string,
  init: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  const payload = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${url}${route}`, {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

export const codeOf = (answer: Answer) => (answer.body as { error?: { code?: string } }).error?.code;

/** Asserts the ledger invariants: every journal and the ledger sum to zero, balances match postings. */
export async function expectLedgerBalanced(store: Store): Promise<void> {
  const check = await store.read((q) => checkLedger(q));
  expect(check.problems).to.deep.equal([]);
  expect(check.balanced).to.equal(true);
  expect(check.accountsInStep).to.equal(true);
}

/** Everything a refused request must leave untouched. */
export function snapshot(store: Store): Promise<unknown> {
  return store.read(async (q) => ({
    accounts: await q.all("SELECT id, balance FROM wallet_accounts ORDER BY id"),
    journals: await q.all("SELECT id FROM wallet_journals ORDER BY id"),
    postings: await q.get("SELECT COUNT(*) AS n FROM wallet_postings"),
    transfers: await q.all("SELECT id, state, remote_status, attempts FROM wallet_transfers ORDER BY id"),
    payouts: await q.all("SELECT remittance_id, outcome FROM wallet_payouts ORDER BY remittance_id"),
    events: await q.all("SELECT id, outcome FROM wallet_webhook_events ORDER BY id"),
    idempotency: await q.all("SELECT tenant, idem_key, state FROM kit_idempotency ORDER BY tenant, idem_key"),
  }));
}

export function walletConfig(dir: string, overrides: Partial<Record<keyof WalletConfig, unknown>> = {}): WalletConfig {
  return walletConfigSchema.parse({
    name: "hk-wallet",
    currency: "HKD",
    http: { port: 0, bodyLimit: 16 * 1024 },
    store: { path: path.join(dir, "wallet.sqlite") },
    logLevel: "silent",
    compliance: { blockedNames: ["Sanctioned Person"], blockedRecipients: ["frozen-1"] },
    ...overrides,
  });
}

export interface RunningWallet {
  service: WalletService;
  url: string;
  /** The wallet's own app (creates accounts, deposits, sends abroad). */
  appKey: string;
  /** The operator relayer's key (payouts). */
  operatorKey: string;
}

/** Starts a wallet in process on `dir`'s database; keys are issued on first start only. */
export async function startWallet(
  config: WalletConfig,
  secrets: Partial<WalletSecrets> = {},
  keys?: { appKey: string; operatorKey: string },
): Promise<RunningWallet> {
  const service = await createWalletService({
    config,
    secrets: { adminKey: ADMIN_KEY, webhookSecrets: [], ...secrets },
  });
  const url = await service.listen({ host: "127.0.0.1", port: 0 });
  const issued = keys ?? {
    appKey: (await createApiKey(service.store, "hk-app")).key,
    operatorKey: (await createApiKey(service.store, "hk-operator")).key,
  };
  return { service, url, ...issued };
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Opens an account and funds it; returns its id. */
export async function fundedAccount(wallet: RunningWallet, ref: string, amount: string): Promise<string> {
  const opened = await call(wallet.url, "POST", "/accounts", { key: wallet.appKey, body: { ref, name: ref } });
  expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
  const id = (opened.body as { id: string }).id;
  if (amount !== "0") {
    const deposit = await call(wallet.url, "POST", `/accounts/${id}/deposits`, {
      key: wallet.appKey,
      body: { amount },
      headers: { "idempotency-key": `fund-${ref}` },
    });
    expect(deposit.status, JSON.stringify(deposit.body)).to.equal(201);
  }
  return id;
}

export async function balanceOf(wallet: { url: string; appKey: string }, accountId: string): Promise<bigint> {
  const answer = await call(wallet.url, "GET", `/accounts/${accountId}`, { key: wallet.appKey });
  expect(answer.status).to.equal(200);
  return BigInt((answer.body as { balance: string }).balance);
}

/** Posts an operator event to the wallet, signed like the relayer would sign it. */
export async function postEvent(
  url: string,
  secret: string,
  params: { id: string; data: Record<string, unknown>; timestamp?: number; contentType?: string },
): Promise<Answer> {
  const body = JSON.stringify({
    type: "remittance.status_changed",
    timestamp: new Date().toISOString(),
    data: params.data,
  });
  const headers = signWebhook({
    id: params.id,
    timestamp: params.timestamp ?? Math.floor(Date.now() / 1000),
    body,
    secrets: secret,
  });
  const contentType = { "content-type": params.contentType ?? "application/json" };
  return call(url, "POST", "/webhooks/operator", { raw: body, headers: { ...headers, ...contentType } });
}

/**
 * A stand-in for the operator relayer's documented `POST /remittances`, as a small real HTTP server:
 * bearer key required, Idempotency-Key required, the same key with the same body answers the same
 * remittance, another body 422. `mode` switches it between answering, being down, hanging and refusing.
 */
export interface OperatorStandIn {
  server: RecordingServer;
  url: string;
  mode: "ok" | "down" | "hang" | "refuse";
  /** Remittances created, by idempotency key. */
  remittances: Map<string, { id: string; body: string }>;
  /** Requests to POST /remittances, in arrival order. */
  posts(): RecordedRequest[];
  /** Called on each POST before answering (e.g. to look at the wallet's database at that moment). */
  onRequest?: (request: RecordedRequest) => Promise<void> | void;
  /** Releases hanging requests (they then get a 503). */
  release(): void;
  close(): Promise<void>;
}

export async function startOperatorStandIn(apiKey: string): Promise<OperatorStandIn> {
  const server = await startRecordingServer();
  let releases: (() => void)[] = [];
  let counter = 0;
  const standIn: OperatorStandIn = {
    server,
    url: server.url,
    mode: "ok",
    remittances: new Map(),
    posts: () => server.requests.filter((r) => r.method === "POST" && r.path === "/remittances"),
    release() {
      const pending = releases;
      releases = [];
      pending.forEach((fn) => fn());
    },
    close: () => {
      standIn.release();
      return server.close();
    },
  };
  server.responder = async (request) => {
    await standIn.onRequest?.(request);
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return { status: 401, body: { error: { code: "unauthorized", message: "invalid API key" } } };
    }
    if (standIn.mode === "down") return { status: 503, body: { error: { code: "unavailable", message: "down" } } };
    if (standIn.mode === "hang") {
      await new Promise<void>((resolve) => releases.push(resolve));
      return { status: 503, body: { error: { code: "unavailable", message: "released" } } };
    }
    if (standIn.mode === "refuse") {
      return { status: 422, body: { error: { code: "unknown_receiving_operator", message: "no such operator" } } };
    }
    const key = request.headers["idempotency-key"];
    if (typeof key !== "string") return { status: 400, body: { error: { code: "invalid_request", message: "key" } } };
    const known = standIn.remittances.get(key);
    if (known !== undefined) {
      if (known.body !== request.body) {
        return { status: 422, body: { error: { code: "idempotency_key_reused", message: "other body" } } };
      }
      return { status: 201, body: { id: known.id, status: "pending" } };
    }
    const id = `rem_${++counter}`;
    standIn.remittances.set(key, { id, body: request.body });
    return { status: 201, body: { id, status: "pending" } };
  };
  return standIn;
}
