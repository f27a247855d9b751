/**
 * The committed gas snapshot (`gas-snapshot.json`) and the check CI runs against it: a change that costs
 * gas fails until the snapshot is regenerated on purpose (`npm run gas`) and the diff is reviewed.
 */
import type { GasRow } from "./types.js";

/**
 * Tolerance of the check, in percent of the snapshot. The EVM is deterministic, but calldata with
 * fresh signatures and salts varies by a few bytes (16 gas per non-zero byte, 4 per zero byte) between
 * runs; 1 % is far above that noise and far below any real regression worth reviewing.
 */
export const GAS_TOLERANCE_PERCENT = 1;

export interface GasSnapshot {
  /** What the numbers are compared against in the report: a plain ERC-20 transfer between holders. */
  baseline: number;
  /** Gas per operation (per item for batches), keyed "group: operation". */
  operations: Record<string, number>;
}

export function snapshotOf(baseline: bigint, rows: readonly GasRow[]): GasSnapshot {
  const operations: Record<string, number> = {};
  for (const r of rows) {
    const perItem = r.count !== undefined && r.count > 1 ? r.gasUsed / BigInt(r.count) : r.gasUsed;
    operations[`${r.group}: ${r.operation}`] = Number(perItem);
  }
  return { baseline: Number(baseline), operations };
}

export function serializeSnapshot(snapshot: GasSnapshot): string {
  return JSON.stringify(snapshot, null, 2) + "\n";
}

export interface GasComparison {
  /** Operations that cost more than the tolerance allows: the check fails. */
  regressions: string[];
  /** Operations measured but not in the snapshot, or in it but no longer measured: the check fails. */
  unknown: string[];
  /** Operations that got cheaper beyond the tolerance: the check passes, and says to update the snapshot. */
  improvements: string[];
}

export function compareSnapshots(
  committed: GasSnapshot,
  measured: GasSnapshot,
  tolerancePercent = GAS_TOLERANCE_PERCENT,
): GasComparison {
  const result: GasComparison = { regressions: [], unknown: [], improvements: [] };
  const limit = (gas: number) => Math.floor((gas * (100 + tolerancePercent)) / 100);
  for (const [name, gas] of Object.entries(measured.operations)) {
    const before = committed.operations[name];
    if (before === undefined) {
      result.unknown.push(`${name}: ${gas} gas, not in the snapshot`);
      continue;
    }
    const change = `${name}: ${before} -> ${gas} gas (${(((gas - before) / before) * 100).toFixed(2)} %)`;
    if (gas > limit(before)) result.regressions.push(change);
    else if (gas < before - (limit(before) - before)) result.improvements.push(change);
  }
  for (const name of Object.keys(committed.operations)) {
    if (measured.operations[name] === undefined) result.unknown.push(`${name}: in the snapshot, no longer measured`);
  }
  return result;
}
