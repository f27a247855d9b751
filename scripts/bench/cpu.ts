/**
 * CPU time of each service process, read before and after a load so the cost of the stack per remittance
 * shows. Each service exposes `ledgerlink_process_cpu_seconds_total` (user + system, the process's own
 * `process.cpuUsage()`) at `/metrics`; where that cannot be read, `/proc/<pid>/stat` (utime + stime, in
 * clock ticks) is the fallback. The parsers are pure, for `test/bench/cpu.ts`.
 */
import { readFile } from "node:fs/promises";

/** Linux's USER_HZ: `/proc/<pid>/stat` counts CPU time in these ticks per second on every common kernel. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * utime + stime of a `/proc/<pid>/stat` line, in seconds. The command name (field 2) is in parentheses
 * and may itself hold spaces or parentheses, so fields are counted from the last ")": utime and stime are
 * fields 14 and 15 of the line.
 */
export function cpuSecondsFromStat(line: string, ticksPerSecond = CLOCK_TICKS_PER_SECOND): number {
  const close = line.lastIndexOf(")");
  if (close < 0) throw new SyntaxError("not a /proc/<pid>/stat line: no command name in parentheses");
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state): utime (14) is fields[11], stime (15) is fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new SyntaxError("not a /proc/<pid>/stat line: utime and stime are not whole numbers");
  }
  return (utime + stime) / ticksPerSecond;
}

/** The value of `ledgerlink_process_cpu_seconds_total` in a Prometheus text exposition. */
export function cpuSecondsFromMetrics(text: string): number {
  const line = text.split("\n").find((l) => /^ledgerlink_process_cpu_seconds_total(\{[^}]*\})?\s/.test(l));
  if (line === undefined) throw new SyntaxError("no ledgerlink_process_cpu_seconds_total in the metrics");
  const value = Number(line.trim().split(/\s+/)[1]);
  if (!Number.isFinite(value)) throw new SyntaxError(`unreadable ledgerlink_process_cpu_seconds_total: ${line}`);
  return value;
}

/** A service whose CPU time is read: its `/metrics` URL base and its pid. */
export interface CpuProbe {
  name: string;
  url?: string;
  pid?: number;
}

/** CPU seconds the process has used so far: from `/metrics`, else from `/proc/<pid>/stat`. */
export async function readCpuSeconds(probe: CpuProbe): Promise<number> {
  if (probe.url !== undefined) {
    try {
      const response = await fetch(`${probe.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return cpuSecondsFromMetrics(await response.text());
    } catch {
      // fall through to /proc
    }
  }
  if (probe.pid === undefined) throw new Error(`no CPU reading for ${probe.name}: neither /metrics nor a pid`);
  return cpuSecondsFromStat(await readFile(`/proc/${probe.pid}/stat`, "utf8"));
}

/** Every probe's CPU seconds, read side by side. */
export async function readAll(probes: readonly CpuProbe[]): Promise<Map<string, number>> {
  const values = await Promise.all(probes.map(async (p) => [p.name, await readCpuSeconds(p)] as const));
  return new Map(values);
}

/** CPU milliseconds per remittance of each service between two readings. */
export function cpuMsPerItem(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  items: number,
): Array<{ name: string; msPerItem: number; seconds: number }> {
  if (!(items > 0)) throw new RangeError(`CPU per item of ${items} items`);
  return [...after].map(([name, end]) => {
    const start = before.get(name);
    if (start === undefined) throw new Error(`no CPU reading of ${name} before the load`);
    const seconds = end - start;
    return { name, seconds, msPerItem: (seconds * 1000) / items };
  });
}
