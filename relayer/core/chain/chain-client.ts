import { ChainError, TransportError } from "./errors.js";
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy, withRetry } from "./retry.js";
import { RpcEndpoint } from "./rpc-endpoint.js";
import {
  type ChainBlock,
  type ChainLog,
  type ChainReader,
  type ChainReceipt,
  type ChainTransaction,
  type LogFilter,
  parseBlock,
  parseLog,
  parseReceipt,
  type RawBlock,
  type RawLog,
  type RawReceipt,
  toNumber,
} from "./types.js";

export interface ChainClientOptions {
  /** JSON-RPC URLs in order of preference. */
  urls: readonly string[];
  /** Per-call timeout. */
  timeoutMs?: number;
  /** Rounds over the endpoints when every one failed on transport. */
  retry?: RetryPolicy;
}

export interface EndpointHealth {
  url: string;
  up: boolean;
  failures: number;
  lastHead: number;
}

const hex = (n: number | bigint) => "0x" + n.toString(16);

/**
 * Raw JSON-RPC over fetch rather than ethers' JsonRpcProvider: the manager must see each node's own
 * answer (which node, which error text, whether any reply came back at all) to classify it, and must
 * control retries and timeouts itself; ethers' provider adds its own polling, caching and retry layers.
 *
 * Failover: endpoints are tried in order of preference, skipping those that failed on transport until
 * their backoff passes, and preferring those whose head is at or above the highest head seen. A node
 * that is behind is not a reorg: the head reported never goes below one already seen.
 */
export class ChainClient implements ChainReader {
  readonly endpoints: readonly RpcEndpoint[];
  private readonly retry: RetryPolicy;
  private seenHead = -1;

  constructor(options: ChainClientOptions) {
    if (options.urls.length === 0) throw new Error("ChainClient needs at least one JSON-RPC URL");
    this.endpoints = options.urls.map((url) => new RpcEndpoint(url, options.timeoutMs ?? 5_000));
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /** The highest head any endpoint has reported (-1 before the first). */
  get highestSeenBlock(): number {
    return this.seenHead;
  }

  health(): EndpointHealth[] {
    const now = Date.now();
    return this.endpoints.map((e) => ({
      url: e.url,
      up: e.downUntil <= now,
      failures: e.failures,
      lastHead: e.lastHead,
    }));
  }

  /** A call answered by the first usable endpoint; transport failures fail over, other errors are final. */
  request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
    return this.onEndpoints((endpoint) => endpoint.call<T>(method, params));
  }

  async getBlockNumber(): Promise<number> {
    let lastError: unknown;
    for (const endpoint of this.ordered()) {
      try {
        const head = await this.callOn<string>(endpoint, "eth_blockNumber", []).then(toNumber);
        endpoint.lastHead = head;
        if (head >= this.seenHead) {
          this.seenHead = head;
          return head;
        }
        // Behind: not an error, not a reorg; ask the next endpoint.
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        lastError = error;
      }
    }
    if (this.seenHead >= 0) return this.seenHead;
    throw lastError ?? new TransportError("no endpoint answered eth_blockNumber");
  }

  async getBlock(numberOrHash: number | string): Promise<ChainBlock | null> {
    const byHash = typeof numberOrHash === "string";
    const method = byHash ? "eth_getBlockByHash" : "eth_getBlockByNumber";
    const params = [byHash ? numberOrHash : hex(numberOrHash), false];
    let lastError: unknown;
    let answered = false;
    for (const endpoint of this.ordered()) {
      try {
        const raw = await this.callOn<RawBlock | null>(endpoint, method, params);
        answered = true;
        if (raw !== null) {
          const block = parseBlock(raw);
          if (block.number > this.seenHead) this.seenHead = block.number;
          return block;
        }
        // A lagging node does not have it yet: another may.
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        lastError = error;
      }
    }
    if (answered) return null;
    throw lastError ?? new TransportError(`no endpoint answered ${method}`);
  }

  async getLogs(filter: LogFilter): Promise<ChainLog[]> {
    const param: Record<string, unknown> = { address: filter.address, topics: filter.topics };
    let needed: number | undefined;
    if ("blockHash" in filter) param.blockHash = filter.blockHash;
    else {
      param.fromBlock = hex(filter.fromBlock);
      param.toBlock = hex(filter.toBlock);
      needed = filter.toBlock;
    }
    let lastError: unknown;
    for (const endpoint of this.ordered()) {
      try {
        // A node behind `toBlock` answers with a silently incomplete list: make sure it covers the range.
        if (needed !== undefined && endpoint.lastHead < needed) {
          endpoint.lastHead = toNumber(await this.callOn<string>(endpoint, "eth_blockNumber", []));
          if (endpoint.lastHead < needed) continue;
        }
        const raw = await this.callOn<RawLog[]>(endpoint, "eth_getLogs", [param]);
        return raw.map(parseLog);
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        lastError = error;
      }
    }
    throw lastError ?? new TransportError(`no endpoint has reached block ${needed} for eth_getLogs`);
  }

