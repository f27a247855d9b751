/**
 * Reading history from logs the way any node answers it: from a contract's deployment block, in bounded
 * block ranges (nodes cap `eth_getLogs` ranges and result sizes; Besu's default is 1,000 blocks).
 */
import type { Filter, Log, Provider } from "ethers";

/** Largest block range per `eth_getLogs` call. */
export const DEFAULT_LOG_RANGE = 1_000;

export interface LogQuery {
  address: string | string[];
  topics?: Filter["topics"];
  fromBlock: number;
  /** Inclusive; the latest block when omitted (read once, so the scan has a fixed end). */
  toBlock?: number;
  /** Blocks per request. */
  range?: number;
}

/** Every matching log from `fromBlock` to `toBlock`, in chain order, one bounded request at a time. */
export async function getLogsInRanges(provider: Provider, query: LogQuery): Promise<Log[]> {
  const end = query.toBlock ?? (await provider.getBlockNumber());
  const range = query.range ?? DEFAULT_LOG_RANGE;
  if (!Number.isSafeInteger(range) || range < 1) throw new RangeError("range must be a positive integer");
  const logs: Log[] = [];
  for (let start = Math.max(0, query.fromBlock); start <= end; start += range) {
    const stop = Math.min(end, start + range - 1);
    const filter: Filter = { address: query.address, fromBlock: start, toBlock: stop };
    if (query.topics !== undefined) filter.topics = query.topics;
    logs.push(...(await provider.getLogs(filter)));
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}
