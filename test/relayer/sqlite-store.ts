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
