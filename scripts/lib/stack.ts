/**
 * The platform's services as separate processes, the one launcher behind `npm run services`, the demo,
 * the bench and the services' end-to-end tests: the bank's quote service, the HK and PH operator relayers,
 * the HK and PH wallet ledgers and the meta-transaction relayer, each a plain Node process running its
 * `relayer/<svc>/main.ts` through tsx, as in production.
 *
 * Configs, API keys and secrets are generated into the working directory (never the repo); each service's
 * SQLite database and log file live there too. `startStack` resolves once every service answers `/ready`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

import { JsonRpcProvider, encodeBytes32String } from "ethers";

import type { Deployment } from "../../client/deployment.js";
import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../../relayer/core/kit/api-keys.js";
import { SqliteStore } from "../../relayer/core/store/sqlite-store.js";
import { RemittanceSettlement__factory } from "../../typechain-types/index.js";

export type ServiceName = "quotes" | "hkOperator" | "phOperator" | "hkWallet" | "phWallet" | "metatx";

/** Every service, in the order they start (each one's peers are up before it). */
export const SERVICE_NAMES: readonly ServiceName[] = [
  "quotes",
  "phWallet",
  "phOperator",
  "hkOperator",
  "hkWallet",
  "metatx",
];

const SCRIPTS: Record<ServiceName, { script: string; configEnv: string }> = {
  quotes: { script: "relayer/quotes/main.ts", configEnv: "QUOTES_CONFIG_FILE" },
  hkOperator: { script: "relayer/operator/main.ts", configEnv: "OPERATOR_CONFIG_FILE" },
  phOperator: { script: "relayer/operator/main.ts", configEnv: "OPERATOR_CONFIG_FILE" },
  hkWallet: { script: "relayer/wallet/main.ts", configEnv: "WALLET_CONFIG_FILE" },
  phWallet: { script: "relayer/wallet/main.ts", configEnv: "WALLET_CONFIG_FILE" },
  metatx: { script: "relayer/metatx/main.ts", configEnv: "METATX_CONFIG_FILE" },
};

/** The tenants' hot keys the services sign with (members of hk-wallet, ph-wallet, settlement-bank; metatx pays gas). */
export interface HotKeys {
  hkOperator: string;
  phOperator: string;
  bank: string;
  /** Needed only when the meta-transaction relayer is started. */
  metatx?: string;
}

export interface StackOptions {
  /** The node the services talk to. */
  rpcUrl: string;
  /** The node the wallets read for reconciliation, when it differs (a test puts a proxy before the relayers). */
  walletRpcUrl?: string;
  /** Where the platform is: an Ignition deployment or an exported manifest, read with client/deployment.ts. */
  deployment: Deployment;
  /** Configs, databases, keys and logs go here (created if missing); never the repo. */
  dir: string;
  hotKeys: HotKeys;
  /** Which services to run (all six by default); started in `SERVICE_NAMES` order. */
  services?: readonly ServiceName[];
  /** Fixed ports per service; a free loopback port otherwise. */
  ports?: Partial<Record<ServiceName, number>>;
  /** The bank's mid rate (PHP per HKD) and spread. */
  rate?: string;
  spreadBps?: number;
  /** The key of the wallets' `/admin/*` routes and of the metatx relayer's budgets (random by default). */
  adminKey?: string;
  /** Deep-merged into each service's generated config (timeouts, schedules, limits). */
  config?: Partial<Record<ServiceName, Record<string, unknown>>>;
  /** Set each wallet's settlement mirror to its operator's on-chain ledger balance at start (default true). */
  mirrorSettlement?: boolean;
  /** Milliseconds each service has to answer `/ready` (60 s: several tsx starts on a loaded machine are slow). */
  readyTimeoutMs?: number;
  /** Milliseconds between SIGTERM and SIGKILL on `stop` (10 s). */
  stopGraceMs?: number;
}

/** One running (or stopped) service. `pid` changes when the service is started again. */
export interface StackService {
  name: ServiceName;
  url: string;
  port: number;
  /** The process id of the Node process running the service (its CPU time is the service's). */
  pid: number | undefined;
  /** JSON log lines (stdout and stderr), appended across restarts. */
  logFile: string;
  /** The service's SQLite database. */
  storePath: string;
  configFile: string;
  running: boolean;
}

