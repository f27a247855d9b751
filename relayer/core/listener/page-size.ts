/**
 * The block span of the next log query: halved when the node refuses a range (too many results, too
 * wide, timed out), doubled after a success, within [min, max].
 */
export class AdaptivePageSize {
  private current: number;

  constructor(
    readonly min: number,
    readonly max: number,
    initial: number,
  ) {
    if (!(min >= 1 && min <= initial && initial <= max)) {
      throw new RangeError(`page sizes must satisfy 1 <= min (${min}) <= initial (${initial}) <= max (${max})`);
    }
    this.current = initial;
  }

  get size(): number {
    return this.current;
  }

  /** False when already at the minimum: the refusal is not about the range's width. */
  shrink(): boolean {
    if (this.current === this.min) return false;
    this.current = Math.max(this.min, Math.floor(this.current / 2));
    return true;
  }

  grow(): void {
    this.current = Math.min(this.max, this.current * 2);
  }
}

// What nodes and providers answer to a log query that is too wide or too heavy (geth, Besu, Erigon,
// Alchemy, Infura, QuickNode wordings), and ethers' own timeout.
const RANGE_REFUSAL =
  /more than \d+ results|too many (results|logs|blocks)|block range|range (is )?too (large|wide)|exceed(s|ed)? .*(limit|range|size)|limit exceeded|response size|query timeout|timed? ?out|timeout/i;

export function isRangeRefusal(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; error?: { message?: unknown }; shortMessage?: unknown };
  if (e?.code === "TIMEOUT") return true;
  const text = [e?.message, e?.shortMessage, e?.error?.message].filter((m) => typeof m === "string").join(" ");
  return RANGE_REFUSAL.test(text);
}
