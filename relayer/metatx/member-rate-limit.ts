/**
 * Requests accepted per member (signer address) in a sliding window, in memory: the kit's HTTP limit is
 * per API key or IP, and a phone wallet's requests arrive from anywhere. Bounded: a member's entry keeps
 * at most `max` timestamps and idle members are swept.
 */
export class MemberRateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a hit and returns 0, or returns how many ms until one is allowed (nothing recorded). */
  take(member: string): number {
    const now = this.now();
    if (this.hits.size > 10_000) this.sweep(now);
    const recent = (this.hits.get(member) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(member, recent);
      return recent[0]! + this.windowMs - now;
    }
    recent.push(now);
    this.hits.set(member, recent);
    return 0;
  }

  private sweep(now: number): void {
    for (const [member, times] of this.hits) {
      if (times.every((t) => t <= now - this.windowMs)) this.hits.delete(member);
    }
  }
}
