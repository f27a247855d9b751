import { columnTypes, type Dialect } from "./ddl.js";
import { InvalidMigrationsError, SchemaTooNewError } from "./errors.js";
import type { Migration, Store } from "./store.js";

/** The ledger of applied schema versions, one row per (component, version). */
export function schemaMigrationsDdl(dialect: Dialect): string {
  const t = columnTypes(dialect);
  return `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version ${t.int} NOT NULL,
  description TEXT NOT NULL,
  applied_at ${t.int} NOT NULL,
  PRIMARY KEY (component, version)
)`;
}

/**
 * Shared by every Store implementation: checks the migrations are 1..n, refuses a newer database,
 * then applies each missing one in its own write transaction together with its ledger row, so a crash
 * leaves the schema at a recorded version. Two processes migrating one database at once must be kept
 * apart by the caller (PgStore holds an advisory lock around this).
 */
export async function applyMigrations(
  store: Pick<Store, "tx" | "read">,
  component: string,
  migrations: readonly Migration[],
): Promise<void> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new InvalidMigrationsError(component, `expected version ${i + 1} at position ${i}, got ${m.version}`);
    }
  });
  await store.tx((q) => q.run(schemaMigrationsDdl(q.dialect)));
  for (const migration of migrations) {
    await store.tx(async (q) => {
      const row = await q.get<{ version: number | null }>(
        "SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?",
        [component],
      );
      const recorded = Number(row?.version ?? 0);
      if (recorded > migrations.length) throw new SchemaTooNewError(component, recorded, migrations.length);
      if (recorded >= migration.version) return;
      await migration.up(q);
      await q.run("INSERT INTO schema_migrations (component, version, description, applied_at) VALUES (?, ?, ?, ?)", [
        component,
        migration.version,
        migration.description,
        Date.now(),
      ]);
    });
  }
  // With no migrations to apply the loop never looked: a newer database must still be refused.
  const row = await store.read((q) =>
    q.get<{ version: number | null }>("SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?", [
      component,
    ]),
  );
  const recorded = Number(row?.version ?? 0);
  if (recorded > migrations.length) throw new SchemaTooNewError(component, recorded, migrations.length);
}