  getChainId(): Promise<bigint> {
    return this.request<string>("eth_chainId").then(BigInt);
  }

  getTransactionCount(address: string, tag: "latest" | "pending"): Promise<number> {
    return this.request<string>("eth_getTransactionCount", [address, tag]).then(toNumber);
  }

  async getTransactionReceipt(hash: string): Promise<ChainReceipt | null> {
    const raw = await this.request<RawReceipt | null>("eth_getTransactionReceipt", [hash]);
    return raw === null ? null : parseReceipt(raw);
  }

  async getTransaction(hash: string): Promise<ChainTransaction | null> {
    const raw = await this.request<{ hash: string; nonce: string; blockNumber: string | null } | null>(
      "eth_getTransactionByHash",
      [hash],
    );
    if (raw === null) return null;
    return {
      hash: raw.hash,
      nonce: toNumber(raw.nonce),
      blockNumber: raw.blockNumber === null ? null : toNumber(raw.blockNumber),
    };
  }

  /** `eth_call` at latest; a revert throws RevertError with its data. */
  call(tx: { from: string; to: string; data: string; value?: bigint; gas?: bigint }): Promise<string> {
    return this.request<string>("eth_call", [txParams(tx), "latest"]);
  }

  estimateGas(tx: { from: string; to: string; data: string; value?: bigint }): Promise<bigint> {
    return this.request<string>("eth_estimateGas", [txParams(tx)]).then(BigInt);
  }

  gasPrice(): Promise<bigint> {
    return this.request<string>("eth_gasPrice").then(BigInt);
  }

  /**
   * Broadcasts signed bytes; the same bytes may be sent again safely (same hash). A TransportError here
   * means the node may or may not have it: the caller records "reply lost" and resolves it by lookup.
   */
  sendRawTransaction(raw: string): Promise<string> {
    return this.request<string>("eth_sendRawTransaction", [raw]);
  }

  /**
   * Broadcasts several signed transactions in one JSON-RPC batch, in the order given; each gets its own
   * answer (hash or classified error). A TransportError for the whole batch means "replies lost" for all.
   */
  sendRawTransactions(raws: readonly string[]): Promise<Array<string | ChainError>> {
    return this.onEndpoints((endpoint) =>
      endpoint.callBatch<string>(
        "eth_sendRawTransaction",
        raws.map((raw) => [raw]),
      ),
    );
  }

  private callOn<T>(endpoint: RpcEndpoint, method: string, params: readonly unknown[]): Promise<T> {
    return this.track(endpoint, (e) => e.call<T>(method, params));
  }

  private onEndpoints<T>(fn: (endpoint: RpcEndpoint) => Promise<T>): Promise<T> {
    return withRetry(
      this.retry,
      (error) => error instanceof TransportError,
      async () => {
        let lastError: unknown;
        for (const endpoint of this.ordered()) {
          try {
            return await this.track(endpoint, fn);
          } catch (error) {
            if (!(error instanceof TransportError)) throw error;
            lastError = error;
          }
        }
        throw lastError;
      },
    );
  }

  private async track<T>(endpoint: RpcEndpoint, fn: (endpoint: RpcEndpoint) => Promise<T>): Promise<T> {
    try {
      const result = await fn(endpoint);
      endpoint.failures = 0;
      endpoint.downUntil = 0;
      return result;
    } catch (error) {
      if (error instanceof TransportError) {
        endpoint.failures++;
        endpoint.downUntil = Date.now() + backoffDelay(this.retry, endpoint.failures);
      } else if (error instanceof ChainError) {
        // The node answered: it is healthy, whatever it said.
        endpoint.failures = 0;
        endpoint.downUntil = 0;
      }
      throw error;
    }
  }

  /** Up endpoints first (at or above the seen head before those behind), then those in backoff. */
  private ordered(): RpcEndpoint[] {
    const now = Date.now();
    const rank = (e: RpcEndpoint) => (e.downUntil > now ? 2 : e.lastHead >= 0 && e.lastHead < this.seenHead ? 1 : 0);
    return [...this.endpoints].sort((a, b) => rank(a) - rank(b));
  }
}

function txParams(tx: { from: string; to: string; data: string; value?: bigint; gas?: bigint }) {
  return {
    from: tx.from,
    to: tx.to,
    data: tx.data,
    ...(tx.value === undefined ? {} : { value: hex(tx.value) }),
    ...(tx.gas === undefined ? {} : { gas: hex(tx.gas) }),
  };
}
