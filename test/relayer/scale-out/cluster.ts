import { expect } from "chai";
import { createConnection, createServer, type Socket } from "node:net";
import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { MID_RATE, SPREAD_BPS } from "../../../fixtures/corridor.js";
import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../../../relayer/core/kit/api-keys.js";
import { openStore, type StoreConfig } from "../../../relayer/core/store/open-store.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { newPostgresDatabase, type PostgresDatabase } from "../helpers/postgres.js";
import type { RemittanceNode } from "../helpers/remittance-node.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";
import { ADMIN_KEY, newWebhookSecret } from "../wallet/helpers.js";
export { freePort } from "../../../fixtures/stack.js";
import { freePort } from "../../../fixtures/stack.js";

export async function issueKey(config: StoreConfig, tenant: string): Promise<string> {
  const store = await openStore(config);
  try {
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    return (await createApiKey(store, tenant)).key;
  } finally {
    await store.close();
  }
}

/**
 * A TCP load balancer over instances of one service: each connection goes to the next instance in turn,
 * or to the one after when that one refuses (it was killed), as a load balancer's health check would.
 */
export async function startBalancer(ports: readonly number[]): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    const first = next++;
    const attempt = (i: number) => {
      if (i >= ports.length) return void client.destroy();
      const upstream = createConnection({ host: "127.0.0.1", port: ports[(first + i) % ports.length]! });
      let connected = false;
      upstream.once("connect", () => {
        connected = true;
        sockets.add(upstream);
        upstream.on("close", () => {
          sockets.delete(upstream);
          client.destroy();
        });
        client.on("close", () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on("error", () => {
        if (!connected) attempt(i + 1);
        else upstream.destroy();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One process of a service, as started (and killed) by the test. */
export interface Instance {
  name: string;
  url: string;
  process: ServiceProcess | undefined;
  start(): Promise<void>;
  kill(): Promise<void>;
}

export function serviceInstance(name: string, script: string, port: number, env: NodeJS.ProcessEnv): Instance {
  const self: Instance = {
    name,
    url: `http://127.0.0.1:${port}`,
    process: undefined,
    async start() {
      self.process = spawnService(script, env);
      await self.process.waitForLog((l) => l.msg === "listening", 60_000);
    },
    async kill() {
      const child = self.process;
      self.process = undefined;
      await child?.kill();
      // LL_SCALE_LOGS=<dir> keeps each process's log lines for a post-mortem.
      const dump = process.env.LL_SCALE_LOGS;
      if (dump !== undefined && child !== undefined) {
        await appendFile(path.join(dump, `${name}.log`), child.logs.map((l) => JSON.stringify(l)).join("\n") + "\n");
      }
    },
  };
  return self;
}

/**
 * The remittance flow with each operator relayer run as two instances on one PostgreSQL database (one
 * per operator), sharing its hot key: the bank's quote service and the PH wallet ledger (one process
 * each, SQLite), HK relayers `hk-a` and `hk-b`, PH relayers `ph-a` and `ph-b`. The test plays the HK
 * wallet: it posts remittances to either HK instance, as a load balancer would.
 */
export interface OperatorCluster {
  hk: [Instance, Instance];
  ph: [Instance, Instance];
  quotes: Instance;
  phWallet: Instance;
  keys: { hkClient: string; phApp: string };
  hkDb: PostgresDatabase;
  phDb: PostgresDatabase;
  /** A store on the HK (or PH) relayers' database, for the test's own checks. */
  openHk(): Promise<Store>;
  openPh(): Promise<Store>;
  close(): Promise<void>;
}

export async function startOperatorCluster(options: {
  dir: string;
  node: RemittanceNode;
  leaseMs: number;
  /** Starts both instances of each relayer at the same moment (default); else one after the other. */
  together?: boolean;
  /** Where the HK relayers send their status webhooks (the HK wallet's endpoint, played by the test). */
  webhookUrl?: string;
}): Promise<OperatorCluster> {
  const { dir, node } = options;
  const rpcUrl = node.anvil.url;
  const settlement = node.world.addresses.remittance!;
  const hkDb = await newPostgresDatabase("hkop");
  const phDb = await newPostgresDatabase("phop");
  const hkStore: StoreConfig = { url: hkDb.url, poolSize: 6 };
  const phStore: StoreConfig = { url: phDb.url, poolSize: 6 };
  const quotesStore: StoreConfig = { path: path.join(dir, "quotes.sqlite") };
  const phWalletStore: StoreConfig = { path: path.join(dir, "ph-wallet.sqlite") };
  const names = ["quotes", "phWallet", "hkA", "hkB", "phA", "phB"] as const;
  const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()]))) as Record<
    (typeof names)[number],
    number
  >;
  const url = (n: (typeof names)[number]) => `http://127.0.0.1:${ports[n]}`;
  // The HK relayers hand recipient details over to whichever PH instance is alive.
  const phBalancer = await startBalancer([ports.phA, ports.phB]);

  const quotesKey = await issueKey(quotesStore, "hk-wallet");
  const hkClient = await issueKey(hkStore, "hk-wallet");
  const peerKey = await issueKey(phStore, "hk-wallet");
  const phWalletForOperator = await issueKey(phWalletStore, "ph-operator");
  const phApp = await issueKey(phWalletStore, "ph-app");

  const ratesFile = path.join(dir, "rates.json");
  await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": MID_RATE } }));
  const chain = { rpcUrls: [rpcUrl], chainId: 31337, settlement, timeoutMs: 2_000, pollIntervalMs: 100 };
  const write = async (file: string, config: object) => {
    const at = path.join(dir, file);
    await writeFile(at, JSON.stringify(config));
    return at;
  };
  const quotesFile = await write("quotes.json", {
    name: "bank-quotes",
    http: { port: ports.quotes, rateLimit: { max: 100_000, windowMs: 60_000 } },
    store: quotesStore,
    chain: { rpcUrl, chainId: 31337, settlement, timeoutMs: 2_000 },
    providerTenant: "settlement-bank",
    rates: { file: ratesFile },
    corridors: [{ id: "HKD-PHP", spreadBps: Number(SPREAD_BPS) }],
    quoteValiditySeconds: 60,
    sweepIntervalMs: 500,
  });
  const phWalletFile = await write("ph-wallet.json", {
    name: "ph-wallet",
    currency: "PHP",
    http: { port: ports.phWallet, rateLimit: { max: 100_000, windowMs: 60_000 } },
    store: phWalletStore,
    chain: {
      rpcUrl,
      chainId: 31337,
      settlement,
      tenantId: "ph-wallet",
      token: node.world.addresses.php,
    },
  });
  const leases = (name: string) => ({ instance: name, ttlMs: options.leaseMs });
  const hkConfig = (name: "hk-a" | "hk-b", port: number) => ({
    name: "hk-operator",
    tenant: "hk-wallet",
    http: { port, rateLimit: { max: 100_000, windowMs: 60_000 } },
    store: hkStore,
    chain,
    quotes: { url: url("quotes"), corridors: { "ph-wallet": "HKD-PHP" } },
    peers: { "ph-wallet": { url: phBalancer.url } },
    worker: { pollMs: 100, maxBatch: 20 },
    leases: leases(name),
    ...(options.webhookUrl === undefined
      ? {}
      : { webhooks: { url: options.webhookUrl, scheduleMs: [0, 200, 500, 1000, 2000, 2000, 2000, 2000] } }),
  });
  const phConfig = (name: "ph-a" | "ph-b", port: number) => ({
    name: "ph-operator",
    tenant: "ph-wallet",
    http: { port, rateLimit: { max: 100_000, windowMs: 60_000 } },
    store: phStore,
    chain,
    wallet: { url: url("phWallet"), timeoutMs: 2_000, retry: { initialMs: 200, factor: 2, maxMs: 1_000 } },
    worker: { pollMs: 100, maxBatch: 20 },
    leases: leases(name),
  });
  const hkEnv = (file: string): NodeJS.ProcessEnv => ({
    OPERATOR_CONFIG_FILE: file,
    OPERATOR_SIGNER_KEY: node.keys.hkWallet,
    OPERATOR_QUOTES_API_KEY: quotesKey,
    OPERATOR_PEER_API_KEYS: JSON.stringify({ "ph-wallet": peerKey }),
    OPERATOR_WEBHOOK_SECRETS: newWebhookSecret(),
  });
  const phEnv = (file: string): NodeJS.ProcessEnv => ({
    OPERATOR_CONFIG_FILE: file,
    OPERATOR_SIGNER_KEY: node.keys.phWallet,
    OPERATOR_WALLET_API_KEY: phWalletForOperator,
  });
  const operator = "relayer/operator/main.ts";
  const quotes = serviceInstance("quotes", "relayer/quotes/main.ts", ports.quotes, {
    QUOTES_CONFIG_FILE: quotesFile,
    QUOTES_SIGNER_KEY: node.keys.bank,
  });
  const phWallet = serviceInstance("ph-wallet", "relayer/wallet/main.ts", ports.phWallet, {
    WALLET_CONFIG_FILE: phWalletFile,
    WALLET_ADMIN_KEY: ADMIN_KEY,
  });
  const hk: [Instance, Instance] = [
    serviceInstance("hk-a", operator, ports.hkA, hkEnv(await write("hk-a.json", hkConfig("hk-a", ports.hkA)))),
    serviceInstance("hk-b", operator, ports.hkB, hkEnv(await write("hk-b.json", hkConfig("hk-b", ports.hkB)))),
  ];
  const ph: [Instance, Instance] = [
    serviceInstance("ph-a", operator, ports.phA, phEnv(await write("ph-a.json", phConfig("ph-a", ports.phA)))),
    serviceInstance("ph-b", operator, ports.phB, phEnv(await write("ph-b.json", phConfig("ph-b", ports.phB)))),
  ];
  const all = [quotes, phWallet, ...ph, ...hk];
  const cluster: OperatorCluster = {
    hk,
    ph,
    quotes,
    phWallet,
    keys: { hkClient, phApp },
    hkDb,
    phDb,
    openHk: () => openStore(hkStore),
    openPh: () => openStore(phStore),
    async close() {
      await Promise.all(all.map((i) => i.kill()));
      await phBalancer.close();
      await hkDb.drop().catch(() => undefined);
      await phDb.drop().catch(() => undefined);
    },
  };
  try {
    await Promise.all([quotes.start(), phWallet.start()]);
    if (options.together === false) {
      for (const i of [...ph, ...hk]) await i.start();
    } else {
      // Both instances of each relayer at once: on an empty database they migrate, take leases and start
      // claiming work at the same moment.
      await Promise.all([...ph, ...hk].map((i) => i.start()));
    }
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

/**
 * What every run must leave, for one relayer's key on its database: no nonce ever held by two requests,
 * the key's confirmed nonces contiguous up to the chain's count, nothing reverted (a second send of a
 * batch or a refund would revert on chain: its quote or remittance is used), nothing left in flight.
 */
export async function expectOneSenderPerKey(store: Store, signer: string, chainNonce: number): Promise<void> {
  const shared = await store.read((q) =>
    q.all<{ nonce: number }>(
      `SELECT nonce FROM tx_attempts WHERE signer = ? GROUP BY nonce HAVING COUNT(DISTINCT request_id) > 1`,
      [signer],
    ),
  );
  expect(shared, "nonces held by two requests").to.deep.equal([]);
  const statuses = await store.read((q) =>
    q.all<{ status: string; n: number }>(
      "SELECT status, COUNT(*) AS n FROM tx_requests WHERE signer = ? AND nonce IS NOT NULL GROUP BY status",
      [signer],
    ),
  );
  expect(statuses.map((s) => s.status)).to.deep.equal(["confirmed"]);
  const nonces = (
    await store.read((q) =>
      q.all<{ nonce: number }>(
        "SELECT nonce FROM tx_requests WHERE signer = ? AND status = 'confirmed' ORDER BY nonce",
        [signer],
      ),
    )
  ).map((r) => Number(r.nonce));
  expect(nonces.length).to.be.greaterThan(0);
  const first = nonces[0]!;
  expect(nonces, "contiguous").to.deep.equal(nonces.map((_, i) => first + i));
  expect(nonces.at(-1)! + 1, "the chain's count is one above the last").to.equal(chainNonce);
}
