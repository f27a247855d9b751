import { expect } from "chai";

import {
  checkResults,
  formatNumber,
  machineInfo,
  ratioOf,
  renderResults,
  renderSection,
  verdict,
  type BenchResults,
  type BenchSection,
} from "../../scripts/bench/results.js";

const section: BenchSection = {
  title: "Latency",
  rows: [
    { label: "p99", value: 2210, unit: "ms", ratio: 1.08, against: "two transfers", target: { max: 1.15 } },
    { label: "rate", value: 40.5, unit: "/s", ratio: 0.5, against: "capacity", target: { min: 0.8 } },
    { label: "baseline", value: 2046, unit: "ms", note: "p95 1990" },
  ],
};

const results = (): BenchResults => ({
  schema: 1,
  startedAt: "2026-11-29T23:00:00.000Z",
  durationSeconds: 251.4,
  machine: { nproc: 2, cpuModel: "Test CPU", node: "v22.20.0", platform: "linux-x64" },
  settings: { blockTimeMs: 1000 },
  sections: [section],
});

describe("benchmark results", function () {
  describe("verdict", function () {
    it("meets an at-most target at or below it, and misses it above", function () {
      expect(verdict({ label: "a", value: 1, unit: "ms", ratio: 1.15, target: { max: 1.15 } })).to.equal("met");
      expect(verdict({ label: "a", value: 1, unit: "ms", ratio: 1.16, target: { max: 1.15 } })).to.equal("missed");
    });

    it("meets an at-least target at or above it, and misses it below", function () {
      expect(verdict({ label: "a", value: 1, unit: "/s", ratio: 0.8, target: { min: 0.8 } })).to.equal("met");
      expect(verdict({ label: "a", value: 1, unit: "/s", ratio: 0.79, target: { min: 0.8 } })).to.equal("missed");
    });

    it("gives no verdict to a row without a target or without a ratio", function () {
      expect(verdict({ label: "a", value: 1, unit: "ms", ratio: 2 })).to.equal("");
      expect(verdict({ label: "a", value: 1, unit: "ms", target: { max: 1 } })).to.equal("");
    });
  });

  describe("ratioOf", function () {
    it("divides the value by its baseline", function () {
      expect(ratioOf(3, 2)).to.equal(1.5);
    });

    it("has no ratio against a baseline of zero or below, or for a value that is not finite", function () {
      expect(ratioOf(3, 0)).to.equal(undefined);
      expect(ratioOf(3, -1)).to.equal(undefined);
      expect(ratioOf(Number.NaN, 2)).to.equal(undefined);
    });
  });

  describe("formatNumber", function () {
    it("shows whole numbers with thousands separators from 100 up, and three significant digits below", function () {
      expect(formatNumber(61234.4)).to.equal("61,234");
      expect(formatNumber(40.54)).to.equal("40.5");
      expect(formatNumber(1.234)).to.equal("1.23");
      expect(formatNumber(0.01234)).to.equal("0.0123");
    });
  });

  describe("the printed table", function () {
    it("shows each row's value, ratio, baseline and target with its verdict", function () {
      const lines = renderSection(section).split("\n");
      expect(lines[0]).to.equal("## Latency");
      expect(lines).to.include("| p99 | 2,210 ms | 1.08× | two transfers | ≤ 1.15× met |");
      expect(lines).to.include("| rate | 40.5 /s | 0.50× | capacity | ≥ 0.8× missed |");
      expect(lines).to.include("| baseline (p95 1990) | 2,046 ms |  |  |  |");
    });

    it("opens with the machine the numbers were taken on, and how loaded it was", function () {
      const r = results();
      expect(renderResults(r)).to.contain("2 CPUs (Test CPU), Node v22.20.0, linux-x64.");
      r.machine.loadAverage = { start: 3.14, end: 2.5 };
      expect(renderResults(r)).to.contain("Load average 3.1 at the start, 2.5 at the end.");
    });
  });

  describe("the results file", function () {
    it("reads back what the bench writes", function () {
      const parsed = checkResults(JSON.parse(JSON.stringify(results())));
      expect(parsed.sections[0]!.rows[0]).to.deep.equal(section.rows[0]);
    });

    it("refuses a file of another schema, without a machine, or with a row missing its value", function () {
      expect(() => checkResults({ ...results(), schema: 2 })).to.throw(/schema 2/);
      const noMachine: Record<string, unknown> = { ...results() };
      delete noMachine.machine;
      expect(() => checkResults(noMachine)).to.throw(/machine/);
      const broken = results();
      (broken.sections[0]!.rows[1] as unknown as Record<string, unknown>).value = "fast";
      expect(() => checkResults(broken)).to.throw(/row of "Latency"/);
    });

    it("describes the machine by its CPU count, CPU model and Node version", function () {
      const m = machineInfo(2, "  Some CPU @ 2.0GHz ");
      expect(m).to.deep.equal({
        nproc: 2,
        cpuModel: "Some CPU @ 2.0GHz",
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      });
    });
  });
});
