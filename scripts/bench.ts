/**
 * Performance is measured, not asserted: the remittance flow through the real services (six processes on
 * anvil with 1 s blocks and chain id 1337), each figure set against a baseline measured in the same run:
 * - end-to-end latency from the HK wallet's request to paid out, against two dependent plain ERC-20
 *   transfers on the same blocks;
 * - sustained remittances per second through the services, against the chain's capacity (block gas limit
 *   ÷ gas per remittance ÷ block time) and against the bare contract-level flow (hot keys, no services);
 * - transaction-manager sends per second against raw signed sends;
 * - CPU time per remittance of each service.
 * The bench reports; it does not pass or fail on the machine's speed. Printed as tables and written to
 * `bench/results.json` (`BENCH_RESULTS`).
 *
 *   npm run bench                      (under five minutes; settings in scripts/bench/config.ts)
 *
 * More sections: add a function returning a `BenchSection` (rows `{ label, value, unit, ratio? }`) to
 * `EXTRA_SECTIONS` below; it runs after the others and lands in the table and the JSON like them.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import hre, { network } from "hardhat";

import { BenchConfigError, readConfig, type BenchConfig } from "./bench/config.js";
import { measureScaleOut } from "./bench/scale-out.js";
import { BlockWatcher, type Chain } from "./bench/measuring-chain.js";
import {
  machineInfo,
  ratioOf,
  renderResults,
  type BenchResults,
  type BenchRow,
  type BenchSection,
} from "./bench/results.js";
import { measureServiceLatency, type ServiceLatency } from "./bench/service-latency.js";
import { measureServiceThroughput, type ServiceThroughput } from "./bench/service-throughput.js";
import { startServiceWorld } from "./bench/service-world.js";
import { buildBench } from "./bench/setup.js";
import { measureRemittanceThroughput, type RemittanceThroughput } from "./bench/throughput.js";
import { measureTxManager, type TxManagerBench } from "./bench/txmanager.js";
import { capacityPerSecond } from "./lib/stats.js";

/** The public mark of an HK -> PH wallet remittance, end to end. */
const PUBLIC_MARK_MS = 3_000;

/** Sections other modules add (e.g. scale-out across operator-relayer instances); each runs last, in order. */
const EXTRA_SECTIONS: Array<(config: BenchConfig, log: (line: string) => void) => Promise<BenchSection>> = [
  // Issue 13's row: the HK operator relayer on one SQLite file, then one and two instances on one PostgreSQL
  // database (embedded server), remittances per second from POST to initiated on chain (about a minute).
  async (_config, log) => ({
    title: "Scale-out: HK operator-relayer instances, POST to initiated on chain (automine)",
    rows: await measureScaleOut({ network, ignitionDir: hre.config.paths.ignition, log }),
  }),
];

const log = (line: string) => console.log(line);

/**
 * Stops what the run started that a terminal's Ctrl-C does not reach: the services run in process groups
 * of their own (anvil and the bench's own children get the signal with the bench).
 */
