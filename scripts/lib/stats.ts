/**
 * The benchmark's arithmetic: percentiles, rates and what a block's gas allows. Pure functions, no chain,
 * no clock, so `test/bench/stats.ts` can check them exactly.
 */

/** A latency series summarized, in the unit of its samples. */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `p`-th percentile of `samples` by the nearest-rank method: the smallest sample that at least `p` %
 * of the samples do not exceed. Always one of the samples (never interpolated), so with fewer than 100
 * samples the 99th percentile is the maximum.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError("percentile of an empty series");
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1]!;
}

/** Count, extremes, mean and the 50th, 95th and 99th percentiles of a series. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError("summary of an empty series");
  return {
    count: samples.length,
    min: Math.min(...samples),
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
  };
}

/** Gas per business operation across transactions that each carry `items` operations (a batch of 50: 50). */
export function gasPerItem(transactions: readonly { gasUsed: bigint; items: number }[]): number {
  let gas = 0n;
  let items = 0;
  for (const tx of transactions) {
    gas += tx.gasUsed;
    items += tx.items;
  }
  if (items === 0) throw new RangeError("gas per item of no items");
  return Number(gas) / items;
}

/**
 * Operations per second the chain can carry when every block is filled with them: the block gas limit over
 * the gas of one operation, per block interval. Fractional: it is the ceiling a steady stream approaches,
 * not a count of whole operations in one block.
 */
export function capacityPerSecond(blockGasLimit: bigint, gasPerOperation: number, blockTimeMs: number): number {
  if (!(gasPerOperation > 0)) throw new RangeError(`gas per operation ${gasPerOperation} is not positive`);
  if (!(blockTimeMs > 0)) throw new RangeError(`block time ${blockTimeMs} ms is not positive`);
  return Number(blockGasLimit) / gasPerOperation / (blockTimeMs / 1000);
}

/** Events per second: `count` over `elapsedMs` of wall-clock time. */
export function ratePerSecond(count: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) throw new RangeError(`elapsed time ${elapsedMs} ms is not positive`);
  return count / (elapsedMs / 1000);
}

/**
 * How many operations to offer per block so that they use `load` (1 = all) of the block gas limit, each
 * costing `gasPerOperation`. Rounded down: an offer never asks for more than the block holds.
 */
export function operationsPerBlock(blockGasLimit: bigint, gasPerOperation: number, load: number): number {
  if (!(gasPerOperation > 0)) throw new RangeError(`gas per operation ${gasPerOperation} is not positive`);
  if (!(load > 0)) throw new RangeError(`load ${load} is not positive`);
  return Math.floor((Number(blockGasLimit) * load) / gasPerOperation);
}

/**
 * Splits `count` operations into the fewest batches of at most `maxSize`, as even as possible (250 with a
 * maximum of 100: 84, 83, 83), so no batch is a small remainder that costs a transaction's overhead for
 * little work.
 */
export function batchSizes(count: number, maxSize: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count ${count} is not a whole number`);
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`batch size ${maxSize} is not positive`);
  const batches = Math.ceil(count / maxSize);
  const sizes: number[] = [];
  for (let i = 0; i < batches; i++) sizes.push(Math.floor(count / batches) + (i < count % batches ? 1 : 0));
  return sizes;
}

/**
 * A seeded pseudo-random generator of numbers in [0, 1) (mulberry32): the benchmark's arrival times are
 * random but the same from run to run for the same seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
