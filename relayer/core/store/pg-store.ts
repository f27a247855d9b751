import { setTimeout as sleep } from "node:timers/promises";

import pg from "pg";

import { ReadOnlyScopeError, StoreClosedError, StoreConflictError, StoreError } from "./errors.js";
import { applyMigrations } from "./migrate.js";
import { runEffects } from "./run-effects.js";
import type { Migration, RunResult, Sql, SqlValue, Store } from "./store.js";

/** Where the pool reports what it cannot throw to a caller (an idle connection's error, a retried conflict). */
export interface PgStoreLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface PgStoreOptions {
  /** `postgres://user:password@host:port/database`: a secret (it carries the password), never logged. */
  url: string;
  /** Connections in the pool; each open transaction holds one. */
  poolSize?: number;
  /** How many times a transaction is run before a serialization conflict is given up on. */
  maxAttempts?: number;
  logger?: PgStoreLogger;
}

// SQLSTATEs: serialization_failure, deadlock_detected (both: "run the transaction again"), read_only_sql_transaction.
const SERIALIZATION_FAILURE = "40001";
const DEADLOCK_DETECTED = "40P01";
const READ_ONLY_TRANSACTION = "25006";

/** One key for the session lock that keeps two processes from migrating one database at once ("llmigrat"). */
const MIGRATION_LOCK_KEY = "7813945366307897716";

/**
 * int8 (COUNT(*), BIGINT columns: ms timestamps, block numbers, nonces, sequence numbers) arrives from
 * `pg` as a string; every such value the services keep is far below 2^53, so it becomes a number as it
 * does from SQLite. A value above 2^53 (none is expected) becomes a bigint rather than a rounded number.
 * NUMERIC (amounts, SUM of BIGINT) stays a decimal string: exact, and what SQLite's TEXT amounts give.
 */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * The store for several instances of a service on one PostgreSQL database, through a `pg` pool.
 *
 * The services were written against SQLite, where write transactions run one at a time, so a read then a
 * write inside `tx` is safe. Here every write transaction is SERIALIZABLE: PostgreSQL guarantees the
 * outcome of any set of concurrent transactions equals some one-at-a-time order, and aborts a transaction
 * (40001, or 40P01 for a deadlock) when it cannot. Such an abort changed nothing, so the whole
 * transaction is run again, a bounded number of times with a growing random pause; that keeps SQLite's
 * guarantee without a global lock that would serialize every instance. `read` is REPEATABLE READ READ ONLY:
 * one snapshot, and it can never be the loser of a conflict.
 */
