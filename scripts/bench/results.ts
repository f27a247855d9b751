/**
 * The benchmark's results: rows of measured values, each set against a baseline measured in the same run
 * (`ratio`) and, where the design has one, a target. Printed as a table and written as JSON
 * (`bench/results.json`). Pure: no clock, no chain, so `test/bench/results.ts` checks the shape exactly.
 *
 * A section is any function that returns rows: another module adds its own measure by returning
 * `BenchRow`s (`{ label, value, unit, ratio? }` is enough) from a `BenchSection`.
 */
import { cpus } from "node:os";

/** One measured value. */
export interface BenchRow {
  label: string;
  value: number;
  unit: string;
  /** `value` over the baseline it is set against (`against` says which), measured in the same run. */
  ratio?: number;
  /** What the ratio is taken against, e.g. "two dependent transfers, p99". */
  against?: string;
  /** The design's target for the ratio: at least (`min`) or at most (`max`) this. */
  target?: { min?: number; max?: number };
  /** A short note shown after the row (what limits it, how it was measured). */
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** Anything else worth keeping for the run (breakdowns, counts), written to the JSON only. */
  details?: unknown;
}

/** The machine a run was taken on: numbers mean little without it. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  platform: string;
  /**
   * The 1-minute load average when the run started and when it ended: on a shared machine other work
   * competes for the same CPUs, and the figures mean less the higher this is against `nproc`.
   */
  loadAverage?: { start: number; end: number };
}

export interface BenchResults {
  /** Bumped when the shape changes, so a reader of an older file knows. */
  schema: 1;
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  settings: Record<string, string | number | boolean>;
  sections: BenchSection[];
}

/** A row's verdict against its target: "met", "missed", or "" when it has none. */
export function verdict(row: BenchRow): "met" | "missed" | "" {
  if (row.target === undefined || row.ratio === undefined || !Number.isFinite(row.ratio)) return "";
  const { min, max } = row.target;
  if (min !== undefined && row.ratio < min) return "missed";
  if (max !== undefined && row.ratio > max) return "missed";
  return "met";
}

/** `value / baseline`, or undefined when the baseline is not a positive number (nothing to compare to). */
export function ratioOf(value: number, baseline: number): number | undefined {
  if (!(baseline > 0) || !Number.isFinite(value)) return undefined;
  return value / baseline;
}

/** The machine this process runs on, from the OS (`/proc/cpuinfo`'s model name through `os.cpus()`). */
export function machineInfo(nproc: number, cpuModel = cpus()[0]?.model ?? "unknown"): MachineInfo {
  return { nproc, cpuModel: cpuModel.trim(), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Rounds for display: three significant digits below 100, whole numbers above. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString("en-US");
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function targetText(target: BenchRow["target"]): string {
  if (target === undefined) return "";
  const parts: string[] = [];
  if (target.min !== undefined) parts.push(`≥ ${target.min}×`);
  if (target.max !== undefined) parts.push(`≤ ${target.max}×`);
  return parts.join(", ");
}

/** A section as a Markdown table: measure, value, ratio and what it is against, target and verdict. */
export function renderSection(section: BenchSection): string {
  const lines = [
    `## ${section.title}`,
    "",
    "| measure | value | ratio | against | target |",
    "| --- | ---: | ---: | --- | --- |",
  ];
  for (const row of section.rows) {
    const ratio = row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}×`;
    const target = targetText(row.target);
    const result = verdict(row);
    const note = row.note === undefined ? "" : ` (${row.note})`;
    lines.push(
      `| ${row.label}${note} | ${formatNumber(row.value)} ${row.unit} | ${ratio} | ${row.against ?? ""} | ` +
        `${target}${result === "" ? "" : ` ${result}`} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The whole report: the machine, then every section's table. */
export function renderResults(results: BenchResults): string {
  const m = results.machine;
  const load =
    m.loadAverage === undefined
      ? ""
      : ` Load average ${m.loadAverage.start.toFixed(1)} at the start, ${m.loadAverage.end.toFixed(1)} at the end.`;
  return [
    "# LedgerLink BaaS benchmark",
    "",
    `${results.startedAt}, ${results.durationSeconds.toFixed(0)} s; ${m.nproc} CPUs (${m.cpuModel}), ` +
      `Node ${m.node}, ${m.platform}.${load}`,
    "",
    ...results.sections.map(renderSection),
  ].join("\n");
}

/** Checks that a parsed results file has the shape this module writes; throws a readable error if not. */
export function checkResults(value: unknown): BenchResults {
  const fail = (why: string): never => {
    throw new TypeError(`not a bench results file: ${why}`);
  };
  if (typeof value !== "object" || value === null) fail("not an object");
  const r = value as Partial<BenchResults>;
  if (r.schema !== 1) fail(`schema ${String(r.schema)} is not 1`);
  if (typeof r.startedAt !== "string" || Number.isNaN(Date.parse(r.startedAt))) fail("startedAt is not a date");
  if (typeof r.durationSeconds !== "number") fail("durationSeconds is not a number");
  const m = r.machine as Partial<MachineInfo> | undefined;
  if (typeof m?.nproc !== "number" || typeof m.cpuModel !== "string" || typeof m.node !== "string") {
    fail("machine lacks nproc, cpuModel or node");
  }
  if (!Array.isArray(r.sections)) fail("sections is not an array");
  for (const section of r.sections!) {
    if (typeof section.title !== "string" || !Array.isArray(section.rows)) fail("a section lacks title or rows");
    for (const row of section.rows) {
      if (typeof row.label !== "string" || typeof row.value !== "number" || typeof row.unit !== "string") {
        fail(`a row of "${section.title}" lacks label, value or unit`);
      }
      if (row.ratio !== undefined && typeof row.ratio !== "number") fail(`row "${row.label}" has a ratio not a number`);
    }
  }
  return r as BenchResults;
}
