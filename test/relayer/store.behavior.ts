import { expect } from "chai";

import {
  InvalidMigrationsError,
  ReadOnlyScopeError,
  SchemaTooNewError,
  StoreClosedError,
} from "../../relayer/core/store/errors.js";
import type { Migration, Store } from "../../relayer/core/store/store.js";

/** One database for one test: `open` may be called again on it to model a restart. */
export interface StoreDatabase {
  open(): Promise<Store>;
  destroy(): Promise<void>;
}

const accounts: Migration = {
  version: 1,
  description: "accounts",
  async up(q) {
    await q.run("CREATE TABLE accounts (id TEXT PRIMARY KEY, balance TEXT NOT NULL, updated_at INTEGER NOT NULL)");
  },
};
const accountsFlag: Migration = {
  version: 2,
  description: "accounts.frozen",
  async up(q) {
    await q.run("ALTER TABLE accounts ADD COLUMN frozen INTEGER NOT NULL DEFAULT 0");
  },
};

async function versionOf(store: Store, component: string): Promise<number> {
  const row = await store.read((q) =>
    q.get<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?", [component]),
  );
  return Number(row?.v ?? 0);
}

/**
 * The contract every Store implementation keeps (SQLite today, PostgreSQL later). Business logic
 * relies on exactly these behaviours and nothing else.
 */
