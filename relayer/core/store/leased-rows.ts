import { columnTypes } from "./ddl.js";
import type { Migration, Sql, SqlValue, Store } from "./store.js";

/** The migration step that makes a table's rows leasable: an owner and an expiry, and an index to find them. */
export function leaseColumnsMigration(version: number, table: string): Migration {
  return {
    version,
    description: `${table}: lease owner and expiry, so several instances share its rows`,
    async up(q) {
      await q.run(`ALTER TABLE ${table} ADD COLUMN lease_owner TEXT`);
      await q.run(`ALTER TABLE ${table} ADD COLUMN lease_until ${columnTypes(q.dialect).int} NOT NULL DEFAULT 0`);
      await q.run(`CREATE INDEX ${table}_lease ON ${table} (lease_owner, lease_until)`);
    },
  };
}

export interface RowLeaseOptions {
  store: Store;
  /** A table with `lease_owner` and `lease_until` columns (see `leaseColumnsMigration`). */
  table: string;
  /** Its primary key column. */
  key: string;
  /** This instance (see `instanceId`). */
  owner: string;
  /** How long a claimed row stays ours without a heartbeat; a killed instance's rows are free after this. */
  ttlMs: number;
  /** Fixed SQL: the rows still being worked on. Only these are heartbeated (finished rows keep a lapsed lease). */
  active: string;
  now?: () => number;
}

/**
 * Work rows shared by the instances of a service. A worker claims the rows it is about to work on: each
 * claimed row carries this instance as owner until `lease_until`, renewed by `heartbeat` while the
 * instance lives, and a row whose lease expired (its owner was killed) is claimed by whoever asks next.
 * A row stays with its owner between passes, so one instance carries a piece of work through its steps.
 *
 * The claim is one conditional UPDATE: on PostgreSQL the candidates are picked `FOR UPDATE SKIP LOCKED`
 * (two instances claiming at once take different rows instead of queueing on each other's locks or
 * failing as serialization conflicts); on SQLite the database's single writer makes the UPDATE atomic. Writes that move a claimed row
 * on add `AND lease_owner = ?` (see `ownedBy`), so an instance that lost a row while it was busy
 * changes nothing.
 */
export class RowLeases {
  readonly table: string;
  readonly owner: string;
  private readonly store: Store;
  private readonly key: string;
  private readonly ttlMs: number;
  private readonly active: string;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RowLeaseOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.table) || !/^[a-z_][a-z0-9_]*$/.test(options.key)) {
      throw new RangeError("table and key must be plain identifiers");
    }
    if (!Number.isInteger(options.ttlMs) || options.ttlMs <= 0) throw new RangeError("a lease needs a positive ttl");
    this.store = options.store;
    this.table = options.table;
    this.key = options.key;
    this.owner = options.owner;
    this.ttlMs = options.ttlMs;
    this.active = options.active;
    this.now = options.now ?? Date.now;
  }

  /**
   * Claims up to `limit` rows matching `where` (free, expired, or already ours) and returns them in
   * `orderBy` order. `where` and `orderBy` are the caller's fixed SQL; values go through `params`.
   */
  async claim<T>(where: string, params: readonly SqlValue[], orderBy: string, limit: number): Promise<T[]> {
    const { table, key, owner } = this;
    // Most passes find only rows this instance already holds, kept fresh by the heartbeat: those are
    // answered by a read, which never conflicts with another instance's writes (on PostgreSQL a
    // SERIALIZABLE write would, and be run again). The write claim runs only when there is something
    // to take (a new row, an expired lease) or one of ours is close to expiring.
    const now = this.now();
    const candidates = await this.store.read((q) =>
      q.all<T & { lease_owner: string | null; lease_until: number }>(
        `SELECT * FROM ${table}
         WHERE (${where}) AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
         ORDER BY ${orderBy} LIMIT ?`,
        [...params, owner, now, limit],
      ),
    );
    if (candidates.length === 0) return [];
    const fresh = now + Math.floor(this.ttlMs / 3);
    if (candidates.every((r) => r.lease_owner === owner && Number(r.lease_until) >= fresh)) return candidates;
    const until = now + this.ttlMs;
    return this.store.tx(async (q) => {
      const lock = q.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
      const { changes } = await q.run(
        `UPDATE ${table} SET lease_owner = ?, lease_until = ?
         WHERE ${key} IN (
           SELECT ${key} FROM ${table}
           WHERE (${where}) AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
           ORDER BY ${orderBy} LIMIT ?${lock}
         )`,
        [owner, until, ...params, owner, now, limit],
      );
      if (changes === 0) return [];
      return q.all<T>(
        `SELECT * FROM ${table} WHERE lease_owner = ? AND lease_until = ? AND (${where}) ORDER BY ${orderBy} LIMIT ?`,
        [owner, until, ...params, limit],
      );
    });
  }

  /** Claims one row by key when it is free, expired or ours; true when it is ours now. */
  async claimOne(q: Sql, id: string): Promise<boolean> {
    const now = this.now();
    const { changes } = await q.run(
      `UPDATE ${this.table} SET lease_owner = ?, lease_until = ?
       WHERE ${this.key} = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
      [this.owner, now + this.ttlMs, id, this.owner, now],
    );
    return changes === 1;
  }

  /** Extends every unexpired lease this instance holds on a row still being worked on; returns how many. */
  async heartbeat(): Promise<number> {
    const now = this.now();
    const { changes } = await this.store.tx((q) =>
      q.run(
        `UPDATE ${this.table} SET lease_until = ? WHERE lease_owner = ? AND lease_until >= ? AND (${this.active})`,
        [now + this.ttlMs, this.owner, now],
      ),
    );
    return changes;
  }

  /** The condition (and its parameter) a write adds so that it only moves a row this instance still holds. */
  ownedBy(): { sql: string; param: string } {
    return { sql: "lease_owner = ?", param: this.owner };
  }

  /** Heartbeats every third of the ttl until `stop`; a failed heartbeat is retried on the next tick. */
  start(onError: (error: unknown) => void = () => undefined): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.heartbeat().catch(onError), Math.max(1, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Lets go of this instance's rows still being worked on (at a graceful stop): another instance takes them at once. */
  async release(): Promise<void> {
    await this.store.tx((q) =>
      q.run(`UPDATE ${this.table} SET lease_until = 0 WHERE lease_owner = ? AND (${this.active})`, [this.owner]),
    );
  }
}
