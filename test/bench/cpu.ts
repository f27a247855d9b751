import { expect } from "chai";

import { cpuMsPerItem, cpuSecondsFromMetrics, cpuSecondsFromStat } from "../../scripts/bench/cpu.js";

// A real line of /proc/<pid>/stat (a node process), with utime 1234 and stime 56 ticks.
const STAT =
  "4242 (node) S 4200 4242 4200 0 -1 4194560 31061 0 0 0 1234 56 0 0 20 0 11 0 123456 1234567890 34567 " +
  "18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0";

describe("benchmark CPU accounting", function () {
  describe("cpuSecondsFromStat", function () {
    it("adds utime and stime (fields 14 and 15) and turns clock ticks into seconds", function () {
      expect(cpuSecondsFromStat(STAT)).to.equal(12.9);
      expect(cpuSecondsFromStat(STAT, 1000)).to.equal(1.29);
    });

    it("counts fields from the end of the command name, which may hold spaces and parentheses", function () {
      expect(cpuSecondsFromStat(STAT.replace("(node)", "(my (odd) name)"))).to.equal(12.9);
    });

    it("refuses a line that is not a stat line", function () {
      expect(() => cpuSecondsFromStat("hello")).to.throw(SyntaxError);
      expect(() => cpuSecondsFromStat("1 (node) S 2")).to.throw(SyntaxError);
    });
  });

  describe("cpuSecondsFromMetrics", function () {
    it("reads ledgerlink_process_cpu_seconds_total from a Prometheus exposition", function () {
      const text = [
        "# HELP ledgerlink_process_cpu_user_seconds_total Total user CPU time spent in seconds.",
        "ledgerlink_process_cpu_user_seconds_total 3.5",
        "# TYPE ledgerlink_process_cpu_seconds_total counter",
        "ledgerlink_process_cpu_seconds_total 4.25",
      ].join("\n");
      expect(cpuSecondsFromMetrics(text)).to.equal(4.25);
    });

    it("refuses an exposition without it", function () {
      expect(() => cpuSecondsFromMetrics("process_cpu_seconds_total 1\n")).to.throw(/no ledgerlink_process_cpu/);
    });
  });

  describe("cpuMsPerItem", function () {
    it("divides each service's CPU time between the readings by the items done", function () {
      const before = new Map([
        ["hkOperator", 10],
        ["quotes", 2],
      ]);
      const after = new Map([
        ["hkOperator", 12],
        ["quotes", 2.5],
      ]);
      expect(cpuMsPerItem(before, after, 100)).to.deep.equal([
        { name: "hkOperator", seconds: 2, msPerItem: 20 },
        { name: "quotes", seconds: 0.5, msPerItem: 5 },
      ]);
    });

    it("refuses a service read only after the load, and a load of no items", function () {
      expect(() => cpuMsPerItem(new Map(), new Map([["quotes", 1]]), 1)).to.throw(/quotes/);
      expect(() => cpuMsPerItem(new Map(), new Map(), 0)).to.throw(RangeError);
    });
  });
});
