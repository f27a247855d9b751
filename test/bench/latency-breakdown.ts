import { expect } from "chai";

import { SEGMENTS, segmentDurations, type Milestones } from "../../scripts/bench/latency-breakdown.js";

describe("benchmark latency breakdown", function () {
  const full: Milestones = {
    walletAccepted: 1_000,
    relayerAccepted: 1_010,
    initiateQueued: 1_060,
    initiateBroadcast: 1_080,
    initiatedSeen: 1_700,
    payoutIntent: 1_690,
    walletPaid: 1_700,
    confirmQueued: 1_720,
    confirmBroadcast: 1_740,
    paidOutSeen: 2_700,
    walletPaidOut: 2_705,
  };

  it("names the segments in the order a remittance travels, each starting where the one before ended", function () {
    for (let i = 1; i < SEGMENTS.length; i++) expect(SEGMENTS[i]!.from).to.equal(SEGMENTS[i - 1]!.to);
    expect(SEGMENTS[0]!.from).to.equal("walletAccepted");
    expect(SEGMENTS.at(-1)!.to).to.equal("walletPaidOut");
  });

  it("splits a remittance's time into segments that add up to its end-to-end time", function () {
    const durations = segmentDurations([full]);
    const total = [...durations.values()].reduce((sum, xs) => sum + xs[0]!, 0);
    expect(total).to.equal(full.walletPaidOut! - full.walletAccepted);
    expect(durations.get(SEGMENTS[0]!.name)).to.deep.equal([10]);
  });

  it("leaves out of a segment the remittances that lack one of its ends", function () {
    const partial: Milestones = { walletAccepted: 0, relayerAccepted: 5 };
    const durations = segmentDurations([full, partial]);
    expect(durations.get(SEGMENTS[0]!.name)).to.deep.equal([10, 5]);
    expect(durations.get(SEGMENTS[1]!.name)).to.deep.equal([50]);
  });
});
