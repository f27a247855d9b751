/**
 * The relayer core's persistence boundary. Business logic only speaks this interface and portable SQL
 * (`?` placeholders, `INSERT ... ON CONFLICT`, amounts bound and read as decimal strings, timestamps as
 * integer ms, booleans as integer 0/1), so SQLite and PostgreSQL run the same services. Column types in
 * migrations come from `columnTypes(q.dialect)` (ddl.ts), the one place the two dialects differ.
 */
import type { Dialect } from "./ddl.js";

export type { Dialect } from "./ddl.js";

/** A value bound to a `?` placeholder. Amounts travel as decimal strings, never as JS numbers. */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

/** The statements available inside a transaction or a read. */
export interface Sql {
  /** Which SQL dialect runs the statements: migrations pick their column types by it, nothing else should. */
  readonly dialect: Dialect;
  /**
   * Runs `effect` once the transaction has committed, never if it rolls back or is run again: the place
   * for an effect outside the store (a metric, a wake-up) that must happen once per committed change.
   */
  afterCommit(effect: () => void): void;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

/** One schema step of one component; versions start at 1 and are contiguous. */
export interface Migration {
  version: number;
  description: string;
  up(q: Sql): Promise<void>;
}

export interface Store {
  /**
   * Applies the component's migrations above its recorded version, each in its own transaction.
   * Refuses a database whose recorded version is newer than the highest one given (an older binary
   * must not write to a schema it does not know).
   */
  migrate(component: string, migrations: readonly Migration[]): Promise<void>;
  /**
   * A write transaction, committed when `fn` resolves, rolled back when it throws. It behaves as if
   * transactions ran one at a time (BEGIN IMMEDIATE on SQLite; SERIALIZABLE on PostgreSQL, where a
   * transaction that loses a conflict is rolled back and `fn` runs again). So `fn` may run more than
   * once: its only effects are its statements and its return value, never a call to another system or
   * a change to state outside the store. A statement that fails ends the transaction on PostgreSQL:
   * let its error propagate rather than catch it and go on.
   */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  /** A consistent read; it never writes. */
  read<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
