import { columnTypes } from "./ddl.js";
import { StoreError } from "./errors.js";
import type { Migration, Sql, Store } from "./store.js";

export const LEASES_COMPONENT = "core.leases";

/**
 * Named leases shared by the instances of a service on one database: one row per name, with its owner,
 * its expiry and a fencing token that goes up by one every time the lease changes hands (never when the
 * same owner renews it). Portable SQL: the same statements on SQLite and PostgreSQL.
 */
export const leaseMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "named leases with owner, expiry and fencing token",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(`CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        token ${t.int} NOT NULL,
        expires_at ${t.int} NOT NULL,
        updated_at ${t.int} NOT NULL
      )`);
    },
  },
];

/** A write was fenced off: the lease it was made under has passed to another owner (or was never held). */
export class LeaseLostError extends StoreError {
  constructor(
    readonly lease: string,
    readonly token: number | undefined,
  ) {
    super(
      "STORE_LEASE_LOST",
      `lease "${lease}" is no longer held with token ${token ?? "(none)"}: another instance owns it; nothing was written`,
    );
  }
}

/**
 * An instance's name as a lease owner: the configured one (`leases.instance`), else the service's name.
 * It is stable across restarts on purpose, so an instance restarted after a crash takes its own work
 * back at once instead of waiting for its leases to expire; each of several instances on one database
 * must therefore be given its own name (a duplicate is detected on the sender lease and logged).
 */
export function instanceId(service: string, instance?: string): string {
  return instance ?? service;
}

export interface LeaseOptions {
  store: Store;
  /** What is leased, e.g. `sender:31337:0xabc...` or `listener:31337:settlement-remittances`. */
  name: string;
  /** This instance (see `instanceId`). */
  owner: string;
  /** How long a lease lasts without renewal; a dead owner's lease is taken over after this. */
  ttlMs: number;
  now?: () => number;
}

/**
 * One named lease as seen by one process. `acquire` takes it (free or expired) or renews it (already
 * ours); the token it returns is the fencing token, and `fence(q)`, called inside a write transaction,
 * lets that transaction commit only if the lease is still held under that very token. Expiry decides
 * when another instance may take over; the token decides whether a write counts: an owner that was
 * paused past its expiry (GC, SIGSTOP, a slow node) finds its writes refused, whatever the clocks say.
 *
 * A process takes a lease still held under its own instance name at once, with a new token (it is that
 * instance restarted after a crash; the dead incarnation's token is stale from then on), and renews only
 * the token it was given: if its renewal finds its own name under another token, another live process
 * uses the same name (`duplicate` becomes true, and this one stands by until the lease expires).
 *
 * On PostgreSQL the fencing UPDATE also takes the lease row's lock until commit, so the fenced
 * transactions of one lease queue behind each other (rather than abort as serialization conflicts and
 * run again), and a takeover waits for the write under way to commit.
 */
export class Lease {
  readonly name: string;
  readonly owner: string;
  private readonly store: Store;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private current: number | undefined;
  /** Local time after which a held lease is renewed in the database (a third of the ttl after the last renewal). */
  private renewAt = 0;
  private everHeld = false;
  private duplicateSeen = false;

