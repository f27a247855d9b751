import { setTimeout as sleep } from "node:timers/promises";

import { InjectedFaultError } from "./errors.js";

/**
 * The payout endpoint's fault switch (tests and the demo), held in memory: a restart clears it.
 * - `unavailable`: the next `count` payouts answer 503 before doing anything;
 * - `timeout`: they hang for `delayMs` (the caller's timeout fires first), then answer 503, doing nothing;
 * - `after_commit`: they pay out, then answer 503, as if the answer were lost on the way back.
 */
export type FaultMode = "none" | "unavailable" | "timeout" | "after_commit";

export interface FaultSetting {
  mode: FaultMode;
  count: number;
  delayMs: number;
}

export class FaultSwitch {
  private setting: FaultSetting = { mode: "none", count: 0, delayMs: 0 };

  set(setting: FaultSetting): void {
    this.setting = setting.count <= 0 ? { mode: "none", count: 0, delayMs: 0 } : { ...setting };
  }

  current(): FaultSetting {
    return { ...this.setting };
  }

  /** Takes one fault for this call, if any is armed. */
  take(): FaultSetting | undefined {
    if (this.setting.mode === "none" || this.setting.count <= 0) return undefined;
    const taken = { ...this.setting };
    this.setting.count -= 1;
    if (this.setting.count === 0) this.setting = { mode: "none", count: 0, delayMs: 0 };
    return taken;
  }

  /** Applies a fault that acts before the payout; `after_commit` is applied by the caller after it. */
  async before(fault: FaultSetting | undefined, signal: AbortSignal): Promise<void> {
    if (fault === undefined || fault.mode === "after_commit") return;
    if (fault.mode === "timeout") await sleep(fault.delayMs, undefined, { signal }).catch(() => undefined);
    throw new InjectedFaultError(fault.mode);
  }
}
