import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "pino";

import { Lease } from "../store/lease.js";
import type { Sql, Store } from "../store/store.js";
import type { ChainBlock, ChainLog, ChainReader } from "../chain/types.js";
import {
  ChainUnstableError,
  CheckpointMovedError,
  LogQueryError,
  ReorgTooDeepError,
  UndoUnsupportedError,
} from "./errors.js";
import { AdaptivePageSize, isRangeRefusal } from "./page-size.js";
import { LISTENER_COMPONENT, listenerMigrations } from "./schema.js";

/** One log as a handler sees it. */
export interface ChainEvent {
  chain: string;
  subscription: string;
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  transactionHash: string;
  address: string;
  topics: readonly string[];
  data: string;
}

/**
 * What a listener watches and what it does. `handle` and `undo` run inside the store transaction that
 * also records the event as handled (or forgets it) and moves the checkpoint: write effects through `q`
 * only (never `store.tx` again: the transaction is already open), and never wait on anything slow there
 * (side effects towards other systems go through an outbox table that another worker drains).
 */
export interface Subscription {
  /** Stable name: the checkpoint is stored under it. */
  id: string;
  address: string | string[];
  topics?: (string | string[] | null)[];
  /** The contract's deployment block: a new subscription backfills from here. */
  startBlock: number;
  handle(q: Sql, event: ChainEvent): Promise<void>;
  /** Takes back the effect of an event a reorg removed. Without it, a reorg reaching a handled event stops the subscription. */
  undo?(q: Sql, event: ChainEvent): Promise<void>;
}

export interface Checkpoint {
  number: number;
  hash: string;
}

export interface EventListenerOptions {
  /** The chain's id, part of every stored key. */
  chain: string;
  reader: ChainReader;
  store: Store;
  logger: Logger;
  subscriptions: readonly Subscription[];
  /** Blocks an event must be under before it is handled; 0 handles it in its own block. */
  confirmations: number;
  /** How deep a reorg may go and still be undone: block hashes are kept this far below the head. */
  reorgWindow?: number;
  /** Log query span: starts at `initial`, halves on refusal, doubles on success. */
  pageSize?: { min?: number; initial?: number; max?: number };
  pollIntervalMs?: number;
  /** Backoff after a failed step: doubles from `initialMs` up to `maxMs`; the step is retried forever, never skipped. */
  retry?: { initialMs?: number; maxMs?: number };
  /**
   * Several instances on one database: each subscription is followed by one active instance at a time,
   * the holder of its lease (`listener:<chain>:<subscription>`); the others stand by and take over from
   * the stored checkpoint once the lease expires (a killed owner) or is released (a stopped one).
   */
  lease?: { owner: string; ttlMs: number };
}

export interface SubscriptionLag {
  subscription: string;
  blocks: number;
}

type Step = "caught-up" | "progress";

// Pages read again in a row because the chain kept moving under the reads, before a step gives up.
const MAX_REREADS = 20;

// The checkpoint before block 0: block 0's parent hash.
const BEFORE_GENESIS: Checkpoint = { number: -1, hash: `0x${"0".repeat(64)}` };

/**
 * Hears every event of its subscriptions exactly once in effect, whatever reorgs and restarts happen.
 *
 * - Each subscription has a checkpoint (block number and hash) stored beside its effects; it is created at
 *   the block before `startBlock`, advances through empty ranges and only ever past handled events.
 * - Events are read in pages of blocks up to head − confirmations; each page is handled in one store
 *   transaction that writes the effects, a handled-events record keyed on (chain, block hash, log index)
 *   and the new checkpoint together. A handler that throws rolls all of it back; the page is read again.
 * - Near the head (within `reorgWindow`) every block's hash is kept and checked against its child's
 *   parent hash. When the checkpoint's block is no longer canonical, the listener walks back to the common
 *   ancestor, undoes the handled events above it newest first, and reads forward on the new chain.
 * - A node that is behind (head lower than already seen, block not found) is waited for, never taken as a reorg.
 */