export function shouldBehaveLikeStore(newDatabase: () => Promise<StoreDatabase>): void {
  let db: StoreDatabase;
  let store: Store;

  beforeEach(async function () {
    db = await newDatabase();
    store = await db.open();
  });

  afterEach(async function () {
    await store.close();
    await db.destroy();
  });

  describe("migrations", function () {
    it("applies a component's migrations in order and records each version", async function () {
      await store.migrate("ledger", [accounts, accountsFlag]);
      expect(await versionOf(store, "ledger")).to.equal(2);
      await store.tx((q) => q.run("INSERT INTO accounts (id, balance, updated_at, frozen) VALUES ('a', '1', 0, 1)"));
    });

    it("applies only the migrations above the recorded version when run again with more", async function () {
      await store.migrate("ledger", [accounts]);
      await store.tx((q) => q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '5', 0)"));
      await store.migrate("ledger", [accounts, accountsFlag]);
      const row = await store.read((q) => q.get<{ balance: string; frozen: number }>("SELECT * FROM accounts"));
      expect(row).to.deep.include({ balance: "5", frozen: 0 });
      expect(await versionOf(store, "ledger")).to.equal(2);
    });

    it("keeps versions per component, so two components migrate independently", async function () {
      await store.migrate("ledger", [accounts, accountsFlag]);
      await store.migrate("other", [
        { version: 1, description: "t", up: (q) => q.run("CREATE TABLE other_t (x INTEGER)").then(() => {}) },
      ]);
      expect(await versionOf(store, "ledger")).to.equal(2);
      expect(await versionOf(store, "other")).to.equal(1);
    });

    it("refuses a database migrated by newer code than the one running", async function () {
      await store.migrate("ledger", [accounts, accountsFlag]);
      let caught: unknown;
      await store.migrate("ledger", [accounts]).catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(SchemaTooNewError);
      expect(caught).to.include({ component: "ledger", recorded: 2, known: 1 });
    });

    it("refuses migrations that are not numbered 1, 2, 3 ...", async function () {
      let caught: unknown;
      await store.migrate("ledger", [accountsFlag]).catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(InvalidMigrationsError);
      await store.migrate("ledger", [accounts]);
      expect(await versionOf(store, "ledger")).to.equal(1);
    });

    it("rolls back a failing migration entirely and does not record its version", async function () {
      const broken: Migration = {
        version: 2,
        description: "broken",
        async up(q) {
          await q.run("CREATE TABLE half_done (x INTEGER)");
          await q.run("THIS IS NOT SQL");
        },
      };
      let caught: unknown;
      await store.migrate("ledger", [accounts, broken]).catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(Error);
      expect(await versionOf(store, "ledger")).to.equal(1);
      let missing: unknown;
      await store.read((q) => q.all("SELECT x FROM half_done")).catch((e: unknown) => (missing = e));
      expect(missing, "the failed migration's table must not exist").to.be.instanceOf(Error);
    });
  });

  describe("write transactions", function () {
    beforeEach(async function () {
      await store.migrate("ledger", [accounts, accountsFlag]);
    });

    it("commits every statement when the function resolves", async function () {
      const result = await store.tx(async (q) => {
        await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, ?)", ["a", "10", 1]);
        return q.run("INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, ?)", ["b", "20", 2]);
      });
      expect(result.changes).to.equal(1);
      const rows = await store.read((q) => q.all<{ id: string }>("SELECT id FROM accounts ORDER BY id"));
      expect(rows.map((r) => r.id)).to.deep.equal(["a", "b"]);
    });

    it("rolls back every statement when the function throws, and rethrows its error", async function () {
      const failure = new Error("business rule broken");
      let caught: unknown;
      await store
        .tx(async (q) => {
          await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '10', 1)");
          throw failure;
        })
        .catch((e: unknown) => (caught = e));
      expect(caught).to.equal(failure);
      expect(await store.read((q) => q.all("SELECT * FROM accounts"))).to.have.length(0);
    });

    it("rolls back when a constraint fails part-way", async function () {
      await store.tx((q) => q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '1', 1)"));
      let caught: unknown;
      await store
        .tx(async (q) => {
          await q.run("UPDATE accounts SET balance = '2' WHERE id = 'a'");
          await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '3', 1)");
        })
        .catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(Error);
      const row = await store.read((q) => q.get<{ balance: string }>("SELECT balance FROM accounts WHERE id = 'a'"));
      expect(row?.balance).to.equal("1");
    });

    it("serializes concurrent transactions: read-modify-write never loses an update", async function () {
      await store.tx((q) => q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '0', 0)"));
      const increment = () =>
        store.tx(async (q) => {
          const row = await q.get<{ balance: string }>("SELECT balance FROM accounts WHERE id = 'a'");
          await new Promise((resolve) => setImmediate(resolve));
          await q.run("UPDATE accounts SET balance = ? WHERE id = 'a'", [String(BigInt(row!.balance) + 1n)]);
        });
      await Promise.all(Array.from({ length: 20 }, increment));
      const row = await store.read((q) => q.get<{ balance: string }>("SELECT balance FROM accounts WHERE id = 'a'"));
      expect(row?.balance).to.equal("20");
    });

    it("refuses a statement issued through a handle whose transaction has ended", async function () {
      let leaked: Parameters<Parameters<Store["tx"]>[0]>[0] | undefined;
      await store.tx(async (q) => {
        leaked = q;
      });
      let caught: unknown;
      await leaked!.all("SELECT * FROM accounts").catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(StoreClosedError);
    });

    it("supports the portable upsert INSERT ... ON CONFLICT DO UPDATE", async function () {
      const upsert = (balance: string) =>
        store.tx((q) =>
          q.run(
            "INSERT INTO accounts (id, balance, updated_at) VALUES ('a', ?, 1) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance",
            [balance],
          ),
        );
      await upsert("1");
      await upsert("2");
      const rows = await store.read((q) => q.all<{ balance: string }>("SELECT balance FROM accounts"));
      expect(rows).to.deep.equal([{ balance: "2" }]);
    });

    it("keeps 78-digit decimal amounts exact as TEXT", async function () {
      const max = (2n ** 256n - 1n).toString();
      await store.tx((q) =>
        q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', ?, ?)", [max, 1_700_000_000_000]),
      );
      const row = await store.read((q) =>
        q.get<{ balance: string; updated_at: number }>("SELECT balance, updated_at FROM accounts"),
      );
      expect(BigInt(row!.balance)).to.equal(2n ** 256n - 1n);
      expect(Number(row!.updated_at)).to.equal(1_700_000_000_000);
    });
  });

  describe("reads", function () {
    it("refuses a write inside read()", async function () {
      await store.migrate("ledger", [accounts]);
      let caught: unknown;
      await store
        .read((q) => q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '1', 1)"))
        .catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(ReadOnlyScopeError);
    });
  });

  describe("durability and lifecycle", function () {
    it("keeps committed data across a close and reopen", async function () {
      await store.migrate("ledger", [accounts]);
      await store.tx((q) => q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '7', 1)"));
      await store.close();
      store = await db.open();
      await store.migrate("ledger", [accounts]);
      const row = await store.read((q) => q.get<{ balance: string }>("SELECT balance FROM accounts"));
      expect(row?.balance).to.equal("7");
    });

    it("refuses transactions after close", async function () {
      await store.close();
      let caught: unknown;
      await store.tx(async () => undefined).catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(StoreClosedError);
    });
  });
}
