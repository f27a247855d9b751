import { expect } from "chai";

import {
  batchSizes,
  capacityPerSecond,
  gasPerItem,
  operationsPerBlock,
  percentile,
  ratePerSecond,
  seededRandom,
  summarize,
} from "../../scripts/lib/stats.js";

describe("benchmark statistics", function () {
  describe("percentile", function () {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100, 99, ..., 1, unsorted

    it("takes the nearest rank: the 50th of 1..100 is 50 and the 99th is 99", function () {
      expect(percentile(hundred, 50)).to.equal(50);
      expect(percentile(hundred, 99)).to.equal(99);
    });

    it("returns the largest sample for the 100th percentile", function () {
      expect(percentile(hundred, 100)).to.equal(100);
    });

    it("returns the largest sample as the 99th percentile of fewer than 100 samples", function () {
      expect(percentile([5, 1, 9, 3], 99)).to.equal(9);
    });

    it("returns the smallest sample for a percentile below the first rank", function () {
      expect(percentile([30, 10, 20], 1)).to.equal(10);
    });

    it("always returns one of the samples, never an interpolation", function () {
      expect(percentile([10, 20], 50)).to.equal(10);
    });

    it("leaves the samples it is given in their order", function () {
      const samples = [3, 1, 2];
      percentile(samples, 50);
      expect(samples).to.deep.equal([3, 1, 2]);
    });

    it("refuses an empty series", function () {
      expect(() => percentile([], 50)).to.throw(RangeError, "empty");
    });

    it("refuses a percentile of zero or above 100", function () {
      expect(() => percentile([1], 0)).to.throw(RangeError, "not in (0, 100]");
      expect(() => percentile([1], 100.5)).to.throw(RangeError, "not in (0, 100]");
    });
  });

  describe("summarize", function () {
    it("reports count, extremes, mean and the 50th, 95th and 99th percentiles", function () {
      expect(summarize([4, 1, 3, 2])).to.deep.equal({ count: 4, min: 1, p50: 2, p95: 4, p99: 4, max: 4, mean: 2.5 });
    });

    it("refuses an empty series", function () {
      expect(() => summarize([])).to.throw(RangeError, "empty");
    });
  });

  describe("gasPerItem", function () {
    it("divides the gas of all transactions by all the items they carry", function () {
      // Hardhat's chai matchers take over `closeTo` for integers only, so the tolerance is checked by hand.
      const perItem = gasPerItem([
        { gasUsed: 4_100_000n, items: 100 },
        { gasUsed: 2_060_000n, items: 50 },
      ]);
      expect(Math.abs(perItem - 6_160_000 / 150)).to.be.below(1e-9);
    });

    it("refuses transactions that carry no item", function () {
      expect(() => gasPerItem([{ gasUsed: 21_000n, items: 0 }])).to.throw(RangeError, "no items");
    });
  });

  describe("capacityPerSecond", function () {
    it("is the block gas limit over the gas of one operation, per block interval", function () {
      expect(capacityPerSecond(30_000_000n, 50_000, 1000)).to.equal(600);
      expect(capacityPerSecond(30_000_000n, 50_000, 2000)).to.equal(300);
    });

    it("keeps the fraction of an operation a block cannot hold whole", function () {
      expect(Math.abs(capacityPerSecond(30_000_000n, 70_000, 1000) - 30_000_000 / 70_000)).to.be.below(1e-9);
    });

    it("refuses a gas per operation or a block time that is not positive", function () {
      expect(() => capacityPerSecond(30_000_000n, 0, 1000)).to.throw(RangeError, "gas per operation");
      expect(() => capacityPerSecond(30_000_000n, 50_000, 0)).to.throw(RangeError, "block time");
    });
  });

  describe("ratePerSecond", function () {
    it("is the count over the elapsed seconds", function () {
      expect(ratePerSecond(1500, 2500)).to.equal(600);
    });

    it("refuses an elapsed time that is not positive", function () {
      expect(() => ratePerSecond(1, 0)).to.throw(RangeError, "elapsed");
    });
  });

  describe("operationsPerBlock", function () {
    it("offers as many operations as the loaded share of the block gas limit holds, rounded down", function () {
      expect(operationsPerBlock(30_000_000n, 54_000, 1)).to.equal(555);
      expect(operationsPerBlock(30_000_000n, 54_000, 0.5)).to.equal(277);
    });

    it("refuses a load or a gas per operation that is not positive", function () {
      expect(() => operationsPerBlock(30_000_000n, 54_000, 0)).to.throw(RangeError, "load");
      expect(() => operationsPerBlock(30_000_000n, -1, 1)).to.throw(RangeError, "gas per operation");
    });
  });

  describe("batchSizes", function () {
    it("splits into the fewest batches of at most the maximum, as even as possible", function () {
      expect(batchSizes(250, 100)).to.deep.equal([84, 83, 83]);
      expect(batchSizes(553, 100)).to.deep.equal([93, 92, 92, 92, 92, 92]);
    });

    it("keeps whole batches whole", function () {
      expect(batchSizes(200, 100)).to.deep.equal([100, 100]);
    });

    it("makes no batch of nothing", function () {
      expect(batchSizes(0, 100)).to.deep.equal([]);
    });

    it("refuses a negative or fractional count and a maximum below one", function () {
      expect(() => batchSizes(-1, 100)).to.throw(RangeError, "count");
      expect(() => batchSizes(1.5, 100)).to.throw(RangeError, "count");
      expect(() => batchSizes(10, 0)).to.throw(RangeError, "batch size");
    });
  });

  describe("seededRandom", function () {
    it("gives the same sequence for the same seed", function () {
      const a = seededRandom(42);
      const b = seededRandom(42);
      expect(Array.from({ length: 5 }, a)).to.deep.equal(Array.from({ length: 5 }, b));
    });

    it("gives another sequence for another seed", function () {
      expect(seededRandom(1)()).to.not.equal(seededRandom(2)());
    });

    it("stays within [0, 1)", function () {
      const random = seededRandom(7);
      for (let i = 0; i < 1000; i++) expect(random()).to.be.at.least(0).and.below(1);
    });
  });
});
