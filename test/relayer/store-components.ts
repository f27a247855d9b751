import { expect } from "chai";

import {
  API_KEYS_COMPONENT,
  apiKeyMigrations,
  authenticateApiKey,
  createApiKey,
  revokeApiKey,
  rotateApiKey,
} from "../../relayer/core/kit/api-keys.js";
import { IdempotencyMismatchError } from "../../relayer/core/kit/errors.js";
import { IDEMPOTENCY_COMPONENT, Idempotency, idempotencyMigrations } from "../../relayer/core/kit/idempotency.js";
import { LISTENER_COMPONENT, listenerMigrations } from "../../relayer/core/listener/schema.js";
import type { Migration, Store } from "../../relayer/core/store/store.js";
import { TX_COMPONENT, TX_MIGRATIONS } from "../../relayer/core/tx/schema.js";
import { WEBHOOKS_COMPONENT, webhookMigrations } from "../../relayer/core/webhooks/schema.js";
import { forwardJson, getRow, inFlightOf, insertRow, type ForwardRow } from "../../relayer/metatx/forwarding.js";
import { METATX_COMPONENT, metatxMigrations } from "../../relayer/metatx/schema.js";
import { OPERATOR_COMPONENT, operatorMigrations } from "../../relayer/operator/schema.js";
import { QUOTES_COMPONENT, quotesMigrations } from "../../relayer/quotes/schema.js";
import {
  checkLedger,
  createUserAccount,
  credit,
  debit,
  ensureSystemAccounts,
  getAccount,
  postJournal,
  SYSTEM_ACCOUNTS,
} from "../../relayer/wallet/ledger.js";
import { WALLET_COMPONENT, walletMigrations } from "../../relayer/wallet/schema.js";
import { newTestDatabase, STORE_KINDS, type TestDatabase } from "./helpers/stores.js";

/** Every component's migrations, as the services apply them. */
const COMPONENTS: [string, readonly Migration[]][] = [
  [TX_COMPONENT, TX_MIGRATIONS],
  [LISTENER_COMPONENT, listenerMigrations],
  [WEBHOOKS_COMPONENT, webhookMigrations],
  [API_KEYS_COMPONENT, apiKeyMigrations],
  [IDEMPOTENCY_COMPONENT, idempotencyMigrations],
  [QUOTES_COMPONENT, quotesMigrations],
  [OPERATOR_COMPONENT, operatorMigrations],
  [WALLET_COMPONENT, walletMigrations],
  [METATX_COMPONENT, metatxMigrations],
];

/** The columns that hold token amounts in base units: NUMERIC(78,0) on PostgreSQL, TEXT on SQLite. */
const AMOUNT_COLUMNS = [
  "metatx_budget_events.amount",
  "metatx_budgets.granted",
  "metatx_budgets.reserved",
  "metatx_budgets.spent",
  "metatx_budgets.sponsored",
  "metatx_forwards.charged",
  "metatx_forwards.gas_limit",
  "metatx_forwards.gas_used",
  "metatx_forwards.reserved",
  "op_remittances.amount",
  "op_remittances.fee",
  "quotes.destination_amount",
  "quotes.fee",
  "quotes.source_amount",
  "tx_requests.gas_limit",
  "tx_requests.value",
  "wallet_accounts.balance",
  "wallet_payouts.amount",
  "wallet_postings.amount",
  "wallet_transfers.amount",
  "wallet_transfers.fee",
];

async function migrateAll(store: Store): Promise<void> {
  for (const [component, migrations] of COMPONENTS) await store.migrate(component, migrations);
}