export interface StackKeys {
  /** The wallets' own apps (their users' front ends). */
  hkApp: string;
  phApp: string;
  /** The HK wallet's key at the HK relayer. */
  hkOperatorClient: string;
  /** Keys of another tenant (ph-wallet) on the HK relayer and on the quote service, for tests of tenancy. */
  foreignOperatorClient: string;
  foreignQuotes: string;
  /** The HK relayer's key at the quote service. */
  quotes: string;
  /** The mentor's (sponsor's) key at the metatx relayer, for `POST /budgets/:tenant/top-ups`. */
  sponsor: string;
  /** `x-admin-key` of the wallets' admin routes and the metatx relayer's budgets. */
  admin: string;
}

export interface Stack {
  dir: string;
  urls: Record<ServiceName, string>;
  services: Record<ServiceName, StackService>;
  keys: StackKeys;
  /** Starts a service that is not running (again, on its database), and waits for `/ready`. */
  start(name: ServiceName): Promise<void>;
  /** SIGKILL: a crash. */
  kill(name: ServiceName): Promise<void>;
  /** SIGTERM, SIGKILL after the grace period; resolves with the exit code (null if killed). */
  stopService(name: ServiceName): Promise<number | null>;
  /**
   * Stops every running service (SIGTERM, then SIGKILL after the grace period); resolves with each one's
   * exit code (null: killed by a signal). Safe to call twice.
   */
  stop(): Promise<Partial<Record<ServiceName, number | null>>>;
  /** Pids of the services running now. */
  pids(): number[];
}

