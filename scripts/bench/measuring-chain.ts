/**
 * The benchmark's measuring probes: hot keys that simulate, sign and send their own transactions, and
 * fast polling for receipts, blocks and logs, each stamping when it first saw what it waited for.
 *
 * Every wait polls the node itself every `pollMs` (25 ms by default) instead of relying on ethers'
 * `wait()`, whose polling interval is the library's to choose: a slow poll would add its own delay to
 * every latency measured. Times are `performance.now()` milliseconds.
 *
 * Why these are not the relayer core's `ChainClient`, `TxManager` and `EventListener`: those talk to
 * JSON-RPC URLs over fetch (the bench's chain is the in-process Hardhat network), store every signed
 * transaction and every checkpoint in the database before acting, and poll on their own schedules. Used
 * here they would add their own storage and scheduling time to every latency and cap every throughput
 * figure, so the bench would measure the relayer core instead of the chain and the contracts. The
 * relayer core is measured on its own, against raw signed sends, in `txmanager.ts`.
 */
import type { HardhatEthersProvider } from "@nomicfoundation/hardhat-ethers/types";
import type { Log, TransactionReceipt } from "ethers";
import { keccak256, Wallet } from "ethers";
import type { EthereumProvider } from "hardhat/types/providers";

import { sleep } from "../../relayer/core/chain/retry.js";

/** What the benchmark talks to: the raw EIP-1193 provider and its ethers wrapper. */
export interface Chain {
  rpc: EthereumProvider;
  provider: HardhatEthersProvider;
  chainId: bigint;
  pollMs: number;
}

export { sleep };

/**
 * Fees of every benchmark transaction. The base fee starts at zero, as on a free-gas consortium network,
 * and barely moves; the cap is far above anything it can reach in a run. A higher tip puts a transaction
 * ahead of others in the block.
 */
export const MAX_FEE_PER_GAS = 100_000_000_000n;
export const TIP = { normal: 1_000_000_000n, settlement: 2_000_000_000n } as const;

/** A signed transaction, ready to send. */
export interface PreparedTx {
  raw: string;
  hash: string;
  gasLimit: bigint;
}

/** A transaction sent, and when the node accepted it. */
export interface SentTx extends PreparedTx {
  sentAt: number;
}

/**
 * A relayer's hot key: a local wallet that keeps its own nonce (it is the only one sending from its
 * account), simulates each call before signing it, as the tasks do, and sends the signed bytes.
 */
export class HotKey {
  readonly address: string;
  #nonce = -1;

  constructor(
    readonly wallet: Wallet,
    private readonly chain: Chain,
    /** Gas limit over the simulated gas, in basis points. */
    private readonly marginBps: number,
  ) {
    this.address = wallet.address;
  }

  /** Reads the account's nonce from the chain; call once before the first `prepare`. */
  async sync(): Promise<void> {
    this.#nonce = await this.chain.provider.getTransactionCount(this.address, "pending");
  }

  /** Simulates the call against the latest block (fails with the node's error if it would revert). */
  async simulate(to: string, data: string): Promise<bigint> {
    return this.chain.provider.estimateGas({ from: this.address, to, data, blockTag: "latest" });
  }

  /** Signs a call with the next nonce and the given gas limit. */
  async sign(to: string, data: string, gasLimit: bigint, tip: bigint = TIP.normal): Promise<PreparedTx> {
    if (this.#nonce < 0) throw new Error(`hot key ${this.address} was not synced`);
    const raw = await this.wallet.signTransaction({
      type: 2,
      chainId: this.chain.chainId,
      nonce: this.#nonce++,
      to,
      data,
      gasLimit,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: tip,
    });
    return { raw, hash: keccak256(raw), gasLimit };
  }

  /** The gas limit for a call that simulated at `simulated` gas: with the margin. */
  limit(simulated: bigint): bigint {
    return simulated + (simulated * BigInt(this.marginBps)) / 10_000n;
  }

  /** Simulates, then signs with the simulated gas plus the margin. */
  async prepare(to: string, data: string, tip?: bigint): Promise<PreparedTx> {
    return this.sign(to, data, this.limit(await this.simulate(to, data)), tip);
  }

  /** Hands a signed transaction to the node. */
  async send(tx: PreparedTx): Promise<SentTx> {
    const hash = await this.chain.rpc.request({ method: "eth_sendRawTransaction", params: [tx.raw] });
    const sentAt = performance.now();
    if (hash !== tx.hash) throw new Error(`the node answered hash ${String(hash)} for ${tx.hash}`);
    return { ...tx, sentAt };
  }
}

/** A receipt, and when the poll first saw it. */
export interface SeenReceipt {
  receipt: TransactionReceipt;
  seenAt: number;
}

/** Polls for a transaction's receipt until it is mined; fails if it reverted or takes longer than `timeoutMs`. */
export async function pollReceipt(chain: Chain, hash: string, timeoutMs = 60_000): Promise<SeenReceipt> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const receipt = await chain.provider.getTransactionReceipt(hash);
    if (receipt !== null) {
      const seenAt = performance.now();
      if (receipt.status !== 1) throw new Error(`transaction ${hash} reverted (block ${receipt.blockNumber})`);
      return { receipt, seenAt };
    }
    if (performance.now() > deadline) throw new Error(`transaction ${hash} not mined after ${timeoutMs} ms`);
    await sleep(chain.pollMs);
  }
}

