import { expect } from "chai";

import type { Store } from "../../../relayer/core/store/store.js";
import { enqueue } from "../../../relayer/core/webhooks/outbox.js";
import { WEBHOOKS_COMPONENT, webhookMigrations } from "../../../relayer/core/webhooks/schema.js";
import { newTestDatabase, type TestDatabase } from "../helpers/stores.js";

/**
 * The outbox's sequence numbers with two instances enqueueing for one endpoint at once (PostgreSQL: two
 * pools, real concurrent transactions). A reader delivers an endpoint's lowest pending number first, so
 * the number order must be the commit order: a later number committed first would be delivered ahead of
 * an earlier one still to commit.
 */
describe("Webhook outbox: sequence numbers with two instances on one PostgreSQL database", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let a: Store;
  let b: Store;

  beforeEach(async function () {
    db = await newTestDatabase("postgres", "outbox_seq");
    a = await db.open();
    b = await db.open();
    await a.migrate(WEBHOOKS_COMPONENT, webhookMigrations);
  });

  afterEach(async function () {
    await a.close();
    await b.close();
    await db.destroy();
  });

  const message = (id: string) => ({ endpoint: "wallet", eventType: "remittance.status_changed", payload: {}, id });

  it("makes an enqueuer wait for the open transaction that took the number before it, so numbers follow commit order", async function () {
    const committed: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let enqueued!: () => void;
    const firstEnqueued = new Promise<void>((resolve) => (enqueued = resolve));
    const first = a
      .tx(async (q) => {
        await enqueue(q, message("m-first"));
        enqueued();
        await held; // instance A's transaction stays open
      })
      .then(() => committed.push("m-first"));
    await firstEnqueued;
    const second = b.tx((q) => enqueue(q, message("m-second"))).then(() => committed.push("m-second"));
    // Instance B's enqueue is under way and waits on the endpoint's counter row, held by A until it commits.
    for (;;) {
      const waiting = await a.read((q) =>
        q.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        ),
      );
      if (Number(waiting!.n) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(committed, "B cannot commit while A is open").to.deep.equal([]);
    release();
    await Promise.all([first, second]);
    expect(committed).to.deep.equal(["m-first", "m-second"]);
    const rows = await a.read((q) =>
      q.all<{ id: string; seq: number }>("SELECT id, seq FROM webhook_messages WHERE endpoint = 'wallet' ORDER BY seq"),
    );
    expect(rows.map((r) => [r.id, Number(r.seq)])).to.deep.equal([
      ["m-first", 1],
      ["m-second", 2],
    ]);
  });
});