/** A free loopback port (taken and released; the service binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function issueKey(storePath: string, tenant: string): Promise<string> {
  const store = await SqliteStore.open(storePath);
  try {
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    return (await createApiKey(store, tenant, { label: "issued by the stack launcher" })).key;
  } finally {
    await store.close();
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function merge(base: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? merge(out[k], v) : v;
  }
  return out;
}

/** The last lines of a log file, for an error message. */
export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startStack(options: StackOptions): Promise<Stack> {
  const { deployment, rpcUrl } = options;
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const wanted = new Set(options.services ?? SERVICE_NAMES);
  const names = SERVICE_NAMES.filter((n) => wanted.has(n));
  const need = (key: keyof Deployment["contracts"]) => {
    const c = deployment.contracts[key];
    if (c === undefined) throw new Error(`deployment "${deployment.id}" has no ${key}`);
    return c;
  };
  const remittance = need("remittance");
  const hkd = need("HKD");
  const php = need("PHP");
  const chainId = Number(deployment.chainId);
  if (wanted.has("metatx") && options.hotKeys.metatx === undefined) {
    throw new Error("the meta-transaction relayer needs a hot key (hotKeys.metatx)");
  }

  const ports = {} as Record<ServiceName, number>;
  for (const n of SERVICE_NAMES) ports[n] = options.ports?.[n] ?? (await freePort());
  const urls = Object.fromEntries(SERVICE_NAMES.map((n) => [n, `http://127.0.0.1:${ports[n]}`])) as Record<
    ServiceName,
    string
  >;
  const file = (n: ServiceName, ext: string) => path.join(dir, `${n}.${ext}`);

  const adminKey = options.adminKey ?? randomBytes(24).toString("hex");
  const hookSecret = `whsec_${randomBytes(32).toString("base64")}`;
  const mentorId = encodeBytes32String("hk-sme-mentors").toLowerCase();
  const keys: StackKeys = {
    quotes: await issueKey(file("quotes", "sqlite"), "hk-wallet"),
    foreignQuotes: await issueKey(file("quotes", "sqlite"), "ph-wallet"),
    hkOperatorClient: await issueKey(file("hkOperator", "sqlite"), "hk-wallet"),
    foreignOperatorClient: await issueKey(file("hkOperator", "sqlite"), "ph-wallet"),
    phApp: await issueKey(file("phWallet", "sqlite"), "ph-app"),
    hkApp: await issueKey(file("hkWallet", "sqlite"), "hk-app"),
    sponsor: wanted.has("metatx") ? await issueKey(file("metatx", "sqlite"), mentorId) : "",
    admin: adminKey,
  };
  const peerKey = await issueKey(file("phOperator", "sqlite"), "hk-wallet");
  const phPayoutsKey = await issueKey(file("phWallet", "sqlite"), "ph-operator");

  const ratesFile = path.join(dir, "rates.json");
  await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": options.rate ?? "7.2450" } }, null, 2));
  const walletRpc = options.walletRpcUrl ?? rpcUrl;
  const chain = { rpcUrls: [rpcUrl], chainId, settlement: remittance.address, startBlock: remittance.blockNumber };
  const base: Record<ServiceName, Record<string, unknown>> = {
    quotes: {
      name: "bank-quotes",
      http: { port: ports.quotes },
      store: { path: file("quotes", "sqlite") },
      chain: { rpcUrl, chainId, settlement: remittance.address },
      providerTenant: "settlement-bank",
      rates: { file: ratesFile },
      corridors: [{ id: "HKD-PHP", spreadBps: options.spreadBps ?? 35 }],
    },
    hkOperator: {
      name: "hk-operator",
      tenant: "hk-wallet",
      http: { port: ports.hkOperator },
      store: { path: file("hkOperator", "sqlite") },
      chain,
      quotes: { url: urls.quotes, corridors: { "ph-wallet": "HKD-PHP" } },
      peers: { "ph-wallet": { url: urls.phOperator } },
      webhooks: { url: `${urls.hkWallet}/webhooks/operator` },
    },
    phOperator: {
      name: "ph-operator",
      tenant: "ph-wallet",
      http: { port: ports.phOperator },
      store: { path: file("phOperator", "sqlite") },
      chain,
      wallet: { url: urls.phWallet },
    },
    hkWallet: {
      name: "hk-wallet",
      currency: "HKD",
      http: { port: ports.hkWallet },
      store: { path: file("hkWallet", "sqlite") },
      operator: { url: urls.hkOperator },
      chain: { rpcUrl: walletRpc, chainId, settlement: remittance.address, tenantId: "hk-wallet", token: hkd.address },
    },
    phWallet: {
      name: "ph-wallet",
      currency: "PHP",
      http: { port: ports.phWallet },
      store: { path: file("phWallet", "sqlite") },
      chain: { rpcUrl: walletRpc, chainId, settlement: remittance.address, tenantId: "ph-wallet", token: php.address },
    },
    metatx: {
      name: "metatx",
      http: { port: ports.metatx },
      store: { path: file("metatx", "sqlite") },
      chain: {
        rpcUrls: [rpcUrl],
        chainId,
        fees: { kind: "eip1559", maxFeeCap: "100000000000", priorityFee: "1000000000" },
      },
      contracts: {
        forwarder: deployment.contracts.forwarder?.address,
        registry: deployment.contracts.registry?.address,
      },
      allow: [
        {
          target: deployment.contracts.escrow?.address,
          contract: "TokenEscrow",
          functions: ["open", "openWithPermit", "release", "releaseMilestone", "claim", "refund", "dispute"],
        },
        {
          target: remittance.address,
          contract: "RemittanceSettlement",
          functions: ["confirmPayout", "reject", "refundExpired"],
        },
        { target: deployment.contracts.registry?.address, contract: "TenantRegistry", functions: ["acceptMembership"] },
      ],
    },
  };
  const envs: Record<ServiceName, NodeJS.ProcessEnv> = {
    quotes: { QUOTES_SIGNER_KEY: options.hotKeys.bank },
    hkOperator: {
      OPERATOR_SIGNER_KEY: options.hotKeys.hkOperator,
      OPERATOR_QUOTES_API_KEY: keys.quotes,
      OPERATOR_PEER_API_KEYS: JSON.stringify({ "ph-wallet": peerKey }),
      OPERATOR_WEBHOOK_SECRETS: hookSecret,
    },
    phOperator: { OPERATOR_SIGNER_KEY: options.hotKeys.phOperator, OPERATOR_WALLET_API_KEY: phPayoutsKey },
    hkWallet: {
      WALLET_ADMIN_KEY: adminKey,
      WALLET_OPERATOR_API_KEY: keys.hkOperatorClient,
      WALLET_WEBHOOK_SECRETS: hookSecret,
    },
    phWallet: { WALLET_ADMIN_KEY: adminKey },
    metatx: { METATX_SIGNER_PRIVATE_KEY: options.hotKeys.metatx, METATX_ADMIN_KEY: adminKey },
  };

  const services = {} as Record<ServiceName, StackService>;
  for (const n of SERVICE_NAMES) {
    services[n] = {
      name: n,
      url: urls[n],
      port: ports[n],
      pid: undefined,
      logFile: file(n, "log"),
      storePath: file(n, "sqlite"),
      configFile: file(n, "json"),
      running: false,
    };
  }
  for (const n of names) {
    await writeFile(services[n].configFile, JSON.stringify(merge(base[n], options.config?.[n]), null, 2));
  }

  const children = new Map<ServiceName, { child: ChildProcess; exited: Promise<number | null> }>();
  const graceMs = options.stopGraceMs ?? 10_000;
  const readyMs = options.readyTimeoutMs ?? 60_000;

  const spawnService = (n: ServiceName) => {
    const { script, configEnv } = SCRIPTS[n];
    const log = openSync(services[n].logFile, "a");
    // Secrets travel in the environment only: the parent's variables of the same prefix are not inherited,
    // so a stray QUOTES_*/OPERATOR_*/WALLET_*/METATX_* override in the shell cannot change a generated config.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(QUOTES|OPERATOR|WALLET|METATX)_/.test(k)),
    );
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve(script)], {
      env: { ...inherited, ...envs[n], [configEnv]: services[n].configFile },
      stdio: ["ignore", log, log],
      // A process group of its own: a terminal's Ctrl-C reaches the launcher only, which stops each service
      // once with SIGTERM (a second signal would make a service exit without finishing its step).
      detached: true,
    });
    closeSync(log);
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => {
        services[n].running = false;
        resolve(code);
      });
      child.once("error", () => resolve(null));
    });
    children.set(n, { child, exited });
    services[n].pid = child.pid;
    services[n].running = true;
    return { child, exited };
  };

  const waitReady = async (n: ServiceName, exited: Promise<number | null>) => {
    let gone = false;
    void exited.then(() => (gone = true));
    const until = Date.now() + readyMs;
    let last = "no answer";
    while (Date.now() < until) {
      if (gone)
        throw new Error(
          `${n} exited while starting; its log (${services[n].logFile}):\n${tailOf(services[n].logFile)}`,
        );
      const answer = await fetch(`${urls[n]}/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      if (answer?.status === 200) return;
      if (answer !== undefined) last = `${answer.status} ${await answer.text().catch(() => "")}`;
      await sleep(200);
    }
    throw new Error(`${n} was not ready in ${readyMs} ms (last /ready: ${last}); log ${services[n].logFile}`);
  };

  const stopService = async (n: ServiceName, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> => {
    const entry = children.get(n);
    if (entry === undefined) return null;
    const { child, exited } = entry;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const force = setTimeout(() => child.kill("SIGKILL"), signal === "SIGKILL" ? 0 : graceMs);
      const code = await exited;
      clearTimeout(force);
      children.delete(n);
      return code;
    }
    children.delete(n);
    return child.exitCode;
  };

  let stopping: Promise<Partial<Record<ServiceName, number | null>>> | undefined;
  const stack: Stack = {
    dir,
    urls,
    services,
    keys,
    async start(n) {
      if (!wanted.has(n)) throw new Error(`${n} is not part of this stack`);
      if (children.has(n) && services[n].running) throw new Error(`${n} is running`);
      const { exited } = spawnService(n);
      await waitReady(n, exited);
    },
    async kill(n) {
      await stopService(n, "SIGKILL");
    },
    stopService: (n) => stopService(n, "SIGTERM"),
    stop() {
      stopping ??= (async () => {
        const running = [...children.keys()];
        const codes = await Promise.all(running.map((n) => stopService(n, "SIGTERM")));
        return Object.fromEntries(running.map((n, i) => [n, codes[i]!]));
      })();
      return stopping;
    },
    pids() {
      return [...children.values()].map((c) => c.child.pid).filter((p): p is number => p !== undefined);
    },
  };

  try {
    for (const n of names) await stack.start(n);
    if (options.mirrorSettlement !== false) {
      // The wallets mirror their operator's on-chain ledger position: each mirror starts at today's balance.
      const provider = new JsonRpcProvider(walletRpc, chainId, { staticNetwork: true });
      try {
        const settlement = RemittanceSettlement__factory.connect(remittance.address, provider);
        for (const [wallet, tenant, token] of [
          ["hkWallet", "hk-wallet", hkd.address],
          ["phWallet", "ph-wallet", php.address],
        ] as const) {
          if (!wanted.has(wallet)) continue;
          const balance = await settlement.balanceOf(encodeBytes32String(tenant), token);
          if (balance === 0n) continue;
          const answer = await fetch(`${urls[wallet]}/admin/settlement`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-admin-key": adminKey,
              "idempotency-key": "initial-position",
            },
            body: JSON.stringify({
              direction: "deposit",
              amount: balance.toString(),
              reference: "on-chain position at start",
            }),
            signal: AbortSignal.timeout(10_000),
          });
          if (answer.status !== 201 && answer.status !== 200) {
            throw new Error(
              `${wallet}: its settlement mirror could not be set (${answer.status} ${await answer.text()})`,
            );
          }
        }
      } finally {
        provider.destroy();
      }
    }
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
