import { expect } from "chai";

import type { Deployment } from "../../../client/deployment.js";
import { MID_RATE, SPREAD_BPS } from "../../../fixtures/corridor.js";
import {
  startStack as launchStack,
  type ServiceName as AnyServiceName,
  type Stack as LaunchedStack,
} from "../../../fixtures/stack.js";
import type { RemittanceNode } from "../helpers/remittance-node.js";
import { ADMIN_KEY, call } from "../wallet/helpers.js";

export type ServiceName = Exclude<AnyServiceName, "metatx">;
const NAMES: readonly ServiceName[] = ["quotes", "phWallet", "phOperator", "hkOperator", "hkWallet"];

/**
 * The five services of the remittance flow as separate processes, through the project's one launcher
 * (fixtures/stack.ts) with the tests' tighter timeouts and retry schedules: the bank's quote service,
 * the HK and PH operator relayers, the HK and PH wallet ledgers. Each can be killed and started again on
 * the same database; the wallets' admin key is the wallet helpers' ADMIN_KEY.
 */
export interface Stack {
  urls: Record<ServiceName, string>;
  keys: LaunchedStack["keys"];
  storePaths: Record<ServiceName, string>;
  launched: LaunchedStack;
  /** Starts a stopped service again and waits for its `/ready`. */
  start(name: ServiceName): Promise<void>;
  /** SIGKILL. */
  kill(name: ServiceName): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(name: ServiceName): Promise<number | null>;
  close(): Promise<void>;
}

export interface StackOptions {
  dir: string;
  node: RemittanceNode;
  /** The RPC URL the relayers use (a proxy in front of the node, say); the node's own by default. */
  rpcUrl?: string;
  sendDeadlineSeconds?: number;
  safetyMarginSeconds?: number;
  quoteValiditySeconds?: number;
  /** Services that run on PostgreSQL instead of their SQLite file: the database URL of each. */
  postgres?: Partial<Record<ServiceName, string>>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dir, node } = options;
  const a = node.world.addresses;
  const at = (address: string | undefined) => ({ address: address!, blockNumber: 0 });
  const deployment: Deployment = {
    id: "services-test",
    chainId: 31337n,
    contracts: {
      remittance: at(a.remittance),
      HKD: at(a.hkd),
      PHP: at(a.php),
      forwarder: at(a.forwarder),
      registry: at(a.registry),
      escrow: at(a.escrow),
    },
  };
  const chain = { timeoutMs: 2_000 };
  // The tests poll transfers hard; the default 600 a minute would throttle the polling, not the flow.
  const http = { rateLimit: { max: 100_000, windowMs: 60_000 } };
  const launched = await launchStack({
    rpcUrl: options.rpcUrl ?? node.anvil.url,
    walletRpcUrl: node.anvil.url,
    deployment,
    dir,
    hotKeys: { hkOperator: node.keys.hkWallet, phOperator: node.keys.phWallet, bank: node.keys.bank },
    services: NAMES,
    postgres: options.postgres,
    adminKey: ADMIN_KEY,
    rate: MID_RATE,
    spreadBps: Number(SPREAD_BPS),
    config: {
      quotes: {
        chain: { timeoutMs: 2_000 },
        quoteValiditySeconds: options.quoteValiditySeconds ?? 60,
        sweepIntervalMs: 500,
      },
      hkOperator: {
        chain,
        webhooks: { scheduleMs: [0, 200, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000] },
        ...(options.sendDeadlineSeconds === undefined ? {} : { sendDeadlineSeconds: options.sendDeadlineSeconds }),
      },
      phOperator: {
        chain,
        wallet: {
          timeoutMs: 2_000,
          retry: { initialMs: 200, factor: 2, maxMs: 2_000 },
          safetyMarginSeconds: options.safetyMarginSeconds ?? 5,
        },
      },
      hkWallet: { http, operator: { timeoutMs: 2_000, retry: { initialMs: 200, maxMs: 2_000 }, pollMs: 100 } },
      phWallet: { http, compliance: { blockedNames: ["Sanctioned Person"] } },
    },
  });
  const pick = <T>(f: (n: ServiceName) => T) =>
    Object.fromEntries(NAMES.map((n) => [n, f(n)])) as Record<ServiceName, T>;
  return {
    urls: pick((n) => launched.urls[n]),
    keys: launched.keys,
    storePaths: pick((n) => launched.services[n].storePath),
    launched,
    start: (name) => launched.start(name),
    kill: (name) => launched.kill(name),
    stop: (name) => launched.stopService(name),
    async close() {
      await launched.stop();
    },
  };
}

/** Polls until `check` holds, every 250 ms, at most `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The accounts the remittance specs send between: the HK sender `alice`, funded with `deposit`, and one PH
 * account per recipient ref (the map gives each ref's account id).
 */
export async function openAccounts(
  stack: Stack,
  deposit: bigint,
  recipients: readonly string[],
): Promise<{ alice: string; phAccounts: Map<string, string> }> {
  const opened = await call(stack.urls.hkWallet, "POST", "/accounts", {
    key: stack.keys.hkApp,
    body: { ref: "alice" },
  });
  expect(opened.status).to.equal(201);
  const alice = (opened.body as { id: string }).id;
  const funded = await call(stack.urls.hkWallet, "POST", `/accounts/${alice}/deposits`, {
    key: stack.keys.hkApp,
    body: { amount: deposit.toString() },
    headers: { "idempotency-key": "alice-fund" },
  });
  expect(funded.status).to.equal(201);
  const phAccounts = new Map<string, string>();
  for (const ref of recipients) {
    const account = await call(stack.urls.phWallet, "POST", "/accounts", { key: stack.keys.phApp, body: { ref } });
    expect(account.status).to.equal(201);
    phAccounts.set(ref, (account.body as { id: string }).id);
  }
  return { alice, phAccounts };
}

/** Waits (at most `ms` each) until both wallets report their books reconciled with the chain. */
export async function bothWalletsReconciled(stack: Stack, ms: number): Promise<void> {
  for (const wallet of [
    { url: stack.urls.hkWallet, key: stack.keys.hkApp },
    { url: stack.urls.phWallet, key: stack.keys.phApp },
  ]) {
    await eventually(
      "reconciled",
      async () => {
        const report = await call(wallet.url, "GET", "/reconciliation", { key: wallet.key });
        return (report.body as { reconciled: boolean }).reconciled ? true : undefined;
      },
      ms,
    );
  }
}