/** A block as the watcher saw it. */
export interface SeenBlock {
  number: number;
  seenAt: number;
  timestamp: number;
  gasUsed: bigint;
  gasLimit: bigint;
  transactions: number;
}

/**
 * Follows the chain head by polling the block number, and records when each block was first seen, with
 * its gas and transaction count. Waiters are woken by the poll that sees a new block.
 */
export class BlockWatcher {
  readonly blocks = new Map<number, SeenBlock>();
  #head = -1;
  #running = false;
  #loop: Promise<void> | undefined;
  #failure: unknown;
  #waiters: Array<{ after: number; resolve: (block: SeenBlock) => void; reject: (error: unknown) => void }> = [];

  constructor(
    private readonly chain: Chain,
    /** How long `next` waits for a block before it gives up: the node stopped mining. */
    private readonly timeoutMs = 30_000,
  ) {}

  get head(): SeenBlock | undefined {
    return this.blocks.get(this.#head);
  }

  async start(): Promise<void> {
    this.#head = await this.chain.provider.getBlockNumber();
    await this.#record(this.#head, performance.now());
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => {
      this.#failure = error;
      for (const w of this.#waiters.splice(0)) w.reject(error);
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** The first block after `after` (the current head by default), once seen. */
  next(after: number = this.#head): Promise<SeenBlock> {
    if (this.#head > after) return Promise.resolve(this.blocks.get(after + 1)!);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no block after ${after} within ${this.timeoutMs} ms: is the node mining?`)),
        this.timeoutMs,
      );
      this.#waiters.push({
        after,
        resolve: (block) => {
          clearTimeout(timer);
          resolve(block);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const number = await this.chain.provider.getBlockNumber();
      if (number > this.#head) {
        const seenAt = performance.now();
        for (let n = this.#head + 1; n <= number; n++) await this.#record(n, seenAt);
        this.#head = number;
        const ready = this.#waiters.filter((w) => w.after < number);
        this.#waiters = this.#waiters.filter((w) => w.after >= number);
        for (const w of ready) w.resolve(this.blocks.get(w.after + 1)!);
      }
      await sleep(this.chain.pollMs);
    }
  }

  async #record(number: number, seenAt: number): Promise<void> {
    const block = await this.chain.provider.getBlock(number);
    if (block === null) throw new Error(`the node has no block ${number}`);
    this.blocks.set(number, {
      number,
      seenAt,
      timestamp: block.timestamp,
      gasUsed: block.gasUsed,
      gasLimit: block.gasLimit,
      transactions: block.transactions.length,
    });
  }
}

/**
 * An operator relayer's event listener, as small as it gets: polls `eth_getLogs` for one filter from a
 * checkpoint to the head, hands each new batch of logs to the handler, and moves the checkpoint only once
 * the handler is done with them.
 */
export class LogListener {
  #checkpoint: number;
  #running = false;
  #loop: Promise<void> | undefined;
  #failure: unknown;
  #fail: (error: unknown) => void = () => undefined;
  /** Rejects with what made the listener stop, if anything does: race it against what waits for events. */
  readonly failed: Promise<never>;

  constructor(
    private readonly chain: Chain,
    private readonly filter: { address: string; topics: Array<string | null> },
    private readonly handler: (logs: Log[], seenAt: number) => Promise<void>,
    fromBlock: number,
  ) {
    this.#checkpoint = fromBlock - 1;
    this.failed = new Promise<never>((_, reject) => (this.#fail = reject));
    this.failed.catch(() => undefined); // observed by `stop` and by whoever races it
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => {
      this.#failure = error;
      this.#running = false;
      this.#fail(error);
    });
  }

  /** Stops polling; rethrows what made the listener fail, if anything did. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** The listener's failure, if it stopped on one. */
  get failure(): unknown {
    return this.#failure;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const head = await this.chain.provider.getBlockNumber();
      if (head > this.#checkpoint) {
        const logs = await this.chain.provider.getLogs({
          ...this.filter,
          fromBlock: this.#checkpoint + 1,
          toBlock: head,
        });
        const seenAt = performance.now();
        if (logs.length > 0) await this.handler(logs, seenAt);
        this.#checkpoint = head;
      }
      await sleep(this.chain.pollMs);
    }
  }
}