  constructor(options: LeaseOptions) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs <= 0) throw new RangeError("a lease needs a positive ttl");
    this.store = options.store;
    this.name = options.name;
    this.owner = options.owner;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  static migrate(store: Store): Promise<void> {
    return store.migrate(LEASES_COMPONENT, leaseMigrations);
  }

  /** The fencing token this process holds, or undefined when it does not hold the lease (as far as it knows). */
  get token(): number | undefined {
    return this.current;
  }

  /** True once a renewal found this instance's name under another token: two live processes share a name. */
  get duplicate(): boolean {
    return this.duplicateSeen;
  }

  /** Takes the lease when it is free or expired, renews it when it is ours; returns the token, or undefined. */
  async acquire(): Promise<number | undefined> {
    const now = this.now();
    if (this.current !== undefined && now < this.renewAt) return this.current;
    const until = now + this.ttlMs;
    const held = this.current;
    // The transaction may run more than once (PostgreSQL reruns a serialization loser): it only returns
    // what it found, and this object's state is set after it committed.
    let duplicate = false;
    const token = await this.store.tx(async (q) => {
      duplicate = false;
      if (held !== undefined) {
        const renewed = await q.run(
          "UPDATE leases SET expires_at = ?, updated_at = ? WHERE name = ? AND owner = ? AND token = ?",
          [until, now, this.name, this.owner, held],
        );
        if (renewed.changes === 1) return held;
        const row = await q.get<{ owner: string }>("SELECT owner FROM leases WHERE name = ?", [this.name]);
        duplicate = row?.owner === this.owner;
        return undefined;
      }
      const inserted = await q.run(
        `INSERT INTO leases (name, owner, token, expires_at, updated_at) VALUES (?, ?, 1, ?, ?)
         ON CONFLICT (name) DO NOTHING`,
        [this.name, this.owner, until, now],
      );
      if (inserted.changes === 1) return 1;
      // A takeover always raises the token: of an expired lease, or of this instance's own crashed incarnation.
      const reclaim = !this.everHeld && !this.duplicateSeen ? 1 : 0;
      const taken = await q.run(
        `UPDATE leases SET token = token + 1, owner = ?, expires_at = ?, updated_at = ?
         WHERE name = ? AND (expires_at < ? OR (owner = ? AND ? = 1))`,
        [this.owner, until, now, this.name, now, this.owner, reclaim],
      );
      if (taken.changes === 0) return undefined;
      const row = await q.get<{ token: number }>("SELECT token FROM leases WHERE name = ?", [this.name]);
      return Number(row!.token);
    });
    this.current = token;
    if (duplicate) this.duplicateSeen = true;
    if (token !== undefined) {
      this.everHeld = true;
      this.renewAt = now + Math.floor(this.ttlMs / 3);
    }
    return token;
  }

  /**
   * Inside a write transaction: refuses (LeaseLostError, so the transaction rolls back) unless this
   * instance still holds the lease under the token it was acquired with.
   */
  async fence(q: Sql): Promise<void> {
    const token = this.current;
    if (token === undefined) throw new LeaseLostError(this.name, token);
    const { changes } = await q.run("UPDATE leases SET updated_at = ? WHERE name = ? AND owner = ? AND token = ?", [
      this.now(),
      this.name,
      this.owner,
      token,
    ]);
    if (changes !== 1) {
      this.current = undefined;
      throw new LeaseLostError(this.name, token);
    }
  }

  /** Gives the lease up (at shutdown) so a standby takes over at once instead of after expiry. */
  async release(): Promise<void> {
    const token = this.current;
    this.current = undefined;
    if (token === undefined) return;
    await this.store.tx((q) =>
      q.run("UPDATE leases SET expires_at = 0, updated_at = ? WHERE name = ? AND owner = ? AND token = ?", [
        this.now(),
        this.name,
        this.owner,
        token,
      ]),
    );
  }

  /** Forgets the token without touching the database (after a write was fenced off). */
  drop(): void {
    this.current = undefined;
  }

  /** A store whose every write transaction is fenced by this lease; reads pass through. */
  fenced(): Store {
    const inner = this.store;
    return {
      migrate: (component, migrations) => inner.migrate(component, migrations),
      tx: (fn) =>
        inner.tx(async (q) => {
          await this.fence(q);
          return fn(q);
        }),
      read: (fn) => inner.read(fn),
      close: () => inner.close(),
    };
  }
}

/** Who holds a lease now (for tests, metrics and operators). */
export async function leaseHolder(
  store: Store,
  name: string,
): Promise<{ owner: string; token: number; expiresAt: number } | undefined> {
  const row = await store.read((q) =>
    q.get<{ owner: string; token: number; expires_at: number }>(
      "SELECT owner, token, expires_at FROM leases WHERE name = ?",
      [name],
    ),
  );
  return row === undefined
    ? undefined
    : { owner: row.owner, token: Number(row.token), expiresAt: Number(row.expires_at) };
}
