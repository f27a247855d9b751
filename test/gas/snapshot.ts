import { expect } from "chai";

import { compareSnapshots, snapshotOf, type GasSnapshot } from "../../scripts/gas/snapshot.js";

const committed: GasSnapshot = {
  baseline: 36_559,
  operations: { "escrow: release": 50_000, "remittance: initiate": 100_000 },
};

describe("gas snapshot check", function () {
  it("passes a run within the tolerance", function () {
    const measured = { ...committed, operations: { "escrow: release": 50_400, "remittance: initiate": 99_700 } };
    expect(compareSnapshots(committed, measured)).to.deep.equal({ regressions: [], unknown: [], improvements: [] });
  });

  it("fails an operation that costs more than the tolerance allows", function () {
    const measured = { ...committed, operations: { ...committed.operations, "escrow: release": 50_501 } };
    expect(compareSnapshots(committed, measured).regressions).to.deep.equal([
      "escrow: release: 50000 -> 50501 gas (1.00 %)",
    ]);
  });

  it("reports operations added or removed since the snapshot", function () {
    const measured = { ...committed, operations: { "escrow: release": 50_000, "escrow: refund": 40_000 } };
    expect(compareSnapshots(committed, measured).unknown).to.have.members([
      "escrow: refund: 40000 gas, not in the snapshot",
      "remittance: initiate: in the snapshot, no longer measured",
    ]);
  });

  it("records batches per item", function () {
    const snapshot = snapshotOf(36_559n, [
      { group: "remittance", operation: "initiateBatch (50)", gasUsed: 5_000_000n, count: 50 },
    ]);
    expect(snapshot.operations["remittance: initiateBatch (50)"]).to.equal(100_000);
  });
});
