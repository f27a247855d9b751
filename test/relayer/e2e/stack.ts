import { createServer } from "node:net";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../../../relayer/core/kit/api-keys.js";
import { openStore, type StoreConfig } from "../../../relayer/core/store/open-store.js";
import { MID_RATE, SPREAD_BPS } from "../../../fixtures/corridor.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";
import type { RemittanceNode } from "../helpers/remittance-node.js";
import { ADMIN_KEY, call, newWebhookSecret } from "../wallet/helpers.js";

/** A free loopback port (taken and released; the services bind it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function issueKey(config: StoreConfig, tenant: string): Promise<string> {
  const store = await openStore(config);
  try {
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    return (await createApiKey(store, tenant)).key;
  } finally {
    await store.close();
  }
}

export type ServiceName = "quotes" | "hkOperator" | "phOperator" | "hkWallet" | "phWallet";

/**
 * The five services of the remittance flow as separate processes, on fixed ports chosen up front (the
 * HK wallet and the HK relayer point at each other): the bank's quote service, the HK and PH operator
 * relayers, the HK and PH wallet ledgers. Each can be killed and started again on the same database.
 */
export interface Stack {
  urls: Record<ServiceName, string>;
  processes: Partial<Record<ServiceName, ServiceProcess>>;
  /** The wallets' own apps' keys, and the key the HK relayer's client (its wallet) holds. */
  keys: {
    hkApp: string;
    phApp: string;
    hkOperatorClient: string;
    /** Keys of another tenant (ph-wallet) on the HK relayer and on the quote service. */
    foreignOperatorClient: string;
    foreignQuotes: string;
    /** The HK relayer's own key at the quote service. */
    quotes: string;
  };
  storePaths: Record<ServiceName, string>;
  start(name: ServiceName): Promise<void>;
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
  /**
   * Services that run on PostgreSQL instead of their SQLite file: the database URL, handed to the process
   * as `<PREFIX>_STORE__URL` (its config file then has no store section).
   */
  postgres?: Partial<Record<ServiceName, string>>;
}

