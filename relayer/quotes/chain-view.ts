import { JsonRpcProvider } from "ethers";

import { readCorridor } from "../../client/remittance.js";
import { RemittanceSettlement__factory, SettlementToken__factory } from "../../typechain-types/index.js";
import type { RemittanceSettlement } from "../../typechain-types/index.js";
import type { CorridorTerms } from "./quote-terms.js";

/**
 * What the quote service reads from the chain: corridors (cached: their tokens are fixed once opened;
 * limits and fees are re-read every `refreshMs`), the provider's ledger balance, remittance statuses.
 */
export class ChainView {
  readonly provider: JsonRpcProvider;
  readonly settlement: RemittanceSettlement;
  private readonly corridors = new Map<string, { terms: CorridorTerms; at: number }>();
  private readonly decimals = new Map<string, number>();

  constructor(options: { rpcUrl: string; chainId: number; settlement: string; timeoutMs: number }) {
    this.provider = new JsonRpcProvider(options.rpcUrl, options.chainId, {
      staticNetwork: true,
      cacheTimeout: -1,
      batchMaxCount: 1,
    });
    this.provider._getConnection().timeout = options.timeoutMs;
    this.settlement = RemittanceSettlement__factory.connect(options.settlement, this.provider);
  }

  /** The corridor with this id, or undefined when it is not open; `spreadBps` comes from the config. */
  async corridor(id: string, label: string, spreadBps: bigint, refreshMs = 30_000): Promise<CorridorTerms | undefined> {
    const cached = this.corridors.get(id);
    if (cached !== undefined && Date.now() - cached.at < refreshMs) return cached.terms;
    const c = await readCorridor(this.settlement, id);
    if (c === undefined || !c.enabled) return undefined;
    const terms: CorridorTerms = {
      id,
      label,
      sourceToken: c.sourceToken,
      destinationToken: c.destinationToken,
      sourceDecimals: await this.tokenDecimals(c.sourceToken),
      destinationDecimals: await this.tokenDecimals(c.destinationToken),
      minAmount: c.minAmount,
      maxAmount: c.maxAmount,
      feeFixed: c.feeFixed,
      feeBps: c.feeBps,
      settlementWindow: c.settlementWindow,
      spreadBps,
    };
    this.corridors.set(id, { terms, at: Date.now() });
    return terms;
  }

  balance(tenant: string, token: string): Promise<bigint> {
    return this.settlement.balanceOf(tenant, token);
  }

  /** The chain's head block number. */
  head(): Promise<number> {
    return this.provider.getBlockNumber();
  }

  /** Ids of the remittances initiated in blocks `from..to` (a remittance's id is its quote's id). */
  async initiatedIds(from: number, to: number): Promise<string[]> {
    const logs = await this.provider.getLogs({
      address: this.settlement.target as string,
      topics: [this.settlement.interface.getEvent("RemittanceInitiated").topicHash],
      fromBlock: from,
      toBlock: to,
    });
    return logs.map((l) => l.topics[1]!.toLowerCase());
  }

  /** 0 = None (no remittance used this id yet). */
  async status(id: string): Promise<number> {
    return Number(await this.settlement.statusOf(id));
  }

  private async tokenDecimals(token: string): Promise<number> {
    let d = this.decimals.get(token);
    if (d === undefined) {
      d = Number(await SettlementToken__factory.connect(token, this.provider).decimals());
      this.decimals.set(token, d);
    }
    return d;
  }

  destroy(): void {
    this.provider.destroy();
  }
}
