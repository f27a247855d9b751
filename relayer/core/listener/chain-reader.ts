/**
 * What the listener reads from the chain: three calls that an ethers `JsonRpcProvider` and the core's
 * chain client both provide. Kept this small so the listener can be tested against any real node.
 */
export interface ChainBlock {
  number: number;
  /** Null only for a pending block, which the listener never asks for. */
  hash: string | null;
  parentHash: string;
}

export interface ChainLog {
  blockNumber: number;
  blockHash: string;
  /** The log's index in its block. */
  index: number;
  transactionHash: string;
  address: string;
  topics: readonly string[];
  data: string;
}

export interface LogFilter {
  address?: string | string[];
  topics?: (string | string[] | null)[];
  fromBlock: number;
  toBlock: number;
}

export interface ChainReader {
  getBlockNumber(): Promise<number>;
  /** Null when the node does not have the block (yet): a node behind, not a reorg. */
  getBlock(block: number): Promise<ChainBlock | null>;
  getLogs(filter: LogFilter): Promise<readonly ChainLog[]>;
}
