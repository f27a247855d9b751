import { expect } from "chai";

import { Lease, LeaseLostError, leaseHolder } from "../../../relayer/core/store/lease.js";
import { leaseColumnsMigration, RowLeases } from "../../../relayer/core/store/leased-rows.js";
import type { Store } from "../../../relayer/core/store/store.js";

/** One database shared by several instances: `open` gives each instance its own connection (or pool). */
export interface SharedDatabase {
  open(): Promise<Store>;
  destroy(): Promise<void>;
}

/** A clock the test moves by hand, so expiry is decided by the test and not by the machine's speed. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const TTL = 1_000;

/**
 * What several instances on one database rely on, for any store: named leases with fencing tokens (the
 * sender lease of a key, a listener subscription) and leased work rows.
 */
export function shouldShareWorkThroughLeases(
  newDatabase: () => Promise<SharedDatabase>,
  options: {
    /**
     * Whether two connections of one process may hold transactions at once. Not on SQLite: a second
     * connection's BEGIN IMMEDIATE waits synchronously on the first, which can then never commit (two
     * processes do contend for real, as the SIGKILL specs show); there the "at once" claims share a connection.
     */
    concurrentConnections: boolean;
  },
): void {
  let db: SharedDatabase;
  let a: Store;
  let b: Store;
  const clock = manualClock();

  beforeEach(async function () {
    db = await newDatabase();
    a = await db.open();
    b = await db.open();
    await Lease.migrate(a);
    await Lease.migrate(b);
    await a.migrate("work", [
      {
        version: 1,
        description: "work rows",
        async up(q) {
          await q.run("CREATE TABLE work (id TEXT PRIMARY KEY, state TEXT NOT NULL, n INTEGER NOT NULL)");
        },
      },
      leaseColumnsMigration(2, "work"),
      {
        version: 3,
        description: "fenced writes",
        up: (q) => q.run("CREATE TABLE fenced (writer TEXT NOT NULL, token INTEGER NOT NULL)").then(() => undefined),
      },
    ]);
  });

  afterEach(async function () {
    await a.close();
    await b.close();
    await db.destroy();
  });

  const lease = (store: Store, owner: string) =>
    new Lease({ store, name: "sender:31337:0xabc", owner, ttlMs: TTL, now: clock.now });
  const fencedWrite = (l: Lease, writer: string) =>
    l.fenced().tx((q) => q.run("INSERT INTO fenced (writer, token) VALUES (?, ?)", [writer, l.token ?? -1]));
  const fencedRows = () => a.read((q) => q.all<{ writer: string; token: number }>("SELECT * FROM fenced"));

  describe("a named lease with a fencing token", function () {
    it("is taken by the first instance with token 1 and refused to a second one while unexpired", async function () {
      const first = lease(a, "instance-a");
      const second = lease(b, "instance-b");
      expect(await first.acquire()).to.equal(1);
      expect(await second.acquire()).to.equal(undefined);
      expect(await leaseHolder(a, first.name)).to.include({ owner: "instance-a", token: 1 });
    });

    it("keeps its token when its holder renews it, and raises it when another instance takes it after expiry", async function () {
      const first = lease(a, "instance-a");
      const second = lease(b, "instance-b");
      await first.acquire();
      clock.advance(TTL / 2);
      expect(await first.acquire()).to.equal(1);
      clock.advance(TTL / 2 + 1);
      expect(await second.acquire(), "not expired yet: renewed half way").to.equal(undefined);
      clock.advance(TTL);
      expect(await second.acquire()).to.equal(2);
      expect(await first.acquire(), "the old holder finds it taken").to.equal(undefined);
    });

    it("refuses a write fenced by a stale token and changes nothing; the new holder's write commits", async function () {
      const first = lease(a, "instance-a");
      const second = lease(b, "instance-b");
      await first.acquire();
      await fencedWrite(first, "a, holding");
      clock.advance(TTL + 1); // instance a is paused past its lease...
      await second.acquire();
      // ...and wakes up to write under token 1.
      let refused: unknown;
      await fencedWrite(first, "a, stale").catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(LeaseLostError);
      expect(first.token, "the stale holder forgets its token").to.equal(undefined);
      await fencedWrite(second, "b, holding");
      expect(await fencedRows()).to.deep.equal([
        { writer: "a, holding", token: 1 },
        { writer: "b, holding", token: 2 },
      ]);
    });

    it("is taken back at once, with a new token, by its instance restarted after a crash; the dead incarnation's writes are refused", async function () {
      const crashed = lease(a, "instance-a");
      await crashed.acquire();
      const restarted = lease(b, "instance-a");
      expect(await restarted.acquire(), "no wait for the expiry").to.equal(2);
      let refused: unknown;
      await fencedWrite(crashed, "old incarnation").catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(LeaseLostError);
      expect(await fencedRows()).to.deep.equal([]);
    });

    it("notices two live processes under one instance name and lets the newer one send", async function () {
      const older = lease(a, "instance-a");
      await older.acquire();
      const newer = lease(b, "instance-a");
      expect(await newer.acquire()).to.equal(2);
      clock.advance(TTL / 2);
      expect(await older.acquire()).to.equal(undefined);
      expect(older.duplicate).to.equal(true);
      expect(await older.acquire(), "it stands by instead of taking the lease back").to.equal(undefined);
      expect(await newer.acquire()).to.equal(2);
    });

    it("passes to a standby at once when its holder releases it at a graceful stop", async function () {
      const first = lease(a, "instance-a");
      const second = lease(b, "instance-b");
      await first.acquire();
      await first.release();
      expect(await second.acquire()).to.equal(2);
    });
  });

  describe("leased work rows", function () {
    const rows = (store: Store, owner: string) =>
      new RowLeases({ store, table: "work", key: "id", owner, ttlMs: TTL, active: "state = 'open'", now: clock.now });
    const seed = (n: number) =>
      a.tx(async (q) => {
        for (let i = 0; i < n; i++) {
          await q.run("INSERT INTO work (id, state, n) VALUES (?, 'open', ?)", [`w${String(i).padStart(2, "0")}`, i]);
        }
      });
    const ids = (list: { id: string }[]) => list.map((r) => r.id);

    it("gives two instances claiming at once disjoint rows that together cover every due row", async function () {
      await seed(20);
      const other = options.concurrentConnections ? b : a;
      const [byA, byB] = await Promise.all([
        rows(a, "instance-a").claim<{ id: string }>("state = 'open'", [], "n", 12),
        rows(other, "instance-b").claim<{ id: string }>("state = 'open'", [], "n", 12),
      ]);
      expect(ids(byA).filter((id) => ids(byB).includes(id))).to.deep.equal([]);
      expect([...ids(byA), ...ids(byB)].sort()).to.have.length(20);
    });

    it("keeps an instance's rows from others while it lives, and hands them over after their lease expires", async function () {
      await seed(3);
      const mine = rows(a, "instance-a");
      const other = rows(b, "instance-b");
      expect(ids(await mine.claim("state = 'open'", [], "n", 10))).to.deep.equal(["w00", "w01", "w02"]);
      clock.advance(TTL - 1);
      expect(await mine.heartbeat(), "the heartbeat renews every open row").to.equal(3);
      clock.advance(TTL - 1);
      expect(await other.claim("state = 'open'", [], "n", 10), "renewed: still instance a's").to.deep.equal([]);
      // Instance a is killed: no more heartbeats.
      clock.advance(TTL + 1);
      expect(ids(await other.claim("state = 'open'", [], "n", 10))).to.deep.equal(["w00", "w01", "w02"]);
    });

    it("claims no row another instance holds, and only rows matching the condition", async function () {
      await seed(4);
      await a.tx((q) => q.run("UPDATE work SET state = 'done' WHERE id = 'w03'"));
      const first = rows(a, "instance-a");
      const second = rows(b, "instance-b");
      expect(ids(await first.claim("state = 'open' AND n < ?", [1], "n", 10))).to.deep.equal(["w00"]);
      expect(ids(await second.claim("state = 'open'", [], "n", 10))).to.deep.equal(["w01", "w02"]);
    });

    it("hands its open rows to another instance at once when released at a graceful stop", async function () {
      await seed(2);
      const first = rows(a, "instance-a");
      await first.claim("state = 'open'", [], "n", 10);
      await first.release();
      expect(ids(await rows(b, "instance-b").claim("state = 'open'", [], "n", 10))).to.deep.equal(["w00", "w01"]);
    });
  });
}
