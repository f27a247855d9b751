/**
 * Performance is measured, not asserted: the remittance flow's latency and throughput on a network mining
 * one block per second (as a Besu QBFT consortium does), printed as ratios against baselines measured in
 * the same run (plain ERC-20 transfers) and against the design targets.
 *
 *   npm run bench                      (about two minutes; settings below)
 *   BENCH_BLOCK_GAS_LIMIT=60000000 BENCH_LATENCY_SAMPLES=100 npm run bench
 *
 * Settings (environment): BENCH_BLOCK_GAS_LIMIT (30,000,000), BENCH_BLOCK_TIME_MS (1000), BENCH_POLL_MS (25),
 * BENCH_LATENCY_SAMPLES (30), BENCH_WARMUP_BLOCKS (3), BENCH_BLOCKS (15), BENCH_LOAD (1: offered load as a
 * fraction of capacity), BENCH_GAS_MARGIN_BPS (200), BENCH_TRANSFER_SENDERS (8), BENCH_SEED (1),
 * BENCH_REPORT (bench-report.md; empty for none), BENCH_TXM_COUNT (200: transactions each way in the transaction
 * manager row, measured on an anvil of its own mining at BENCH_BLOCK_TIME_MS).
 *
 * Setup (deploy, onboard, corridor, funding) runs with automine; then the network switches to interval
 * mining for the measures. The report is printed and written to BENCH_REPORT.
 */
import { writeFile } from "node:fs/promises";

import { network } from "hardhat";

import { BlockWatcher, type Chain } from "./bench/chain.js";
import { BenchConfigError, readConfig } from "./bench/config.js";
import { measureLatency } from "./bench/latency.js";
import { renderReport } from "./bench/report.js";
import { buildBench, type BenchWorld } from "./bench/setup.js";
import { measureRemittanceThroughput, measureTransferThroughput } from "./bench/throughput.js";
import { measureTxManager, renderTxManagerSection } from "./bench/txmanager.js";

/** Fails unless the node now mines on its own, about once per interval. */
async function checkMining(chain: Chain, blockTimeMs: number): Promise<void> {
  const watcher = new BlockWatcher(chain, 5 * blockTimeMs);
  await watcher.start();
  try {
    await watcher.next();
  } finally {
    await watcher.stop();
  }
}

let config;
try {
  config = readConfig(process.env);
} catch (error) {
  if (!(error instanceof BenchConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = (line: string) => console.log(line);
const startedAt = new Date();
const started = performance.now();
const connection = await network.create({
  override: { blockGasLimit: config.blockGasLimit, initialBaseFeePerGas: 0n },
});

let bench: BenchWorld | undefined;
try {
  log("== LedgerLink BaaS benchmark ==\n");
  log("Setup (automine):");
  bench = await buildBench(connection, config, log);

  const rpc = connection.provider;
  await rpc.request({ method: "evm_setAutomine", params: [false] });
  await rpc.request({ method: "evm_setIntervalMining", params: [config.blockTimeMs] });
  await checkMining(bench.chain, config.blockTimeMs);
  log(`\nInterval mining: one block every ${config.blockTimeMs} ms, block gas limit ${config.blockGasLimit}.`);

  const latencySeconds = Math.round((config.latencySamples * 2 * config.blockTimeMs) / 1000);
  log(`\nLatency: ${config.latencySamples} samples per series (about ${latencySeconds} s)...`);
  const latency = await measureLatency(bench, config);

  log(`\nThroughput of remittances (${config.warmupBlocks} + ${config.measureBlocks} blocks)...`);
  const remittances = await measureRemittanceThroughput(bench, config, log);

  log(`\nThroughput of ERC-20 transfers (${config.warmupBlocks} + ${config.measureBlocks} blocks)...`);
  const transfers = await measureTransferThroughput(bench, config, log);

  const txmCount = Number(process.env.BENCH_TXM_COUNT ?? 200);
  log(`\nTransaction manager against raw signed sends (${txmCount} each, on anvil)...`);
  const txManager = await measureTxManager({ count: txmCount, blockTimeMs: config.blockTimeMs });

  const report =
    renderReport({
      config,
      startedAt,
      durationMs: performance.now() - started,
      latency,
      remittances,
      transfers,
    }) +
    "\n" +
    renderTxManagerSection(txManager);
  log("\n" + report);
  if (config.reportPath !== "") {
    await writeFile(config.reportPath, report);
    log(`Report written to ${config.reportPath}.`);
  }
} finally {
  await bench?.quotes.close();
  await connection.close();
}
