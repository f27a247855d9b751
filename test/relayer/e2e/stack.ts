import type { Deployment } from "../../../client/deployment.js";
import { MID_RATE, SPREAD_BPS } from "../../../fixtures/corridor.js";
import {
  startStack as launchStack,
  type ServiceName as AnyServiceName,
  type Stack as LaunchedStack,
} from "../../../fixtures/stack.js";
import type { RemittanceNode } from "../helpers/remittance-node.js";
import { ADMIN_KEY } from "../wallet/helpers.js";

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
