import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

import { ReadOnlyScopeError, StoreClosedError } from "./errors.js";
import { applyMigrations } from "./migrate.js";
import { Mutex } from "./mutex.js";
import { runEffects } from "./run-effects.js";
import type { Migration, RunResult, Sql, SqlValue, Store } from "./store.js";

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's write lock before failing, in ms. */
  busyTimeoutMs?: number;
  /** Most write transactions committed together (1: each commits alone). */
  maxGroup?: number;
}

interface QueuedTx {
  fn: (q: Sql) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The default store: one SQLite file per service through `node:sqlite`, one connection, WAL,
 * `synchronous=FULL` (money state: a committed transaction survives a power cut) and transactions
 * serialized in process. Statements are run with `all`/`get`/`run`, never long-lived iterators.
 *
 * Group commit: write transactions that wait for the connection while another group runs are run one
 * after another inside one database transaction, each in a savepoint of its own, and committed together:
 * one fsync for the group instead of one each (`node:sqlite` is synchronous, so each fsync also stalls
 * the service's event loop). Each still behaves as if run alone, in order: a `fn` that throws rolls back
 * its own savepoint only and rejects its caller; every other caller is answered only after the group's
 * COMMIT, so no caller hears of success before its writes are durable. A failed COMMIT (or an error that
 * ends the whole transaction) rejects every member of the group; none of their writes persists.
 */
export class SqliteStore implements Store {
  private readonly mutex = new Mutex();
  /** Prepared once per SQL text; the set of statements a service issues is small and fixed. */
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;
  private readonly queue: QueuedTx[] = [];
  private scheduled = false;

  private constructor(
    private readonly db: DatabaseSync,
    private readonly maxGroup: number,
  ) {}

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
    return new SqliteStore(db, Math.max(1, Math.trunc(options.maxGroup ?? 64)));
  }

  migrate(component: string, migrations: readonly Migration[]): Promise<void> {
    return applyMigrations(this, component, migrations);
  }

  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** One group on the connection's turn, unless one is already waiting for it. */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    void this.mutex.run(() => this.commitGroup());
  }

  /** Runs queued transactions (those arriving meanwhile join, up to `maxGroup`) and commits them together. */
  private async commitGroup(): Promise<void> {
    this.scheduled = false;
    const members: Array<{ tx: QueuedTx; value: unknown; scope: SqliteScope }> = [];
    let taken = 0;
    try {
      if (this.queue.length === 0) return;
      this.assertOpen();
      this.db.exec("BEGIN IMMEDIATE");
      while (this.queue.length > 0 && taken < this.maxGroup) {
        const tx = this.queue.shift()!;
        taken++;
        this.db.exec("SAVEPOINT member");
        const scope = new SqliteScope(this.db, this.statements);
        try {
          const value = await tx.fn(scope);
          scope.end();
          this.db.exec("RELEASE member");
          members.push({ tx, value, scope });
        } catch (error) {
          scope.end();
          tx.reject(error);
          // An error that ended the whole transaction takes the group with it (rejected below).
          if (!this.db.isTransaction) throw error;
          this.db.exec("ROLLBACK TO member");
          this.db.exec("RELEASE member");
        }
      }
      this.db.exec("COMMIT");
    } catch (error) {
      if (!this.closed && this.db.isTransaction) this.db.exec("ROLLBACK");
      for (const { tx } of members) tx.reject(error);
      // Nothing was begun (closed store, busy database): the first caller waiting hears why.
      if (taken === 0) this.queue.shift()?.reject(error);
      this.schedule();
      return;
    }
    // Each member's after-commit effects run once its writes are durable; a rolled-back member's never run.
    for (const { scope } of members) scope.committed();
    for (const { tx, value } of members) tx.resolve(value);
    this.schedule();
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
