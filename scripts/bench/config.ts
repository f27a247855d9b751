/**
 * The benchmark's settings, read from the environment: every knob has a default that runs the whole bench
 * in under five minutes on a 2-CPU machine.
 */
import os from "node:os";

export interface BenchConfig {
  /** Gas limit of every block (`BENCH_BLOCK_GAS_LIMIT`, default 30,000,000). */
  blockGasLimit: bigint;
  /** The interval mining period: one block per this many ms (`BENCH_BLOCK_TIME_MS`, default 1000). */
  blockTimeMs: number;
  /** How often clients poll for receipts, logs and new blocks (`BENCH_POLL_MS`, default 25). */
  pollMs: number;
  /** Samples in each latency series (`BENCH_LATENCY_SAMPLES`, default 30). */
  latencySamples: number;
  /** Blocks of load before the throughput measure starts (`BENCH_WARMUP_BLOCKS`, default 3). */
  warmupBlocks: number;
  /** Blocks the throughput measure lasts (`BENCH_BLOCKS`, default 15). */
  measureBlocks: number;
  /** Offered load as a fraction of the capacity measured in calibration (`BENCH_LOAD`, default 1). */
  load: number;
  /** Gas limit margin over the simulated gas, in basis points (`BENCH_GAS_MARGIN_BPS`, default 200). */
  gasMarginBps: number;
  /** Accounts sending the baseline transfers under load (`BENCH_TRANSFER_SENDERS`, default 8). */
  transferSenders: number;
  /** Threads the bank's quote service signs in (`BENCH_QUOTE_THREADS`, default: CPUs - 1, at least 1). */
  quoteThreads: number;
  /** Seed of the random arrival times (`BENCH_SEED`, default 1). */
  seed: number;
  /** Remittance streams of the services' latency measure, each one remittance at a time (`BENCH_LATENCY_STREAMS`, 2). */
  latencyStreams: number;
  /** Transfers the load keeps outstanding in the services' throughput measure (`BENCH_IN_FLIGHT`, 400). */
  inFlight: number;
  /** Concurrent HTTP clients offering that load to the HK wallet (`BENCH_LOAD_CLIENTS`, 16). */
  loadClients: number;
  /** Transactions each way in the transaction manager's measure (`BENCH_TXM_COUNT`, 200). */
  txmCount: number;
  /** Where the results are written as JSON (`BENCH_RESULTS`, default bench/results.json; "" for nowhere). */
  resultsPath: string;
}

/** A setting that cannot be used, with a readable message. */
export class BenchConfigError extends Error {
  override name = "BenchConfigError";
}

/** The accounts the benchmark leaves to the baseline transfer senders (the demo world uses the first 11). */
export const MAX_TRANSFER_SENDERS = 9;

export function readConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text.replaceAll("_", ""));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new BenchConfigError(`${name} must be an integer from ${min} to ${max} (got "${text}")`);
    }
    return value;
  };
  const fraction = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new BenchConfigError(`${name} must be a number from ${min} to ${max} (got "${text}")`);
    }
    return value;
  };
  return {
    blockGasLimit: BigInt(integer("BENCH_BLOCK_GAS_LIMIT", 30_000_000, 1_000_000, 1_000_000_000)),
    blockTimeMs: integer("BENCH_BLOCK_TIME_MS", 1000, 200, 10_000),
    pollMs: integer("BENCH_POLL_MS", 25, 1, 1000),
    latencySamples: integer("BENCH_LATENCY_SAMPLES", 30, 1, 1000),
    warmupBlocks: integer("BENCH_WARMUP_BLOCKS", 3, 1, 100),
    measureBlocks: integer("BENCH_BLOCKS", 15, 1, 1000),
    load: fraction("BENCH_LOAD", 1, 0.05, 2),
    gasMarginBps: integer("BENCH_GAS_MARGIN_BPS", 200, 0, 5000),
    transferSenders: integer("BENCH_TRANSFER_SENDERS", 8, 1, MAX_TRANSFER_SENDERS),
    quoteThreads: integer("BENCH_QUOTE_THREADS", Math.max(1, os.availableParallelism() - 1), 1, 64),
    seed: integer("BENCH_SEED", 1, 0, 2 ** 32 - 1),
    latencyStreams: integer("BENCH_LATENCY_STREAMS", 2, 1, 16),
    inFlight: integer("BENCH_IN_FLIGHT", 400, 1, 100_000),
    loadClients: integer("BENCH_LOAD_CLIENTS", 16, 1, 256),
    txmCount: integer("BENCH_TXM_COUNT", 200, 1, 10_000),
    resultsPath: env.BENCH_RESULTS ?? "bench/results.json",
  };
}
