import type { ChainClient } from "../chain/chain-client.js";

/** The fee fields of one signed attempt. */
export type Fees = { type: 0; gasPrice: bigint } | { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/** Per network: the first fees, and what to do when a transaction is stuck or underpriced. */
export interface FeePolicy {
  initial(chain: ChainClient): Promise<Fees>;
  /** Higher fees for a replacement, or "rebroadcast" when the network only takes the same price. */
  bump(previous: Fees, chain: ChainClient): Promise<Fees | "rebroadcast">;
}

/**
 * A free-gas consortium (Besu QBFT): price zero, always. A replacement is only accepted at an equal
 * price, so a stuck or missing transaction is re-broadcast as it is, never re-priced.
 */
export class ZeroGasPolicy implements FeePolicy {
  async initial(): Promise<Fees> {
    return { type: 0, gasPrice: 0n };
  }

  async bump(): Promise<"rebroadcast"> {
    return "rebroadcast";
  }
}

export interface Eip1559PolicyOptions {
  /** Never pay more than this per gas, whatever the base fee. */
  maxFeeCap: bigint;
  priorityFee: bigint;
  /** Percent added on each replacement; nodes require at least 10. */
  bumpPercent?: number;
}

/** EIP-1559 with a cap: maxFee = min(cap, 2 × base fee + tip); bumps raise both fields by `bumpPercent`. */
export class Eip1559Policy implements FeePolicy {
  private readonly bumpPercent: bigint;

  constructor(private readonly options: Eip1559PolicyOptions) {
    this.bumpPercent = BigInt(Math.max(10, Math.ceil(options.bumpPercent ?? 15)));
  }

  async initial(chain: ChainClient): Promise<Fees> {
    const base = await this.baseFee(chain);
    const tip = min(this.options.priorityFee, this.options.maxFeeCap);
    return { type: 2, maxFeePerGas: min(this.options.maxFeeCap, 2n * base + tip), maxPriorityFeePerGas: tip };
  }

  async bump(previous: Fees, chain: ChainClient): Promise<Fees | "rebroadcast"> {
    if (previous.type !== 2) return "rebroadcast";
    const raise = (v: bigint) => (v * (100n + this.bumpPercent) + 99n) / 100n;
    const base = await this.baseFee(chain);
    const tip = raise(previous.maxPriorityFeePerGas);
    const maxFee = max(raise(previous.maxFeePerGas), 2n * base + tip);
    // A replacement must beat the old one by the node's minimum on both fields; at the cap it cannot.
    if (maxFee > this.options.maxFeeCap || tip > this.options.maxFeeCap) return "rebroadcast";
    return { type: 2, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip };
  }

  /** The next block's base fee where the node tells it (the pending block), else the head's. */
  private async baseFee(chain: ChainClient): Promise<bigint> {
    const pending = await chain
      .request<{ baseFeePerGas?: string } | null>("eth_getBlockByNumber", ["pending", false])
      .catch(() => null);
    if (pending?.baseFeePerGas !== undefined) return BigInt(pending.baseFeePerGas);
    const head = await chain.getBlock(await chain.getBlockNumber());
    return head?.baseFeePerGas ?? 0n;
  }
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

export function feesToJson(fees: Fees): string {
  return JSON.stringify(fees, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function feesFromJson(text: string): Fees {
  const o = JSON.parse(text) as Record<string, string | number>;
  return o.type === 0
    ? { type: 0, gasPrice: BigInt(o.gasPrice!) }
    : { type: 2, maxFeePerGas: BigInt(o.maxFeePerGas!), maxPriorityFeePerGas: BigInt(o.maxPriorityFeePerGas!) };
}