export class EventListener {
  /** Its name as a service worker (`createService({ workers: [listener] })` stops it on shutdown). */
  readonly name = "listener";
  readonly chain: string;
  private readonly reader: ChainReader;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly subscriptions: readonly Subscription[];
  private readonly confirmations: number;
  private readonly reorgWindow: number;
  private readonly pages = new Map<string, AdaptivePageSize>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly pollIntervalMs: number;
  private readonly retry: { initialMs: number; maxMs: number };
  private seenHead = -1;
  private rereads = 0;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private readonly leases = new Map<string, Lease>();

  constructor(options: EventListenerOptions) {
    if (!Number.isInteger(options.confirmations) || options.confirmations < 0) {
      throw new RangeError(`confirmations must be a non-negative integer, got ${options.confirmations}`);
    }
    const ids = new Set(options.subscriptions.map((s) => s.id));
    if (ids.size !== options.subscriptions.length) throw new RangeError("subscription ids must be unique");
    this.chain = options.chain;
    this.reader = options.reader;
    this.store = options.store;
    this.log = options.logger.child({ component: "listener", chain: options.chain });
    this.subscriptions = options.subscriptions;
    this.confirmations = options.confirmations;
    this.reorgWindow = options.reorgWindow ?? 64;
    const { min = 1, initial = 500, max = 10_000 } = options.pageSize ?? {};
    for (const s of options.subscriptions) this.pages.set(s.id, new AdaptivePageSize(min, max, initial));
    if (options.lease !== undefined) {
      for (const s of options.subscriptions) {
        const name = `listener:${options.chain}:${s.id}`;
        this.leases.set(
          s.id,
          new Lease({ store: options.store, name, owner: options.lease.owner, ttlMs: options.lease.ttlMs }),
        );
      }
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retry = { initialMs: options.retry?.initialMs ?? 250, maxMs: options.retry?.maxMs ?? 30_000 };
  }

  /** Creates the listener's tables (idempotent); call once before `sync` or `start`. */
  async migrate(): Promise<void> {
    await this.store.migrate(LISTENER_COMPONENT, listenerMigrations);
    if (this.leases.size > 0) await Lease.migrate(this.store);
  }

  /** Whether this instance follows the subscription now (always, without leases). */
  active(subscriptionId: string): boolean {
    const lease = this.leases.get(subscriptionId);
    return lease === undefined || lease.token !== undefined;
  }

  /** Handles everything up to the current head − confirmations, then resolves. Errors propagate. */
  async sync(): Promise<void> {
    for (const subscription of this.subscriptions) {
      while ((await this.step(subscription)) === "progress") {
        if (this.rereads > MAX_REREADS) {
          this.rereads = 0;
          throw new ChainUnstableError(subscription.id, MAX_REREADS);
        }
      }
    }
  }

  /** Polls in the background until `stop`; a failing step is logged and retried with backoff. */
  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.loop = (async () => {
      let failures = 0;
      while (!signal.aborted) {
        let delay = this.pollIntervalMs;
        try {
          await this.sync();
          failures = 0;
        } catch (error) {
          failures += 1;
          delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (failures - 1));
          this.log.error({ err: error, failures, retryInMs: delay }, "listener step failed; retrying");
        }
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    })();
  }

  /** Stops polling after the step in progress (its transaction commits or rolls back whole). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
    // A standby takes over at once instead of waiting for the leases to expire.
    for (const lease of this.leases.values()) await lease.release().catch(() => undefined);
  }

  /** The stored checkpoint of a subscription (undefined before its first step). */
  checkpoint(subscriptionId: string): Promise<Checkpoint | undefined> {
    return this.store.read((q) => this.readCheckpoint(q, subscriptionId));
  }