const ENV_PREFIX: Record<ServiceName, string> = {
  quotes: "QUOTES",
  hkOperator: "OPERATOR",
  phOperator: "OPERATOR",
  hkWallet: "WALLET",
  phWallet: "WALLET",
};

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dir, node } = options;
  const rpcUrl = options.rpcUrl ?? node.anvil.url;
  const names: ServiceName[] = ["quotes", "phWallet", "phOperator", "hkOperator", "hkWallet"];
  const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()]))) as Record<
    ServiceName,
    number
  >;
  const urls = Object.fromEntries(names.map((n) => [n, `http://127.0.0.1:${ports[n]}`])) as Record<ServiceName, string>;
  const storePaths = Object.fromEntries(names.map((n) => [n, path.join(dir, `${n}.sqlite`)])) as Record<
    ServiceName,
    string
  >;
  const settlement = node.world.addresses.remittance!;
  const hookSecret = newWebhookSecret();
  const pgUrl = (n: ServiceName) => options.postgres?.[n];
  const storeOf = (n: ServiceName): StoreConfig => {
    const url = pgUrl(n);
    return url === undefined ? { path: storePaths[n] } : { url, poolSize: 4 };
  };
  /** The config file's store section: none for a PostgreSQL service, whose URL comes from the environment. */
  const storeSection = (n: ServiceName) => (pgUrl(n) === undefined ? { store: { path: storePaths[n] } } : {});

  const quotesKey = await issueKey(storeOf("quotes"), "hk-wallet");
  const hkOperatorClient = await issueKey(storeOf("hkOperator"), "hk-wallet");
  const peerKey = await issueKey(storeOf("phOperator"), "hk-wallet");
  const phWalletForOperator = await issueKey(storeOf("phWallet"), "ph-operator");
  const phApp = await issueKey(storeOf("phWallet"), "ph-app");
  const hkApp = await issueKey(storeOf("hkWallet"), "hk-app");
  const foreignOperatorClient = await issueKey(storeOf("hkOperator"), "ph-wallet");
  const foreignQuotes = await issueKey(storeOf("quotes"), "ph-wallet");

  const ratesFile = path.join(dir, "rates.json");
  await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": MID_RATE } }));
  const chain = { rpcUrls: [rpcUrl], chainId: 31337, settlement, timeoutMs: 2_000, pollIntervalMs: 200 };
  const configs: Record<ServiceName, object> = {
    quotes: {
      name: "bank-quotes",
      http: { port: ports.quotes },
      ...storeSection("quotes"),
      chain: { rpcUrl, chainId: 31337, settlement, timeoutMs: 2_000 },
      providerTenant: "settlement-bank",
      rates: { file: ratesFile },
      corridors: [{ id: "HKD-PHP", spreadBps: Number(SPREAD_BPS) }],
      quoteValiditySeconds: options.quoteValiditySeconds ?? 60,
      sweepIntervalMs: 500,
    },
    hkOperator: {
      name: "hk-operator",
      tenant: "hk-wallet",
      http: { port: ports.hkOperator },
      ...storeSection("hkOperator"),
      chain,
      quotes: { url: urls.quotes, corridors: { "ph-wallet": "HKD-PHP" } },
      peers: { "ph-wallet": { url: urls.phOperator } },
      webhooks: {
        url: `${urls.hkWallet}/webhooks/operator`,
        scheduleMs: [0, 200, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000],
      },
      ...(options.sendDeadlineSeconds === undefined ? {} : { sendDeadlineSeconds: options.sendDeadlineSeconds }),
    },
    phOperator: {
      name: "ph-operator",
      tenant: "ph-wallet",
      http: { port: ports.phOperator },
      ...storeSection("phOperator"),
      chain,
      wallet: {
        url: urls.phWallet,
        timeoutMs: 2_000,
        retry: { initialMs: 200, factor: 2, maxMs: 2_000 },
        safetyMarginSeconds: options.safetyMarginSeconds ?? 5,
      },
    },
    hkWallet: {
      name: "hk-wallet",
      currency: "HKD",
      // The tests poll transfers hard; the default 600 a minute would throttle the polling, not the flow.
      http: { port: ports.hkWallet, rateLimit: { max: 100_000, windowMs: 60_000 } },
      ...storeSection("hkWallet"),
      operator: { url: urls.hkOperator, timeoutMs: 2_000, retry: { initialMs: 200, maxMs: 2_000 }, pollMs: 100 },
      chain: {
        rpcUrl: node.anvil.url,
        chainId: 31337,
        settlement,
        tenantId: "hk-wallet",
        token: node.world.addresses.hkd,
      },
    },
    phWallet: {
      name: "ph-wallet",
      currency: "PHP",
      http: { port: ports.phWallet, rateLimit: { max: 100_000, windowMs: 60_000 } },
      ...storeSection("phWallet"),
      compliance: { blockedNames: ["Sanctioned Person"] },
      chain: {
        rpcUrl: node.anvil.url,
        chainId: 31337,
        settlement,
        tenantId: "ph-wallet",
        token: node.world.addresses.php,
      },
    },
  };
  const files = {} as Record<ServiceName, string>;
  for (const n of names) {
    files[n] = path.join(dir, `${n}.json`);
    await writeFile(files[n], JSON.stringify(configs[n]));
  }
  const envs: Record<ServiceName, NodeJS.ProcessEnv> = {
    quotes: { QUOTES_CONFIG_FILE: files.quotes, QUOTES_SIGNER_KEY: node.keys.bank },
    hkOperator: {
      OPERATOR_CONFIG_FILE: files.hkOperator,
      OPERATOR_SIGNER_KEY: node.keys.hkWallet,
      OPERATOR_QUOTES_API_KEY: quotesKey,
      OPERATOR_PEER_API_KEYS: JSON.stringify({ "ph-wallet": peerKey }),
      OPERATOR_WEBHOOK_SECRETS: hookSecret,
    },
    phOperator: {
      OPERATOR_CONFIG_FILE: files.phOperator,
      OPERATOR_SIGNER_KEY: node.keys.phWallet,
      OPERATOR_WALLET_API_KEY: phWalletForOperator,
    },
    hkWallet: {
      WALLET_CONFIG_FILE: files.hkWallet,
      WALLET_ADMIN_KEY: ADMIN_KEY,
      WALLET_OPERATOR_API_KEY: hkOperatorClient,
      WALLET_WEBHOOK_SECRETS: hookSecret,
    },
    phWallet: { WALLET_CONFIG_FILE: files.phWallet, WALLET_ADMIN_KEY: ADMIN_KEY },
  };
  for (const n of names) {
    const url = pgUrl(n);
    if (url !== undefined) envs[n] = { ...envs[n], [`${ENV_PREFIX[n]}_STORE__URL`]: url };
  }
  const scripts: Record<ServiceName, string> = {
    quotes: "relayer/quotes/main.ts",
    hkOperator: "relayer/operator/main.ts",
    phOperator: "relayer/operator/main.ts",
    hkWallet: "relayer/wallet/main.ts",
    phWallet: "relayer/wallet/main.ts",
  };

  const stack: Stack = {
    urls,
    processes: {},
    keys: { hkApp, phApp, hkOperatorClient, foreignOperatorClient, foreignQuotes, quotes: quotesKey },
    storePaths,
    async start(name) {
      const child = spawnService(scripts[name], envs[name]);
      stack.processes[name] = child;
      await child.waitForLog((l) => l.msg === "listening", 30_000);
    },
    async kill(name) {
      await stack.processes[name]?.kill();
      delete stack.processes[name];
    },
    async stop(name) {
      const child = stack.processes[name];
      if (child === undefined) return null;
      child.process.kill("SIGTERM");
      const code = await child.exited;
      delete stack.processes[name];
      return code;
    },
    async close() {
      await Promise.all(names.map((n) => stack.kill(n)));
    },
  };
  try {
    for (const n of names) await stack.start(n);
    // The HK wallet's settlement mirror starts at the HK operator's funded ledger balance.
    const balance = await node.setup.remittance.balanceOf(node.world.tenants.hkWallet, node.world.addresses.hkd!);
    const mirrored = await call(urls.hkWallet, "POST", "/admin/settlement", {
      headers: { "x-admin-key": ADMIN_KEY, "idempotency-key": "initial-float" },
      body: { direction: "deposit", amount: balance.toString() },
    });
    if (mirrored.status !== 201 && mirrored.status !== 200)
      throw new Error(`settlement mirror: ${JSON.stringify(mirrored.body)}`);
  } catch (error) {
    await stack.close();
    throw error;
  }
  return stack;
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
