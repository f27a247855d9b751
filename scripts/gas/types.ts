/** One row of the gas report: a business operation and what it cost. */
export interface GasRow {
  /** Capability the operation belongs to, e.g. "escrow". */
  group: string;
  /** What was done, e.g. "open + fund (transferFrom)". */
  operation: string;
  /** Gas used by the whole transaction (including the 21000 base). */
  gasUsed: bigint;
  /** How many business operations the transaction covers (a batch of 50 counts 50). */
  count?: number;
}
