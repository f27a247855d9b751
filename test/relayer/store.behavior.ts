import { expect } from "chai";

import {
  InvalidMigrationsError,
  ReadOnlyScopeError,
  SchemaTooNewError,
  StoreClosedError,
} from "../../relayer/core/store/errors.js";
import { columnTypes } from "../../relayer/core/store/ddl.js";
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
    const t = columnTypes(q.dialect);
    await q.run(
      `CREATE TABLE accounts (id TEXT PRIMARY KEY, balance ${t.amount} NOT NULL, updated_at ${t.int} NOT NULL)`,
    );
  },
};
const accountsFlag: Migration = {
  version: 2,
  description: "accounts.frozen",
  async up(q) {
    await q.run(`ALTER TABLE accounts ADD COLUMN frozen ${columnTypes(q.dialect).int} NOT NULL DEFAULT 0`);
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

    it("serializes concurrent check-then-insert on one key: one inserts, every other finds its row", async function () {
      const claim = (n: number) =>
        store.tx(async (q) => {
          const found = await q.get<{ id: string }>("SELECT id FROM accounts WHERE id = 'k'");
          if (found !== undefined) return "found";
          await new Promise((resolve) => setImmediate(resolve));
          await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('k', ?, 0)", [String(n)]);
          return "inserted";
        });
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, n) => claim(n)));
      expect(outcomes.filter((o) => o === "inserted")).to.have.length(1);
      expect(outcomes.filter((o) => o === "found")).to.have.length(9);
    });

    it("keeps a transfer between two rows atomic under concurrency: the total never changes", async function () {
      await store.tx(async (q) => {
        await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '1000', 0)");
        await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('b', '1000', 0)");
      });
      const move = (from: string, to: string) =>
        store.tx(async (q) => {
          const a = await q.get<{ balance: string }>("SELECT balance FROM accounts WHERE id = ?", [from]);
          const b = await q.get<{ balance: string }>("SELECT balance FROM accounts WHERE id = ?", [to]);
          await new Promise((resolve) => setImmediate(resolve));
          await q.run("UPDATE accounts SET balance = ? WHERE id = ?", [String(BigInt(a!.balance) - 7n), from]);
          await q.run("UPDATE accounts SET balance = ? WHERE id = ?", [String(BigInt(b!.balance) + 7n), to]);
        });
      await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? move("a", "b") : move("b", "a"))));
      const rows = await store.read((q) =>
        q.all<{ id: string; balance: string }>("SELECT id, balance FROM accounts ORDER BY id"),
      );
      expect(rows.map((r) => r.balance)).to.deep.equal(["1000", "1000"]);
    });

    it("runs an after-commit effect once the transaction committed, and never for one rolled back", async function () {
      const seen: string[] = [];
      await store.tx(async (q) => {
        q.afterCommit(() => seen.push("committed"));
        await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '1', 1)");
        expect(seen, "not before the commit").to.deep.equal([]);
      });
      await store
        .tx(async (q) => {
          q.afterCommit(() => seen.push("rolled back"));
          throw new Error("business rule broken");
        })
        .catch(() => undefined);
      expect(seen).to.deep.equal(["committed"]);
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

    it("keeps 78-digit decimal amounts exact", async function () {
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

  describe("values and row shapes", function () {
    beforeEach(async function () {
      await store.migrate("ledger", [accounts, accountsFlag]);
    });

    for (const [label, value] of [
      ["2^255", 2n ** 255n],
      ["2^256 - 1", 2n ** 256n - 1n],
      ["-(2^255)", -(2n ** 255n)],
      ["zero", 0n],
    ] as const) {
      it(`round-trips the amount ${label} exactly, as a decimal string, and finds it by equality`, async function () {
        await store.tx((q) =>
          q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', ?, 1)", [value.toString()]),
        );
        const row = await store.read((q) =>
          q.get<{ id: string; balance: unknown }>("SELECT id, balance FROM accounts WHERE balance = ?", [
            value.toString(),
          ]),
        );
        expect(row).to.deep.equal({ id: "a", balance: value.toString() });
      });
    }

    it("returns integer columns, COUNT and MAX as JS numbers, with lower-case column names", async function () {
      await store.tx(async (q) => {
        await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('a', '1', ?)", [1_700_000_000_123]);
        await q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('b', '2', ?)", [2 ** 53 - 1]);
      });
      const row = await store.read((q) =>
        q.get(
          "SELECT COUNT(*) AS n, MAX(updated_at) AS newest, MIN(updated_at) AS oldest, MAX(frozen) AS f FROM accounts",
        ),
      );
      expect(row).to.deep.equal({ n: 2, newest: 2 ** 53 - 1, oldest: 1_700_000_000_123, f: 0 });
    });

    it("round-trips bytes and hands out increasing automatic ids", async function () {
      await store.migrate("blobs", [
        {
          version: 1,
          description: "blobs",
          async up(q) {
            const t = columnTypes(q.dialect);
            await q.run(`CREATE TABLE blobs (seq ${t.autoIdKey}, payload ${t.bytes} NOT NULL)`);
          },
        },
      ]);
      const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
      await store.tx(async (q) => {
        await q.run("INSERT INTO blobs (payload) VALUES (?)", [bytes]);
        await q.run("INSERT INTO blobs (payload) VALUES (?)", [new Uint8Array([7])]);
      });
      const rows = await store.read((q) =>
        q.all<{ seq: number; payload: Uint8Array }>("SELECT seq, payload FROM blobs ORDER BY seq"),
      );
      expect(rows.map((r) => typeof r.seq)).to.deep.equal(["number", "number"]);
      expect(rows[1]!.seq).to.be.greaterThan(rows[0]!.seq);
      expect(Buffer.from(rows[0]!.payload).equals(Buffer.from(bytes))).to.equal(true);
    });

    it("treats a ? inside a string literal as text, not as a placeholder", async function () {
      await store.tx((q) => q.run("INSERT INTO accounts (id, balance, updated_at) VALUES ('what?', ?, ?)", ["3", 4]));
      const row = await store.read((q) =>
        q.get<{ id: string }>("SELECT id FROM accounts WHERE id = 'what?' AND balance = ?", ["3"]),
      );
      expect(row?.id).to.equal("what?");
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
