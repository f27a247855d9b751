import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

import { ReadOnlyScopeError, StoreClosedError } from "./errors.js";
import { applyMigrations } from "./migrate.js";
import { Mutex } from "./mutex.js";
import { runEffects } from "./run-effects.js";
import type { Migration, RunResult, Sql, SqlValue, Store } from "./store.js";

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's write lock before failing, in ms. */
  busyTimeoutMs?: number;
}

/**
 * The default store: one SQLite file per service through `node:sqlite`, one connection, WAL,
 * `synchronous=FULL` (money state: a committed transaction survives a power cut) and transactions
 * serialized in process. Statements are run with `all`/`get`/`run`, never long-lived iterators.
 */
export class SqliteStore implements Store {
  private readonly mutex = new Mutex();
  /** Prepared once per SQL text; the set of statements a service issues is small and fixed. */
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;

  private constructor(private readonly db: DatabaseSync) {}

  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const db = new DatabaseSync(path);
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec("PRAGMA foreign_keys = ON");
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db);
  }

  migrate(component: string, migrations: readonly Migration[]): Promise<void> {
    return applyMigrations(this, component, migrations);
  }

  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.assertOpen();
      this.db.exec("BEGIN IMMEDIATE");
      const scope = new SqliteScope(this.db, this.statements);
      try {
        const result = await fn(scope);
        scope.end();
        this.db.exec("COMMIT");
        scope.committed();
        return result;
      } catch (error) {
        scope.end();
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  read<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    // Reads go through the same mutex: on one connection a read interleaved with an open write
    // transaction would see its uncommitted rows.
    return this.mutex.run(async () => {
      this.assertOpen();
      this.db.exec("BEGIN DEFERRED");
      const scope = new SqliteScope(this.db, this.statements, true);
      try {
        return await fn(scope);
      } finally {
        scope.end();
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
      }
    });
  }

  close(): Promise<void> {
    return this.mutex.run(async () => {
      if (this.closed) return;
      this.closed = true;
      this.db.close();
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** The statements of one transaction; refuses use after the transaction ended (a leaked handle). */
class SqliteScope implements Sql {
  readonly dialect = "sqlite";
  private active = true;
  private readonly effects: (() => void)[] = [];

  constructor(
    private readonly db: DatabaseSync,
    private readonly cache: Map<string, StatementSync>,
    private readonly readOnly = false,
  ) {}

  end(): void {
    this.active = false;
  }

  afterCommit(effect: () => void): void {
    this.check();
    this.effects.push(effect);
  }

  /** Runs the after-commit effects; one that throws does not stop the others or undo the commit. */
  committed(): void {
    runEffects(this.effects);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    this.check();
    if (this.readOnly) throw new ReadOnlyScopeError();
    const result = this.statement(sql).run(...bind(params));
    return { changes: Number(result.changes) };
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    this.check();
    return this.statement(sql).get(...bind(params)) as T | undefined;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    this.check();
    return this.statement(sql).all(...bind(params)) as T[];
  }

  private statement(sql: string): StatementSync {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  private check(): void {
    if (!this.active) throw new StoreClosedError("statement issued after its transaction ended");
  }
}

function bind(params: readonly SqlValue[]): SQLInputValue[] {
  return params.map((p) => p as SQLInputValue);
}
