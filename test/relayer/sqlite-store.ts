import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { SqliteStore } from "../../relayer/core/store/sqlite-store.js";
import { shouldBehaveLikeStore } from "./store.behavior.js";

async function newSqliteDatabase() {
  const dir = await mkdtemp(path.join(tmpdir(), "ll-store-"));
  const file = path.join(dir, "store.sqlite");
  return {
    file,
    open: () => SqliteStore.open(file),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
}

describe("SqliteStore", function () {
  describe("the Store contract", function () {
    shouldBehaveLikeStore(newSqliteDatabase);
  });

  describe("group commit", function () {
    let db: Awaited<ReturnType<typeof newSqliteDatabase>>;
    let store: SqliteStore;

    beforeEach(async function () {
      db = await newSqliteDatabase();
      store = await db.open();
      await store.migrate("t", [
        {
          version: 1,
          description: "t",
          up: (q) => q.run("CREATE TABLE t (x INTEGER PRIMARY KEY)").then(() => {}),
        },
      ]);
    });

    afterEach(async function () {
      await store.close();
      await db.destroy();
    });

    const count = async (s: SqliteStore = store) =>
      Number((await s.read((q) => q.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")))!.n);

    it("commits transactions that wait together, each with its own writes and its own answer", async function () {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.tx(async (q) => (await q.run("INSERT INTO t (x) VALUES (?)", [i])).changes),
        ),
      );
      expect(answers).to.deep.equal(Array(20).fill(1));
      expect(await count()).to.equal(20);
    });

    it("rolls back only the transaction that throws; the others of its group commit", async function () {
      const outcomes = await Promise.allSettled([
        store.tx((q) => q.run("INSERT INTO t (x) VALUES (1)")),
        store.tx(async (q) => {
          await q.run("INSERT INTO t (x) VALUES (2)");
          throw new Error("refused");
        }),
        store.tx((q) => q.run("INSERT INTO t (x) VALUES (1)")), // a constraint failure, its own
        store.tx((q) => q.run("INSERT INTO t (x) VALUES (3)")),
      ]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["fulfilled", "rejected", "rejected", "fulfilled"]);
      const rows = await store.read((q) => q.all<{ x: number }>("SELECT x FROM t ORDER BY x"));
      expect(rows.map((r) => r.x)).to.deep.equal([1, 3]);
    });

    it("answers no caller before the group's writes are committed: another connection sees them", async function () {
      const other = await db.open();
      try {
        await Promise.all(
          [1, 2, 3].map((x) =>
            store
              .tx(async (q) => {
                await q.run("INSERT INTO t (x) VALUES (?)", [x]);
              })
              .then(() => count(other)),
          ),
        ).then((seen) => {
          for (const n of seen) expect(n).to.equal(3);
        });
      } finally {
        await other.close();
      }
    });

    it("runs the transactions of a group in the order they were asked for, each seeing the ones before", async function () {
      const seen = await Promise.all(
        [10, 20, 30].map((x) =>
          store.tx(async (q) => {
            const before = await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM t");
            await q.run("INSERT INTO t (x) VALUES (?)", [x]);
            return Number(before!.n);
          }),
        ),
      );
      expect(seen).to.deep.equal([0, 1, 2]);
    });
  });

  describe("SQLite settings", function () {
    it("opens the file in WAL mode with synchronous=FULL, foreign keys on and a busy timeout", async function () {
      const db = await newSqliteDatabase();
      const store = await db.open();
      try {
        const pragmas = await store.read(async (q) => ({
          journal: (await q.get<{ journal_mode: string }>("PRAGMA journal_mode"))?.journal_mode,
          synchronous: (await q.get<{ synchronous: number }>("PRAGMA synchronous"))?.synchronous,
          foreignKeys: (await q.get<{ foreign_keys: number }>("PRAGMA foreign_keys"))?.foreign_keys,
          busy: (await q.get<{ timeout: number }>("PRAGMA busy_timeout"))?.timeout,
        }));
        expect(pragmas).to.deep.equal({ journal: "wal", synchronous: 2, foreignKeys: 1, busy: 5000 });
      } finally {
        await store.close();
        await db.destroy();
      }
    });

    it("lets a second connection to the same file see committed writes", async function () {
      const db = await newSqliteDatabase();
      const first = await db.open();
      const second = await db.open();
      try {
        await first.migrate("t", [
          { version: 1, description: "t", up: (q) => q.run("CREATE TABLE t (x INTEGER)").then(() => {}) },
        ]);
        await first.tx((q) => q.run("INSERT INTO t (x) VALUES (1)"));
        const rows = await second.read((q) => q.all("SELECT x FROM t"));
        expect(rows).to.deep.equal([{ x: 1 }]);
      } finally {
        await first.close();
        await second.close();
        await db.destroy();
      }
    });
  });
});