let stopServices: (() => Promise<void>) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the services the bench started...`);
    void (stopServices?.() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

/** The bare contract-level flow of the previous bench: the relayers' roles played in process, on EDR. */
async function bareFlow(config: BenchConfig): Promise<RemittanceThroughput> {
  const connection = await network.create({
    override: { blockGasLimit: config.blockGasLimit, initialBaseFeePerGas: 0n },
  });
  let bench;
  try {
    bench = await buildBench(connection, config, () => undefined);
    const rpc = connection.provider;
    await rpc.request({ method: "evm_setAutomine", params: [false] });
    await rpc.request({ method: "evm_setIntervalMining", params: [config.blockTimeMs] });
    const watcher = new BlockWatcher(bench.chain as Chain, 5 * config.blockTimeMs);
    await watcher.start();
    try {
      await watcher.next();
    } finally {
      await watcher.stop();
    }
    return await measureRemittanceThroughput(bench, config, log);
  } finally {
    await bench?.quotes.close();
    await connection.close();
  }
}

function latencySection(l: ServiceLatency): BenchSection {
  const against = (p: string) => `two dependent transfers, ${p}`;
  const r = l.remittances;
  const b = l.pairs;
  return {
    title: "End-to-end latency through the services (1 s blocks)",
    rows: [
      { label: "remittance p50", value: r.p50, unit: "ms", ratio: ratioOf(r.p50, b.p50), against: against("p50") },
      { label: "remittance p95", value: r.p95, unit: "ms", ratio: ratioOf(r.p95, b.p95), against: against("p95") },
      {
        label: "remittance p99",
        value: r.p99,
        unit: "ms",
        ratio: ratioOf(r.p99, b.p99),
        against: against("p99"),
        target: { max: 1.15 },
      },
      {
        label: "remittance p99 against the public mark",
        value: r.p99,
        unit: "ms",
        ratio: ratioOf(r.p99, PUBLIC_MARK_MS),
        against: "3 s",
        target: { max: 1 },
      },
      {
        label: "two dependent transfers p50 / p95 / p99",
        value: b.p50,
        unit: "ms",
        note: `p95 ${b.p95}, p99 ${b.p99}`,
      },
      { label: "samples", value: r.count, unit: "remittances", note: `${b.count} transfer pairs` },
    ],
    details: l,
  };
}

function breakdownSection(l: ServiceLatency): BenchSection {
  return {
    title: "Where a remittance's time goes (p50 of each segment; p99 in brackets)",
    rows: l.segments.map((s) => ({ label: s.name, value: s.p50, unit: "ms", note: `p99 ${s.p99}` })),
  };
}

function throughputSection(s: ServiceThroughput, bare: RemittanceThroughput, config: BenchConfig): BenchSection {
  const bareCapacity = capacityPerSecond(config.blockGasLimit, bare.gasPerRemittance, config.blockTimeMs);
  return {
    title: "Sustained remittances per second (1 s blocks)",
    rows: [
      {
        label: "through the services",
        value: s.rate,
        unit: "/s",
        ratio: ratioOf(s.rate, s.capacity),
        against: "the chain's capacity",
        target: { min: 0.8 },
      },
      {
        label: "through the services",
        value: s.rate,
        unit: "/s",
        ratio: ratioOf(s.rate, bare.rate),
        against: "the bare contract-level flow",
        target: { min: 0.8 },
      },
      {
        label: "chain capacity (block gas limit ÷ gas per remittance ÷ block time)",
        value: s.capacity,
        unit: "/s",
        note: `${s.blockGasLimit.toLocaleString("en-US")} gas ÷ ${Math.round(s.gasPerRemittance).toLocaleString("en-US")} gas`,
      },
      {
        label: "bare contract-level flow (hot keys in process, EDR, batches of 100)",
        value: bare.rate,
        unit: "/s",
        ratio: ratioOf(bare.rate, bareCapacity),
        against: "its capacity",
        target: { min: 0.8 },
      },
      {
        label: "gas per remittance through the services",
        value: s.gasPerRemittance,
        unit: "gas",
        ratio: ratioOf(s.gasPerRemittance, bare.gasPerRemittance),
        against: "the bare flow's",
        note: `batches of ${s.itemsPerBatch.initiate.toFixed(1)} initiations, ${s.itemsPerBatch.confirm.toFixed(1)} confirmations`,
      },
      { label: "block gas used in the window", value: s.fill * 100, unit: "%" },
      {
        label: "paid out exactly once (chain and HK wallet)",
        value: s.sent,
        unit: "remittances",
        note: `${s.paidOutOnChain} PaidOut events, ${s.paidOutInWallet} paid out in the wallet`,
      },
    ],
    details: { services: s, bare: { ...bare, settlementLag: Object.fromEntries(bare.settlementLag) } },
  };
}

function cpuSection(s: ServiceThroughput): BenchSection {
  const total = s.cpu.reduce((sum, c) => sum + c.msPerItem, 0);
  const rows: BenchRow[] = s.cpu.map((c) => ({ label: c.name, value: c.msPerItem, unit: "ms" }));
  rows.push({ label: "all services", value: total, unit: "ms", note: `at ${s.rate.toFixed(1)} remittances/s` });
  return { title: "CPU time per remittance, by service (under the sustained load)", rows };
}

function txManagerSection(t: TxManagerBench): BenchSection {
  return {
    title: "Transaction manager",
    rows: [
      {
        label: "durable sends (simulate, store, sign, send, confirm)",
        value: t.managerPerSecond,
        unit: "tx/s",
        ratio: ratioOf(t.managerPerSecond, t.rawPerSecond),
        against: "raw signed sends",
        target: { min: 0.9 },
      },
      { label: "raw signed sends, same node", value: t.rawPerSecond, unit: "tx/s" },
      { label: `accepting ${t.count} requests`, value: t.acceptedMs, unit: "ms" },
      {
        label: "submit to mined p50",
        value: t.submitToMinedMs.p50,
        unit: "ms",
        note: `p95 ${Math.round(t.submitToMinedMs.p95)}`,
      },
    ],
    details: t,
  };
}

async function main(config: BenchConfig): Promise<void> {
  const startedAt = new Date();
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  log("== LedgerLink BaaS benchmark ==\n");

  log(
    `Bare contract-level flow on the in-process network (${config.warmupBlocks} + ${config.measureBlocks} blocks)...`,
  );
  const bare = await bareFlow(config);

  log(`\nTransaction manager against raw signed sends (${config.txmCount} each, on anvil)...`);
  const txManager = await measureTxManager({ count: config.txmCount, blockTimeMs: config.blockTimeMs });

  log("\nThe services on anvil (1 s blocks, chain id 1337): deploying and starting...");
  const world = await startServiceWorld({
    // Latency samples plus what the throughput measure can send, with room.
    maxRemittances: 20_000,
    pairStreams: config.latencyStreams,
    log,
    connect: (url) => network.create({ network: "localhost", override: { url } }),
    onClose: (close) => (stopServices = close),
  });
  let latency: ServiceLatency;
  let throughput: ServiceThroughput;
  try {
    log(`\nLatency through the services: ${config.latencySamples} remittances in ${config.latencyStreams} streams...`);
    latency = await measureServiceLatency(world, {
      samples: config.latencySamples,
      streams: config.latencyStreams,
      seed: config.seed,
      blockTimeMs: config.blockTimeMs,
      warmup: 3,
    });
    log(
      `\nThroughput through the services (${config.inFlight} in flight, ${config.warmupBlocks} + ${config.measureBlocks} blocks)...`,
    );
    throughput = await measureServiceThroughput(world, {
      inFlight: config.inFlight,
      senders: config.loadClients,
      warmupBlocks: config.warmupBlocks,
      measureBlocks: config.measureBlocks,
      blockTimeMs: config.blockTimeMs,
      log,
    });
  } finally {
    await world.close();
    stopServices = undefined;
  }

  const sections = [
    latencySection(latency),
    breakdownSection(latency),
    throughputSection(throughput, bare, config),
    cpuSection(throughput),
    txManagerSection(txManager),
  ];
  for (const extra of EXTRA_SECTIONS) sections.push(await extra(config, log));

  const results: BenchResults = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - started) / 1000,
    machine: { ...machineInfo(os.availableParallelism()), loadAverage: { start: loadAtStart, end: os.loadavg()[0]! } },
    settings: {
      blockTimeMs: config.blockTimeMs,
      blockGasLimit: Number(config.blockGasLimit),
      latencySamples: config.latencySamples,
      latencyStreams: config.latencyStreams,
      inFlight: config.inFlight,
      loadClients: config.loadClients,
      warmupBlocks: config.warmupBlocks,
      measureBlocks: config.measureBlocks,
      txmCount: config.txmCount,
      seed: config.seed,
    },
    sections,
  };
  log("\n" + renderResults(results));
  if (config.resultsPath !== "") {
    await mkdir(path.dirname(path.resolve(config.resultsPath)), { recursive: true });
    const json = JSON.stringify(results, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
    await writeFile(config.resultsPath, json + "\n");
    log(`Results written to ${config.resultsPath}.`);
  }
}

let config: BenchConfig;
try {
  config = readConfig(process.env);
} catch (error) {
  if (!(error instanceof BenchConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
await main(config);