describe("Components on both stores", function () {
  this.timeout(60_000);

  for (const kind of STORE_KINDS) {
    describe(`migrations (${kind} store)`, function () {
      let db: TestDatabase;
      let store: Store;

      beforeEach(async function () {
        db = await newTestDatabase(kind, "components");
        store = await db.open();
      });

      afterEach(async function () {
        await store.close();
        await db.destroy();
      });

      it("applies every component's migrations, records each version, and a second run changes nothing", async function () {
        await migrateAll(store);
        await migrateAll(store);
        const rows = await store.read((q) =>
          q.all<{ component: string; version: number }>(
            "SELECT component, version FROM schema_migrations ORDER BY component, version",
          ),
        );
        const expected = COMPONENTS.flatMap(([component, migrations]) =>
          migrations.map((m) => ({ component, version: m.version })),
        ).sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : a.version - b.version));
        expect(rows).to.deep.equal(expected);
      });
    });
  }

  describe("column types", function () {
    it("on PostgreSQL: amounts are NUMERIC(78,0), every other number BIGINT, nothing 32-bit or floating", async function () {
      const db = await newTestDatabase("postgres", "types");
      const store = await db.open();
      try {
        await migrateAll(store);
        const columns = await store.read((q) =>
          q.all<{ name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null }>(
            `SELECT table_name || '.' || column_name AS name, data_type, numeric_precision, numeric_scale
             FROM information_schema.columns WHERE table_schema = 'public' ORDER BY name`,
          ),
        );
        const numeric = columns.filter((c) => c.data_type === "numeric");
        expect(numeric.map((c) => c.name)).to.deep.equal(AMOUNT_COLUMNS);
        for (const c of numeric) expect([c.numeric_precision, c.numeric_scale], c.name).to.deep.equal([78, 0]);
        const types = new Set(columns.map((c) => c.data_type));
        expect([...types].sort()).to.deep.equal(["bigint", "numeric", "text"]);
      } finally {
        await store.close();
        await db.destroy();
      }
    });

    it("on SQLite: amounts stay TEXT and no column has NUMERIC affinity, which would round above 2^63", async function () {
      const db = await newTestDatabase("sqlite", "types", { inMemory: true });
      const store = await db.open();
      try {
        await migrateAll(store);
        const columns = await store.read(async (q) => {
          const tables = await q.all<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
          );
          const out: { name: string; type: string }[] = [];
          for (const t of tables) {
            const info = await q.all<{ name: string; type: string }>(`PRAGMA table_info(${t.name})`);
            out.push(...info.map((c) => ({ name: `${t.name}.${c.name}`, type: c.type })));
          }
          return out;
        });
        expect([...new Set(columns.map((c) => c.type))].sort()).to.deep.equal(["INTEGER", "TEXT"]);
        for (const name of AMOUNT_COLUMNS) {
          expect(columns.find((c) => c.name === name)?.type, name).to.equal("TEXT");
        }
      } finally {
        await store.close();
        await db.destroy();
      }
    });
  });

  for (const kind of STORE_KINDS) {
    describe(`repositories (${kind} store)`, function () {
      let db: TestDatabase;
      let store: Store;

      before(async function () {
        db = await newTestDatabase(kind, "repos");
        store = await db.open();
        await migrateAll(store);
      });

      after(async function () {
        await store.close();
        await db.destroy();
      });

      it("API keys: issues a key, authenticates it, rotates it and revokes the successor", async function () {
        const issued = await createApiKey(store, "hk-wallet", { label: "backend", now: 1_700_000_000_000 });
        expect(await authenticateApiKey(store, issued.key, 1_700_000_000_001)).to.deep.equal({
          tenant: "hk-wallet",
          keyId: issued.keyId,
        });
        const next = await rotateApiKey(store, issued.keyId, { graceMs: 0, now: 1_700_000_000_002 });
        expect(next?.tenant).to.equal("hk-wallet");
        expect(await authenticateApiKey(store, issued.key, 1_700_000_000_003)).to.equal(undefined);
        expect(await revokeApiKey(store, next!.keyId, 1_700_000_000_004)).to.equal(true);
        expect(await authenticateApiKey(store, next!.key, 1_700_000_000_005)).to.equal(undefined);
      });

      it("idempotency: runs the work once, replays its stored answer, refuses the key with another request", async function () {
        const idem = new Idempotency(store);
        let runs = 0;
        const request = { tenant: "hk-wallet", key: "k-1", hash: "h-1" };
        const work = async () => ({ status: 201, body: { run: ++runs } });
        expect(await idem.run(request, work)).to.deep.equal({ status: 201, body: { run: 1 } });
        expect(await idem.run(request, work)).to.deep.equal({ status: 201, body: { run: 1 } });
        let caught: unknown;
        await idem.run({ ...request, hash: "h-2" }, work).catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(IdempotencyMismatchError);
        expect(runs).to.equal(1);
      });

      it("meta-transaction forwards: stores a request with a uint256 gas reservation and reads it back", async function () {
        const reserved = (2n ** 256n - 1n).toString();
        const row: ForwardRow = {
          id: "0x" + "ab".repeat(32),
          tenant: "0x" + "11".repeat(32),
          signer: "0x" + "22".repeat(20),
          target: "0x" + "33".repeat(20),
          selector: "0x12345678",
          request_json: "{}",
          calldata: "0x",
          gas_limit: "150000",
          reserved,
          status: "pending",
          tx_id: null,
          charged: null,
          gas_used: null,
          tx_hash: null,
          block_number: null,
          error_json: null,
          created_at: 1_700_000_000_000,
          updated_at: 1_700_000_000_000,
        };
        await store.tx((q) => insertRow(q, row));
        const [stored, inFlight] = await store.read(async (q) => [
          await getRow(q, row.id),
          await inFlightOf(q, row.signer),
        ]);
        // Not leased by anyone yet: the lease columns several instances share the row through are blank.
        expect(stored).to.deep.equal({ ...row, lease_owner: null, lease_until: 0 });
        expect(inFlight).to.equal(1);
        expect(forwardJson(stored!)).to.deep.include({ reserved, gasLimit: "150000", status: "pending" });
      });

      it("wallet ledger: posts journals of 2^200 and more exactly and keeps every journal balanced", async function () {
        const big = 2n ** 200n + 12_345n;
        const { account } = await store.tx(async (q) => {
          await ensureSystemAccounts(q, "HKD", 1);
          return { account: await createUserAccount(q, { ref: "whale", name: null, currency: "HKD" }) };
        });
        await store.tx((q) =>
          postJournal(q, {
            kind: "deposit",
            ref: "whale-in",
            lines: [debit(SYSTEM_ACCOUNTS.cash, big), credit(account.id, big)],
            now: 2,
          }),
        );
        await store.tx((q) =>
          postJournal(q, {
            kind: "deposit",
            ref: "whale-in-2",
            lines: [debit(SYSTEM_ACCOUNTS.cash, 1n), credit(account.id, 1n)],
            now: 3,
          }),
        );
        const [shown, check] = await store.read(async (q) => [await getAccount(q, account.id), await checkLedger(q)]);
        expect(shown!.balance).to.equal(big + 1n);
        expect(check).to.deep.include({ balanced: true, accountsInStep: true });
      });
    });
  }
});
