import { expect } from "chai";

import { seededRandom } from "../../../scripts/lib/stats.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { ServiceError } from "../../../relayer/core/kit/errors.js";
import {
  availableOf,
  fundedOf,
  getBudget,
  reserve,
  setGrant,
  settle,
  topUp,
  type Budget,
} from "../../../relayer/metatx/budgets.js";
import { METATX_COMPONENT, metatxMigrations } from "../../../relayer/metatx/schema.js";
import { newTestDatabase, STORE_KINDS, type TestDatabase } from "../helpers/stores.js";

const TENANT = "0x" + "11".repeat(32);

for (const kind of STORE_KINDS) {
  describe(`gas budgets (${kind} store)`, function () {
    this.timeout(60_000);
    let database: TestDatabase;
    let store: Store;

    beforeEach(async function () {
      database = await newTestDatabase(kind, "budgets", { inMemory: true });
      store = await database.open();
      await store.migrate(METATX_COMPONENT, metatxMigrations);
    });
    afterEach(async function () {
      await store.close();
      await database.destroy();
    });

    const codeOf = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (error) {
        if (error instanceof ServiceError) return error.code;
        throw error;
      }
      return undefined;
    };

    for (const seed of [1, 7, 42, 2026]) {
      it(`keeps reserved + spent + available = funded over a random sequence (seed ${seed}), matching a model`, async function () {
        const random = seededRandom(seed);
        const int = (max: number) => BigInt(Math.floor(random() * max));
        const model: Budget = { tenant: TENANT, granted: 0n, sponsored: 0n, reserved: 0n, spent: 0n };
        const open: Array<{ id: string; amount: bigint }> = [];
        for (let step = 0; step < 300; step++) {
          const op = random();
          if (op < 0.15) {
            const amount = int(1_000_000);
            const ok = model.sponsored + amount - model.reserved - model.spent >= 0n;
            const code = await codeOf(store.tx((q) => setGrant(q, TENANT, amount)));
            expect(code).to.equal(ok ? undefined : "budget_below_used");
            if (ok) model.granted = amount;
          } else if (op < 0.3) {
            const amount = int(100_000);
            await store.tx((q) => topUp(q, TENANT, amount, "0xsponsor"));
            model.sponsored += amount;
          } else if (op < 0.65) {
            const amount = int(200_000);
            const id = `f${step}`;
            const ok = availableOf(model) >= amount;
            const code = await codeOf(store.tx((q) => reserve(q, TENANT, amount, id)));
            expect(code).to.equal(ok ? undefined : "budget_exhausted");
            if (ok) {
              model.reserved += amount;
              open.push({ id, amount });
            }
          } else if (open.length > 0) {
            const [r] = open.splice(Math.floor(random() * open.length), 1);
            // What a receipt costs never exceeds the reservation (gas used ≤ limit, price ≤ cap).
            const charged = random() < 0.2 ? 0n : BigInt(Math.floor(random() * Number(r!.amount + 1n)));
            await store.tx((q) => settle(q, TENANT, r!.amount, charged, r!.id));
            model.reserved -= r!.amount;
            model.spent += charged;
          }
          const stored = await store.read((q) => getBudget(q, TENANT));
          expect(stored).to.deep.equal(model);
          expect(stored.reserved + stored.spent + availableOf(stored)).to.equal(fundedOf(stored));
          expect(availableOf(stored) >= 0n).to.equal(true);
        }
        // Every change is in the history, in order.
        const events = await store.read((q) =>
          q.all<{ n: number }>("SELECT COUNT(*) AS n FROM metatx_budget_events WHERE tenant = ?", [TENANT]),
        );
        expect(events[0]!.n > 0).to.equal(true);
      });
    }

    it("a refused reservation or grant changes nothing and records nothing", async function () {
      await store.tx((q) => setGrant(q, TENANT, 100n));
      await store.tx((q) => reserve(q, TENANT, 60n, "a"));
      const before = await store.read((q) => getBudget(q, TENANT));
      expect(await codeOf(store.tx((q) => reserve(q, TENANT, 41n, "b")))).to.equal("budget_exhausted");
      expect(await codeOf(store.tx((q) => setGrant(q, TENANT, 59n)))).to.equal("budget_below_used");
      expect(await store.read((q) => getBudget(q, TENANT))).to.deep.equal(before);
      const kinds = await store.read((q) =>
        q.all<{ kind: string }>("SELECT kind FROM metatx_budget_events ORDER BY seq"),
      );
      expect(kinds.map((k) => k.kind)).to.deep.equal(["grant_set", "reserve"]);
    });
  });
}
