/**
 * The relayer core's persistence boundary. Business logic only speaks this interface and portable SQL
 * (`?` placeholders, `INSERT ... ON CONFLICT`, amounts as decimal TEXT, timestamps as INTEGER ms, booleans
 * as INTEGER 0/1), so a PostgreSQL store can implement it later without touching the services.
 */

/** A value bound to a `?` placeholder. Amounts travel as decimal strings, never as JS numbers. */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

/** The statements available inside a transaction or a read. */
export interface Sql {
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
  /** A write transaction (BEGIN IMMEDIATE on SQLite): committed when `fn` resolves, rolled back when it throws. */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  /** A consistent read; it never writes. */
  read<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