export class PgStore implements Store {
  private closed = false;
  private readonly maxAttempts: number;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly logger: PgStoreLogger | undefined,
    maxAttempts: number,
  ) {
    this.maxAttempts = maxAttempts;
  }

  /** Opens a pool and checks the database answers, so a wrong URL fails at start, not at the first request. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: typeParsers,
      connectionTimeoutMillis: 10_000,
    });
    const store = new PgStore(pool, options.logger, options.maxAttempts ?? 20);
    // An idle connection that dies (server restart, network) emits `error` on the pool; unhandled, that
    // would crash the process. The pool drops the connection and opens a new one when next needed.
    pool.on("error", (error) => {
      store.logger?.error({ err: describeError(error) }, "idle PostgreSQL connection failed; the pool replaces it");
    });
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => undefined);
      // pg's messages name the host, user or database, not the password; stripped anyway, should one ever.
      const message = withoutPassword(describeError(error), options.url);
      throw new StoreError("STORE_UNAVAILABLE", `cannot connect to PostgreSQL: ${message}`, { cause: error });
    }
    return store;
  }

  async migrate(component: string, migrations: readonly Migration[]): Promise<void> {
    this.assertOpen();
    // Two instances starting together would both find a migration missing: a session lock on one
    // connection makes the second wait, then find the migrations recorded. The migrations run on that
    // same connection, so a pool of one suffices.
    const client = await this.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      await applyMigrations(
        {
          tx: (fn) => this.withRetry(() => runTransaction(client, "write", fn)),
          read: (fn) => runTransaction(client, "read", fn),
        },
        component,
        migrations,
      );
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      client.release();
    } catch (error) {
      // Closing the connection also releases its session lock; a failed migration is rare enough.
      client.release(true);
      throw error instanceof ConnectionStateError ? error.cause : error;
    }
  }

  async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    return this.withRetry(() => this.onClient((client) => runTransaction(client, "write", fn)));
  }

  async read<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    return this.onClient((client) => runTransaction(client, "read", fn));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async onClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await fn(client);
    } catch (error) {
      broken = error instanceof ConnectionStateError;
      throw broken ? (error as ConnectionStateError).cause : error;
    } finally {
      client.release(broken);
    }
  }

  private async withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetryable(error)) throw error;
        if (n >= this.maxAttempts) throw new StoreConflictError(n, { cause: error });
        this.logger?.warn(
          { attempt: n, code: (error as pg.DatabaseError).code },
          "transaction conflict; running it again",
        );
        // Full jitter over a doubling window (2 ms ... 256 ms): concurrent losers spread out instead of
        // colliding again in step.
        await sleep(Math.random() * 2 * 2 ** Math.min(n, 7));
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** Thrown when ROLLBACK itself failed: the connection must be destroyed, not reused. */
class ConnectionStateError extends Error {
  constructor(override readonly cause: unknown) {
    super("connection left in an unknown state");
  }
}

async function runTransaction<T>(client: pg.ClientBase, mode: "read" | "write", fn: (q: Sql) => Promise<T>) {
  await client.query(
    mode === "write" ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
  );
  const scope = new PgScope(client, mode === "read");
  try {
    const result = await fn(scope);
    scope.end();
    // Under SERIALIZABLE the commit itself may fail with 40001: the caller runs the transaction again.
    await client.query("COMMIT");
    scope.committed();
    return result;
  } catch (error) {
    scope.end();
    try {
      await client.query("ROLLBACK");
    } catch {
      throw new ConnectionStateError(error);
    }
    throw error;
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
}

function withoutPassword(text: string, url: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password === "" ? text : text.split(password).join("[redacted]");
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The statements of one transaction; refuses use after the transaction ended (a leaked handle). */
class PgScope implements Sql {
  readonly dialect = "postgres";
  private active = true;
  private readonly effects: (() => void)[] = [];

  constructor(
    private readonly client: pg.ClientBase,
    private readonly readOnly: boolean,
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
    const result = await this.query(sql, params);
    return { changes: result.rowCount ?? 0 };
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    this.check();
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    this.check();
    return (await this.query(sql, params)).rows as T[];
  }

  private async query(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    try {
      return await this.client.query(toNumberedPlaceholders(sql), params as unknown[]);
    } catch (error) {
      // A write through get/all inside read(): the same refusal SQLite's scope gives for run().
      if ((error as { code?: unknown }).code === READ_ONLY_TRANSACTION) throw new ReadOnlyScopeError();
      throw error;
    }
  }

  private check(): void {
    if (!this.active) throw new StoreClosedError("statement issued after its transaction ended");
  }
}

const translated = new Map<string, string>();

/**
 * Portable SQL uses `?` placeholders; PostgreSQL numbers them `$1, $2, ...`. Only a `?` in SQL text is
 * a placeholder: those inside string literals, quoted identifiers and comments are left alone.
 * Cached per SQL text (the set a service issues is small and fixed).
 */
export function toNumberedPlaceholders(sql: string): string {
  const cached = translated.get(sql);
  if (cached !== undefined) return cached;
  let out = "";
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A quote inside is doubled ('it''s'), which this reads as two adjacent literals: same result.
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === "?") {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  translated.set(sql, out);
  return out;
}
