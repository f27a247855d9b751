import { expect } from "chai";

import { toServiceError } from "../../relayer/core/kit/error-response.js";
import { StoreConflictError } from "../../relayer/core/store/errors.js";
import { PgStore, toNumberedPlaceholders } from "../../relayer/core/store/pg-store.js";
import type { Store } from "../../relayer/core/store/store.js";
import { newPostgresDatabase } from "./helpers/postgres.js";
import { shouldBehaveLikeStore } from "./store.behavior.js";

async function newPgDatabase() {
  const db = await newPostgresDatabase("store");
  return {
    url: db.url,
    open: () => PgStore.open({ url: db.url, poolSize: 8 }),
    destroy: () => db.drop(),
  };
}

const counter = {
  version: 1,
  description: "counter",
  async up(q: Parameters<Parameters<Store["tx"]>[0]>[0]) {
    await q.run("CREATE TABLE counter (id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
    await q.run("INSERT INTO counter (id, n) VALUES ('c', 0)");
  },
};

describe("PgStore", function () {
  this.timeout(60_000);

  describe("the Store contract", function () {
    shouldBehaveLikeStore(newPgDatabase);
  });

  describe("serializable write transactions", function () {
    let db: Awaited<ReturnType<typeof newPgDatabase>>;

    beforeEach(async function () {
      db = await newPgDatabase();
    });

    afterEach(async function () {
      await db.destroy();
    });

    it("runs a transaction again when another committed a write to what it read, so no update is lost", async function () {
      const store = await PgStore.open({ url: db.url, poolSize: 4 });
      try {
        await store.migrate("c", [counter]);
        let runs = 0;
        let effects = 0;
        await store.tx(async (q) => {
          runs++;
          q.afterCommit(() => effects++);
          const row = await q.get<{ n: number }>("SELECT n FROM counter WHERE id = 'c'");
          // The first run's read is overtaken: another transaction commits an increment in between.
          if (runs === 1) await store.tx((other) => other.run("UPDATE counter SET n = n + 1 WHERE id = 'c'"));
          await q.run("UPDATE counter SET n = ? WHERE id = 'c'", [row!.n + 1]);
        });
        const row = await store.read((q) => q.get<{ n: number }>("SELECT n FROM counter WHERE id = 'c'"));
        expect(row?.n).to.equal(2);
        expect(runs).to.equal(2);
        expect(effects, "the after-commit effect of the run that committed, only").to.equal(1);
      } finally {
        await store.close();
      }
    });

    it("gives up with StoreConflictError after its bounded attempts, committing nothing", async function () {
      const store = await PgStore.open({ url: db.url, poolSize: 4, maxAttempts: 3 });
      try {
        await store.migrate("c", [counter]);
        let runs = 0;
        let caught: unknown;
        await store
          .tx(async (q) => {
            runs++;
            const row = await q.get<{ n: number }>("SELECT n FROM counter WHERE id = 'c'");
            await store.tx((other) => other.run("UPDATE counter SET n = n + 100 WHERE id = 'c'"));
            await q.run("UPDATE counter SET n = ? WHERE id = 'c'", [row!.n + 1]);
          })
          .catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(StoreConflictError);
        expect(caught).to.include({ code: "STORE_CONFLICT" });
        expect(runs).to.equal(3);
        const row = await store.read((q) => q.get<{ n: number }>("SELECT n FROM counter WHERE id = 'c'"));
        expect(row?.n, "only the three competing increments committed").to.equal(300);
      } finally {
        await store.close();
      }
    });

    it("is answered over HTTP as 503 store_conflict, a refusal the caller may retry", function () {
      const answer = toServiceError(new StoreConflictError(20), 1024);
      expect(answer).to.include({ status: 503, code: "store_conflict" });
    });

    it("migrates once when two stores on one database migrate at the same time", async function () {
      const [a, b] = await Promise.all([PgStore.open({ url: db.url }), PgStore.open({ url: db.url })]);
      try {
        await Promise.all([a.migrate("c", [counter]), b.migrate("c", [counter])]);
        const rows = await a.read((q) => q.all("SELECT version FROM schema_migrations WHERE component = 'c'"));
        expect(rows).to.deep.equal([{ version: 1 }]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe("reads", function () {
    it("refuses a write sent through get() inside read() with ReadOnlyScopeError", async function () {
      const db = await newPgDatabase();
      const store = await db.open();
      try {
        await store.migrate("c", [counter]);
        let caught: unknown;
        await store
          .read((q) => q.get("UPDATE counter SET n = 5 WHERE id = 'c' RETURNING n"))
          .catch((e: unknown) => (caught = e));
        expect(caught).to.have.property("code", "STORE_READ_ONLY");
        const row = await store.read((q) => q.get<{ n: number }>("SELECT n FROM counter"));
        expect(row?.n).to.equal(0);
      } finally {
        await store.close();
        await db.destroy();
      }
    });
  });

  describe("lifecycle", function () {
    it("refuses to open on an unreachable database with a clear error that does not show the password", async function () {
      const db = await newPgDatabase();
      await db.destroy();
      let caught: unknown;
      await PgStore.open({ url: db.url }).catch((e: unknown) => (caught = e));
      expect(caught).to.have.property("code", "STORE_UNAVAILABLE");
      const password = new URL(db.url).password;
      expect((caught as Error).message).to.not.include(password);
    });

    it("survives the server closing an idle connection: the pool's error is handled and the next call reconnects", async function () {
      const db = await newPgDatabase();
      const errors: string[] = [];
      const store = await PgStore.open({
        url: db.url,
        poolSize: 2,
        logger: { warn: () => undefined, error: (_d, message) => errors.push(message) },
      });
      try {
        await store.migrate("c", [counter]);
        const admin = await PgStore.open({ url: db.url, poolSize: 1 });
        // Kill every other backend on this database: the store's idle connections among them.
        await admin.read((q) =>
          q.all(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
          ),
        );
        await admin.close();
        // The pool hears of it on an idle connection; an unhandled 'error' there would end this process.
        for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(errors).to.have.length.greaterThan(0);
        const row = await store.read((q) => q.get<{ n: number }>("SELECT n FROM counter"));
        expect(row?.n).to.equal(0);
      } finally {
        await store.close();
        await db.destroy();
      }
    });
  });

  describe("placeholders", function () {
    it("numbers ? outside string literals, quoted identifiers and comments", function () {
      expect(
        toNumberedPlaceholders(`SELECT '?', "a?b", x FROM t -- why?\nWHERE a = ? /* ? */ AND b = 'it''s ?' AND c = ?`),
      ).to.equal(`SELECT '?', "a?b", x FROM t -- why?\nWHERE a = $1 /* ? */ AND b = 'it''s ?' AND c = $2`);
    });
  });
});
