/** Chain data as the relayer core uses it: numbers where they fit, bigint for amounts, hex strings for hashes. */

export interface ChainBlock {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  baseFeePerGas: bigint | undefined;
}

export interface ChainLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  transactionIndex: number;
  logIndex: number;
  removed: boolean;
}

/** A range query (`fromBlock`..`toBlock`, inclusive) or a single block by hash. */
export type LogFilter = {
  address?: string | string[];
  topics?: (string | string[] | null)[];
} & ({ fromBlock: number; toBlock: number } | { blockHash: string });

export interface ChainReceipt {
  transactionHash: string;
  blockNumber: number;
  blockHash: string;
  /** 1 success, 0 reverted. */
  status: number;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  from: string;
  to: string | null;
  logs: ChainLog[];
}

/** A transaction as the node knows it; `blockNumber` null while it waits in the pool. */
export interface ChainTransaction {
  hash: string;
  nonce: number;
  blockNumber: number | null;
}

/** The reads an event listener needs; the ChainClient implements it with failover. */
export interface ChainReader {
  /** The head, never lower than a head already seen through this reader. */
  getBlockNumber(): Promise<number>;
  /** A block by number or hash; null when no node (at or above that height) has it. */
  getBlock(numberOrHash: number | string): Promise<ChainBlock | null>;
  /** Logs of a range, answered only by a node whose head covers `toBlock`. */
  getLogs(filter: LogFilter): Promise<ChainLog[]>;
}

export type RawBlock = {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  baseFeePerGas?: string;
};
export type RawLog = Omit<ChainLog, "blockNumber" | "transactionIndex" | "logIndex" | "removed"> & {
  blockNumber: string;
  transactionIndex: string;
  logIndex: string;
  removed?: boolean;
};
export type RawReceipt = {
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  status: string;
  gasUsed: string;
  effectiveGasPrice?: string;
  from: string;
  to: string | null;
  logs: RawLog[];
};

export const toNumber = (hex: string) => Number(BigInt(hex));

export function parseBlock(raw: RawBlock): ChainBlock {
  return {
    number: toNumber(raw.number),
    hash: raw.hash,
    parentHash: raw.parentHash,
    timestamp: toNumber(raw.timestamp),
    baseFeePerGas: raw.baseFeePerGas === undefined ? undefined : BigInt(raw.baseFeePerGas),
  };
}

export function parseLog(raw: RawLog): ChainLog {
  return {
    address: raw.address,
    topics: raw.topics,
    data: raw.data,
    blockNumber: toNumber(raw.blockNumber),
    blockHash: raw.blockHash,
    transactionHash: raw.transactionHash,
    transactionIndex: toNumber(raw.transactionIndex),
    logIndex: toNumber(raw.logIndex),
    removed: raw.removed === true,
  };
}

export function parseReceipt(raw: RawReceipt): ChainReceipt {
  return {
    transactionHash: raw.transactionHash,
    blockNumber: toNumber(raw.blockNumber),
    blockHash: raw.blockHash,
    status: toNumber(raw.status),
    gasUsed: BigInt(raw.gasUsed),
    effectiveGasPrice: BigInt(raw.effectiveGasPrice ?? "0x0"),
    from: raw.from,
    to: raw.to,
    logs: raw.logs.map(parseLog),
  };
}