  /** How far each subscription's checkpoint is behind the highest head seen (for metrics and /ready). */
  async lags(): Promise<SubscriptionLag[]> {
    const head = Math.max(this.seenHead, await this.reader.getBlockNumber());
    this.seenHead = head;
    const lags: SubscriptionLag[] = [];
    for (const s of this.subscriptions) {
      const checkpoint = this.checkpoints.get(s.id) ?? (await this.checkpoint(s.id));
      const at = checkpoint?.number ?? s.startBlock - 1;
      lags.push({ subscription: s.id, blocks: Math.max(0, head - this.confirmations - at) });
    }
    return lags;
  }

  /** One unit of work for one subscription: a reorg repair or one page of blocks. */
  private async step(subscription: Subscription): Promise<Step> {
    const lease = this.leases.get(subscription.id);
    if (lease !== undefined && (await lease.acquire()) === undefined) {
      // Standing by: what this instance remembered of the checkpoint is not current any more. The
      // checkpoint's compare-and-set (moveCheckpoint) keeps effects exactly once even if two ever overlap.
      this.checkpoints.delete(subscription.id);
      return "caught-up";
    }
    const checkpoint = await this.ensureCheckpoint(subscription);
    this.checkpoints.set(subscription.id, checkpoint);

    // Never below a head already seen: a lagging node (after a failover) is not a reorg.
    this.seenHead = Math.max(this.seenHead, await this.reader.getBlockNumber());
    if (checkpoint.number >= 0) {
      const current = await this.reader.getBlock(checkpoint.number);
      if (current === null) return "caught-up";
      if (current.hash !== checkpoint.hash) {
        await this.repairReorg(subscription, checkpoint);
        return "progress";
      }
    }

    const target = this.seenHead - this.confirmations;
    if (target <= checkpoint.number) return "caught-up";
    const page = this.pages.get(subscription.id)!;
    const from = checkpoint.number + 1;
    // Blocks above `safeTop` may still be replaced: their hashes are kept and linked one by one.
    const safeTop = this.seenHead - this.reorgWindow;
    let to = Math.min(target, from + page.size - 1);
    if (from <= safeTop) to = Math.min(to, safeTop);
    else to = Math.min(to, from + this.reorgWindow - 1);

    const near = from > safeTop;
    // Headers first: near the head, the page must hang off the checkpoint, the logs must sit in these very
    // blocks and the top block must still be the same after the log query, or the chain moved while we
    // read it and the page is read again.
    const headers = await this.headersFor(from, to, near);
    if (headers === undefined) return "caught-up"; // the node does not have these blocks yet
    const top = headers.get(to)!;
    if (near && !this.linked(headers, from, to, checkpoint)) return this.moved(subscription, from, to);

    let logs: readonly ChainLog[];
    try {
      logs = await this.reader.getLogs({
        address: subscription.address,
        topics: subscription.topics,
        fromBlock: from,
        toBlock: to,
      });
    } catch (error) {
      if (!isRangeRefusal(error)) throw error;
      if (!page.shrink()) throw new LogQueryError(subscription.id, from, error);
      this.log.info(
        { subscription: subscription.id, from, to, pageSize: page.size },
        "log query refused: smaller pages",
      );
      return "progress";
    }
    page.grow();
    if (near) {
      const after = await this.reader.getBlock(to);
      if (after?.hash !== top.hash || logs.some((l) => headers.get(l.blockNumber)?.hash !== l.blockHash)) {
        return this.moved(subscription, from, to);
      }
    }

    const events = [...logs]
      .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)
      .map((l) => this.toEvent(subscription, l));
    const next: Checkpoint = { number: to, hash: top.hash };
    await this.store.tx(async (q) => {
      await this.moveCheckpoint(q, subscription.id, checkpoint, next);
      for (const event of events) {
        const { changes } = await q.run(
          `INSERT INTO listener_handled (chain, subscription, block_hash, log_index, block_number, transaction_hash,
             address, topics, data, handled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (chain, subscription, block_hash, log_index) DO NOTHING`,
          [
            this.chain,
            subscription.id,
            event.blockHash,
            event.logIndex,
            event.blockNumber,
            event.transactionHash,
            event.address,
            JSON.stringify(event.topics),
            event.data,
            Date.now(),
          ],
        );
        if (changes === 1) await subscription.handle(q, event);
      }
      for (const [number, header] of headers) await this.keepBlock(q, subscription.id, number, header.hash);
      await q.run("DELETE FROM listener_blocks WHERE chain = ? AND subscription = ? AND block_number < ?", [
        this.chain,
        subscription.id,
        Math.min(to, safeTop) - this.reorgWindow,
      ]);
    });
    this.checkpoints.set(subscription.id, next);
    this.rereads = 0;
    if (events.length > 0) {
      this.log.info({ subscription: subscription.id, from, to, events: events.length }, "events handled");
    }
    return to < target ? "progress" : "caught-up";
  }

  /**
   * The headers of the page: every block when the page is near the head, only the last one (the new
   * checkpoint) when it is deep enough to be final. Undefined when the node lacks one of them.
   */
  private async headersFor(from: number, to: number, near: boolean): Promise<Map<number, ChainBlock> | undefined> {
    const numbers = near ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : [to];
    const blocks = await Promise.all(numbers.map((n) => this.reader.getBlock(n)));
    const headers = new Map<number, ChainBlock>();
    for (const block of blocks) {
      if (block === null) return undefined;
      headers.set(block.number, block);
    }
    return headers;
  }

  private moved(subscription: Subscription, from: number, to: number): Step {
    this.rereads += 1;
    this.log.info({ subscription: subscription.id, from, to }, "chain moved while reading a page; reading again");
    return "progress";
  }

  private linked(headers: Map<number, ChainBlock>, from: number, to: number, checkpoint: Checkpoint): boolean {
    let parent = checkpoint.hash;
    for (let n = from; n <= to; n++) {
      const header = headers.get(n);
      if (header === undefined || header.parentHash !== parent) return false;
      parent = header.hash;
    }
    return true;
  }

  /**
   * The checkpoint's block was replaced: find the newest kept block the chain still holds, undo every
   * handled event above it (newest first) and move the checkpoint back to it, in one transaction.
   */
  private async repairReorg(subscription: Subscription, checkpoint: Checkpoint): Promise<void> {
    const kept = await this.store.read((q) =>
      q.all<{ block_number: number; block_hash: string }>(
        `SELECT block_number, block_hash FROM listener_blocks
         WHERE chain = ? AND subscription = ? AND block_number < ? ORDER BY block_number DESC`,
        [this.chain, subscription.id, checkpoint.number],
      ),
    );
    let ancestor: Checkpoint | undefined;
    for (const block of kept) {
      const canonical = await this.reader.getBlock(block.block_number);
      if (canonical === null) return; // the node lost blocks it had: wait rather than guess
      if (canonical.hash === block.block_hash) {
        ancestor = { number: block.block_number, hash: block.block_hash };
        break;
      }
    }
    if (ancestor === undefined) {
      throw new ReorgTooDeepError(subscription.id, checkpoint.number, kept[kept.length - 1]?.block_number);
    }
    const to = ancestor;
    const undone = await this.store.tx(async (q) => {
      await this.moveCheckpoint(q, subscription.id, checkpoint, to);
      const rows = await q.all<{
        block_hash: string;
        log_index: number;
        block_number: number;
        transaction_hash: string;
        address: string;
        topics: string;
        data: string;
      }>(
        `SELECT block_hash, log_index, block_number, transaction_hash, address, topics, data FROM listener_handled
         WHERE chain = ? AND subscription = ? AND block_number > ? ORDER BY block_number DESC, log_index DESC`,
        [this.chain, subscription.id, to.number],
      );
      for (const row of rows) {
        if (subscription.undo === undefined) {
          throw new UndoUnsupportedError(subscription.id, row.block_number, row.log_index);
        }
        await subscription.undo(q, {
          chain: this.chain,
          subscription: subscription.id,
          blockNumber: row.block_number,
          blockHash: row.block_hash,
          logIndex: row.log_index,
          transactionHash: row.transaction_hash,
          address: row.address,
          topics: JSON.parse(row.topics) as string[],
          data: row.data,
        });
      }
      await q.run("DELETE FROM listener_handled WHERE chain = ? AND subscription = ? AND block_number > ?", [
        this.chain,
        subscription.id,
        to.number,
      ]);
      await q.run("DELETE FROM listener_blocks WHERE chain = ? AND subscription = ? AND block_number > ?", [
        this.chain,
        subscription.id,
        to.number,
      ]);
      return rows.length;
    });
    this.checkpoints.set(subscription.id, to);
    this.log.warn(
      { subscription: subscription.id, from: checkpoint.number, ancestor: to.number, undone },
      "reorg: events above the common ancestor undone",
    );
  }

  private async ensureCheckpoint(subscription: Subscription): Promise<Checkpoint> {
    const stored = await this.checkpoint(subscription.id);
    if (stored !== undefined) return stored;
    const initial = await this.initialCheckpoint(subscription);
    await this.store.tx(async (q) => {
      await q.run(
        `INSERT INTO listener_checkpoints (chain, subscription, block_number, block_hash, updated_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (chain, subscription) DO NOTHING`,
        [this.chain, subscription.id, initial.number, initial.hash, Date.now()],
      );
      if (initial.number >= 0) await this.keepBlock(q, subscription.id, initial.number, initial.hash);
    });
    return (await this.checkpoint(subscription.id))!;
  }

  private async initialCheckpoint(subscription: Subscription): Promise<Checkpoint> {
    if (subscription.startBlock <= 0) return BEFORE_GENESIS;
    const block = await this.reader.getBlock(subscription.startBlock - 1);
    if (block === null) {
      throw new RangeError(`subscription ${subscription.id}: block ${subscription.startBlock - 1} is not on the chain`);
    }
    return { number: block.number, hash: block.hash };
  }

  private async readCheckpoint(q: Sql, subscriptionId: string): Promise<Checkpoint | undefined> {
    const row = await q.get<{ block_number: number; block_hash: string }>(
      "SELECT block_number, block_hash FROM listener_checkpoints WHERE chain = ? AND subscription = ?",
      [this.chain, subscriptionId],
    );
    return row === undefined ? undefined : { number: row.block_number, hash: row.block_hash };
  }

  // Moves the checkpoint only from where this step found it: another writer's move rolls this one back.
  private async moveCheckpoint(q: Sql, subscriptionId: string, from: Checkpoint, to: Checkpoint): Promise<void> {
    const { changes } = await q.run(
      `UPDATE listener_checkpoints SET block_number = ?, block_hash = ?, updated_at = ?
       WHERE chain = ? AND subscription = ? AND block_number = ? AND block_hash = ?`,
      [to.number, to.hash, Date.now(), this.chain, subscriptionId, from.number, from.hash],
    );
    if (changes !== 1) throw new CheckpointMovedError(subscriptionId);
  }

  private async keepBlock(q: Sql, subscriptionId: string, number: number, hash: string): Promise<void> {
    await q.run(
      `INSERT INTO listener_blocks (chain, subscription, block_number, block_hash) VALUES (?, ?, ?, ?)
       ON CONFLICT (chain, subscription, block_number) DO UPDATE SET block_hash = excluded.block_hash`,
      [this.chain, subscriptionId, number, hash],
    );
  }

  private toEvent(subscription: Subscription, log: ChainLog): ChainEvent {
    return {
      chain: this.chain,
      subscription: subscription.id,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      logIndex: log.logIndex,
      transactionHash: log.transactionHash,
      address: log.address,
      topics: [...log.topics],
      data: log.data,
    };
  }
}
