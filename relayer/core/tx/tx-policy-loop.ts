import { randomUUID } from "node:crypto";

import { keccak256, type TransactionRequest } from "ethers";

import { ChainError, NonceConsumedError, NonceGapError, TransportError, UnderpricedError } from "../chain/errors.js";
import type { ChainReceipt } from "../chain/types.js";
import { LeaseLostError, type Lease } from "../store/lease.js";
import type { Sql } from "../store/store.js";
import type { Fees } from "./fee-policy.js";
import type { TxContext } from "./tx-context.js";
import {
  type Attempt,
  attemptsOf,
  type AttemptRow,
  chainFloor,
  countIn,
  getRequest,
  insertAttempt,
  insertRequest,
  markBroadcast,
  nextNonce,
  type RequestRow,
  requestsIn,
  setChainFloor,
  toAttempt,
  transition,
} from "./tx-repository.js";
import { IN_FLIGHT_STATUSES, TxStatus } from "./types.js";

const SENDABLE = [TxStatus.Signed, TxStatus.Submitted, TxStatus.SendUnknown] as const;
const SYSTEM_TENANT = "_txmanager";
const LOOKUP_CONCURRENCY = 16;
/** Signed transactions per JSON-RPC batch when broadcasting. */
const SEND_BATCH = 50;

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The sender lease of one signing key on one chain: whoever holds it is the only instance that sends for it. */
export function senderLeaseName(chainId: bigint | number | string, signer: string): string {
  return `sender:${String(chainId)}:${signer.toLowerCase()}`;
}

/**
 * The policy loop: everything that touches the chain on behalf of stored requests, one pass at a time.
 * Each pass reads the signer's latest and pending nonce counts, then:
 *  1. expires queued requests past their deadline;
 *  2. resyncs the nonce floor with the chain (another sender went ahead → raise; nothing of ours left
 *     above → rewind) and fills gaps below our in-flight nonces with no-op self-transfers;
 *  3. signs queued requests: nonce, signed bytes and hash stored in one database transaction;
 *  4. broadcasts every stored attempt not yet acknowledged, in nonce order;
 *  5. resolves in-flight requests: receipts of every hash they ever had, re-broadcast when missing from
 *     the pool, bump-and-replace when stuck, cancel-and-replace on request, confirmations, reorgs.
 * A crash anywhere leaves the database in a state the next pass continues from.
 *
 * With several instances on one database, the loop is given the key's sender lease (`senderLeaseName`):
 * a pass runs only while this instance holds it, and every write transaction of the loop (nonces,
 * attempts, statuses) is fenced by the lease's token. An instance that lost the lease while a pass was
 * under way has its next write refused (LeaseLostError, rolled back) and stands by; it may still
 * re-broadcast bytes signed and stored under its valid token, which is harmless (same nonce, same hash),
 * but it can never store a new transaction at a nonce. So exactly one instance allocates nonces for a key.
 */
export class TxPolicyLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** A wake-up came during a pass: run the next one at once instead of after the poll interval. */
  private again = false;
  /** Requests whose nonce the chain passed without any of their hashes: requeued only if seen twice. */
  private readonly suspects = new Set<string>();
  private readonly ctx: TxContext;
  private readonly lease: Lease | undefined;

  constructor(ctx: TxContext, options: { lease?: Lease } = {}) {
    this.lease = options.lease;
    this.ctx = options.lease === undefined ? ctx : { ...ctx, store: options.lease.fenced() };
  }

  /** Whether this instance sends for the key (always true without a lease). */
  get sending(): boolean {
    return this.lease === undefined || this.lease.token !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Something was queued: run a pass now rather than at the next poll (a pass under way is followed by
   * another at once). Passes never overlap, so this changes when work happens, never what is done.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Stops after the pass under way; what it did is stored, so nothing is lost. A held lease is released. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.lease?.release().catch(() => undefined);
  }

  /**
   * One pass. Its steps are public so a test can stop between them (a crash between signing and
   * broadcasting is "signQueued, then nothing"); a service only calls start/stop.
   */
  async runOnce(): Promise<void> {
    const { ctx } = this;
    if (this.lease !== undefined) {
      const before = this.lease.token;
      const token = await this.lease.acquire();
      if (token === undefined) {
        if (before !== undefined && this.lease.duplicate) {
          ctx.logger.error(
            { lease: this.lease.name, instance: this.lease.owner },
            "another live process uses this instance name: standing by; give each instance its own leases.instance",
          );
        } else if (before !== undefined) ctx.logger.warn({ lease: this.lease.name }, "sender lease lost: standing by");
        return;
      }
      if (before !== token) {
        // Whatever this instance remembered about the key is from before another owner's turn.
        this.suspects.clear();
        ctx.logger.info({ lease: this.lease.name, token }, "sender lease taken: sending for this key");
      }
    }
    const latest = await ctx.chain.getTransactionCount(ctx.signer, "latest");
    const pending = await ctx.chain.getTransactionCount(ctx.signer, "pending");
    await this.expire();
    await this.resync(latest, pending);
    await this.signQueued();
    await this.broadcastUnsent();
    await this.resolveInFlight(latest);
    await this.report(pending);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.again = false;
      this.running = this.runOnce()
        .catch((error: unknown) => {
          if (error instanceof LeaseLostError) {
            this.ctx.logger.warn({ lease: error.lease }, "sender lease lost mid-pass: write refused, standing by");
          } else this.ctx.logger.warn({ err: describe(error) }, "tx policy pass failed");
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(this.again ? 0 : this.ctx.pollIntervalMs);
        });
    }, delay);
  }

  async expire(): Promise<void> {
    const now = Date.now();
    // Looked for in a read first: a write transaction every pass with nothing to expire would only add
    // conflicts with the other instances' writes on PostgreSQL.
    const any = await this.ctx.store.read((q) =>
      q.get(
        "SELECT id FROM tx_requests WHERE signer = ? AND status = ? AND expires_at IS NOT NULL AND expires_at <= ?",
        [this.ctx.signer, TxStatus.Queued, now],
      ),
    );
    if (any === undefined) return;
    await this.ctx.store.tx(async (q) => {
      const due = await q.all<{ id: string }>(
        "SELECT id FROM tx_requests WHERE signer = ? AND status = ? AND expires_at IS NOT NULL AND expires_at <= ?",
        [this.ctx.signer, TxStatus.Queued, now],
      );
      for (const { id } of due)
        await transition(q, id, [TxStatus.Queued], TxStatus.Expired, "deadline passed while queued");
    });
  }

  /** Compares the store with the chain's counts and corrects explicitly, with a history line for each fill. */
  async resync(latest: number, pending: number): Promise<void> {
    const { ctx } = this;
    // What the floor should be, from the store's attempts and the chain's counts.
    const floorTarget = async (q: Sql): Promise<{ from: number; to: number } | undefined> => {
      const floor = await chainFloor(q, ctx.signer);
      const top = await q.get<{ n: number | null }>("SELECT MAX(nonce) AS n FROM tx_attempts WHERE signer = ?", [
        ctx.signer,
      ]);
      const ourNext = top?.n === null || top?.n === undefined ? 0 : Number(top.n) + 1;
      const next = Math.max(ourNext, floor);
      // Another sender used the key: our next nonce starts above what it took.
      if (pending > next) return { from: next, to: pending };
      // Nonces the floor reserved (another sender's pool transactions) are gone: rewind to the chain.
      if (floor > Math.max(pending, ourNext)) return { from: floor, to: Math.max(pending, ourNext) };
      return undefined;
    };
    // Decided in a read; written (and decided again) only when the floor must move: most passes change
    // nothing, and a write transaction each pass would only add conflicts between instances on PostgreSQL.
    if ((await ctx.store.read(floorTarget)) !== undefined) {
      await ctx.store.tx(async (q) => {
        const target = await floorTarget(q);
        if (target === undefined) return;
        await setChainFloor(q, ctx.signer, target.to);
        ctx.logger.warn(
          { signer: ctx.signer, from: target.from, to: target.to },
          target.to > target.from ? "nonce resync: chain ahead of the store" : "nonce rewind",
        );
      });
    }
    const gaps = await ctx.store.read(async (q) => {
      // Nonces between the chain's pending count and our highest in-flight nonce that no in-flight request of
      // ours holds would stall everything above them: fill them with no-op self-transfers.
      // A nonce counts as ours while a request holds it, final or not (a lagging node's low count must not
      // make us fill under our own confirmed transactions); only in-flight ones are waiting on the gap.
      const holders = await q.all<{ nonce: number; status: TxStatus }>(
        "SELECT nonce, status FROM tx_requests WHERE signer = ? AND nonce IS NOT NULL AND nonce >= ?",
        [ctx.signer, Math.min(pending, latest)],
      );
      const held = new Set(holders.map((r) => Number(r.nonce)));
      const highest = Math.max(
        -1,
        ...holders.filter((r) => IN_FLIGHT_STATUSES.includes(r.status)).map((r) => Number(r.nonce)),
      );
      const found: number[] = [];
      for (let n = Math.max(pending, latest); n < highest; n++) if (!held.has(n)) found.push(n);
      return found;
    });
    if (gaps.length === 0) return;
    const fees = await ctx.feePolicy.initial(ctx.chain);
    const filled = await ctx.store.tx(async (q) => {
      const done: number[] = [];
      for (const nonce of gaps) {
        // Checked again inside the write: a request may have taken the nonce since.
        const taken = await q.get("SELECT id FROM tx_requests WHERE signer = ? AND nonce = ?", [ctx.signer, nonce]);
        if (taken !== undefined) continue;
        await this.insertFill(q, nonce, fees);
        done.push(nonce);
      }
      return done;
    });
    if (filled.length > 0) ctx.logger.warn({ nonces: filled }, "filled nonce gaps with no-op self-transfers");
  }

  private async insertFill(q: Sql, nonce: number, fees: Fees): Promise<void> {
    const { ctx } = this;
    const now = Date.now();
    const id = randomUUID();
    const row: RequestRow = {
      id,
      tenant: SYSTEM_TENANT,
      idempotency_key: `fill:${ctx.signer}:${nonce}:${id}`,
      request_hash: "0x",
      kind: "fill",
      signer: ctx.signer,
      to_address: ctx.signer,
      data: "0x",
      value: "0",
      gas_limit: "21000",
      status: TxStatus.Signed,
      nonce,
      mined_hash: null,
      block_number: null,
      block_hash: null,
      error_json: null,
      cancel_requested: 0,
      expires_at: null,
      created_at: now,
      updated_at: now,
      submitted_at: null,
    };
    await insertRequest(q, row, `fills nonce gap at ${nonce}`);
    const attempt = await this.sign(row, nonce, fees, "original");
    await insertAttempt(q, attempt, ctx.signer);
  }

  /** Nonce, signed bytes and hash in one database transaction per pass, before anything is broadcast. */
  async signQueued(): Promise<void> {
    const { ctx } = this;
    const waiting = await ctx.store.read((q) => countIn(q, ctx.signer, [TxStatus.Queued]));
    if (waiting === 0) return;
    // Fees are read before the write transaction: no network call while the store is locked.
    const fees = await ctx.feePolicy.initial(ctx.chain);
    await ctx.store.tx(async (q) => {
      const room = ctx.maxInFlight - (await countIn(q, ctx.signer, IN_FLIGHT_STATUSES));
      if (room <= 0) return;
      const queued = await q.all<RequestRow>(
        "SELECT * FROM tx_requests WHERE signer = ? AND status = ? ORDER BY created_at, id LIMIT ?",
        [ctx.signer, TxStatus.Queued, room],
      );
      if (queued.length === 0) return;
      let nonce = await nextNonce(q, ctx.signer);
      for (const row of queued) {
        const attempt = await this.sign(row, nonce, fees, "original");
        await insertAttempt(q, attempt, ctx.signer);
        await transition(q, row.id, [TxStatus.Queued], TxStatus.Signed, `nonce ${nonce}, ${attempt.hash}`, { nonce });
        nonce++;
      }
    });
  }

  private async sign(row: RequestRow, nonce: number, fees: Fees, purpose: Attempt["purpose"]): Promise<Attempt> {
    const { ctx } = this;
    const cancel = purpose === "cancel";
    const tx: TransactionRequest = {
      chainId: ctx.chainId,
      nonce,
      to: cancel ? ctx.signer : row.to_address,
      data: cancel ? "0x" : row.data,
      value: cancel ? 0n : BigInt(row.value),
      gasLimit: cancel ? 21_000n : BigInt(row.gas_limit ?? "21000"),
      ...fees,
    };
    const raw = await ctx.wallet.signTransaction(tx);
    return {
      hash: keccak256(raw),
      requestId: row.id,
      nonce,
      purpose,
      raw,
      fees,
      createdAt: Date.now(),
      broadcastAt: undefined,
    };
  }

  /** Every attempt of an in-flight request that no node has acknowledged yet, lowest nonce first. */
  async broadcastUnsent(): Promise<void> {
    const { ctx } = this;
    const unsent = await ctx.store.read((q) =>
      q.all<AttemptRow & { status: TxStatus }>(
        `SELECT a.*, r.status FROM tx_attempts a JOIN tx_requests r ON r.id = a.request_id
         WHERE a.signer = ? AND a.broadcast_at IS NULL AND r.status IN (?, ?, ?)
           AND a.attempt_no = (SELECT MAX(b.attempt_no) FROM tx_attempts b WHERE b.request_id = a.request_id)
         ORDER BY a.nonce, a.attempt_no`,
        [ctx.signer, ...SENDABLE],
      ),
    );
    // Unknown sends are looked up first; the rest go out in nonce order, a chunk per JSON-RPC batch.
    const ready: Attempt[] = [];
    for (const row of unsent) {
      const attempt = toAttempt(row);
      if (row.status === TxStatus.SendUnknown && (await this.lookUp(attempt.requestId))) continue;
      ready.push(attempt);
    }
    for (let start = 0; start < ready.length; start += SEND_BATCH) {
      const chunk = ready.slice(start, start + SEND_BATCH);
      let answers: Array<string | ChainError>;
      try {
        answers =
          chunk.length === 1
            ? [await this.sendOne(chunk[0]!)]
            : await ctx.chain.sendRawTransactions(chunk.map((a) => a.raw));
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        answers = chunk.map(() => error);
      }
      // The accepted run before the first refusal is recorded in one commit.
      const firstRefused = answers.findIndex((a) => typeof a !== "string");
      const accepted = firstRefused === -1 ? chunk : chunk.slice(0, firstRefused);
      await this.acknowledgeAll(accepted, "broadcast");
      if (firstRefused === -1) continue;
      // A later nonce cannot be accepted before this one: stop at the first failure, the next pass continues.
      for (let i = firstRefused; i < chunk.length; i++) {
        if ((await this.settleBroadcast(chunk[i]!, answers[i]!)) === "stop") return;
      }
    }
  }

  private async sendOne(attempt: Attempt): Promise<string | ChainError> {
    try {
      return await this.ctx.chain.sendRawTransaction(attempt.raw);
    } catch (error) {
      if (error instanceof ChainError) return error;
      throw error;
    }
  }

  /** `depth` bounds the underpriced → replace → broadcast chain within one pass. */
  private async broadcast(attempt: Attempt, depth = 0): Promise<"ok" | "stop"> {
    return this.settleBroadcast(attempt, await this.sendOne(attempt), depth);
  }

  /** Records what the node answered to one broadcast: acknowledged, reply lost, or the classified refusal. */
  private async settleBroadcast(attempt: Attempt, answer: string | ChainError, depth = 0): Promise<"ok" | "stop"> {
    const { ctx } = this;
    if (typeof answer === "string") {
      await this.acknowledge(attempt, "broadcast");
      return "ok";
    }
    const error = answer;
    if (error instanceof TransportError) {
      await ctx.store.tx((q) =>
        transition(q, attempt.requestId, [TxStatus.Signed], TxStatus.SendUnknown, `reply lost for ${attempt.hash}`),
      );
      return "stop";
    }
    if (error instanceof NonceConsumedError) {
      if (/already known|known transaction|already imported|already exists/i.test(error.message)) {
        await this.acknowledge(attempt, "already known to the node");
        return "ok";
      }
      // Nonce too low: usually this very request was mined while the reply was lost.
      await this.lookUp(attempt.requestId);
      return "ok";
    }
    if (error instanceof UnderpricedError) {
      if (depth < 3) await this.replace(attempt.requestId, "underpriced", "replacement", depth + 1);
      return "stop";
    }
    if (error instanceof NonceGapError) return "stop"; // the next pass's resync fills or rewinds
    ctx.logger.warn({ hash: attempt.hash, err: describe(error) }, "broadcast refused");
    return "stop";
  }

  private acknowledge(attempt: Attempt, detail: string): Promise<void> {
    return this.acknowledgeAll([attempt], detail);
  }

  /** One database transaction for a run of accepted broadcasts (one commit, not one per transaction). */
  private async acknowledgeAll(attempts: readonly Attempt[], detail: string): Promise<void> {
    if (attempts.length === 0) return;
    const now = Date.now();
    await this.ctx.store.tx(async (q) => {
      for (const attempt of attempts) {
        await markBroadcast(q, attempt.hash, now);
        const request = await getRequest(q, attempt.requestId);
        await transition(
          q,
          attempt.requestId,
          [TxStatus.Signed, TxStatus.SendUnknown],
          TxStatus.Submitted,
          `${detail}: ${attempt.hash}`,
          request?.submitted_at === null ? { submittedAt: now } : {},
        );
      }
    });
  }

  /** Looks up the receipts of every hash the request ever had; records the one mined. */
  private async lookUp(requestId: string): Promise<ChainReceipt | undefined> {
    const { ctx } = this;
    const attempts = await ctx.store.read((q) => attemptsOf(q, requestId));
    for (const attempt of [...attempts].reverse()) {
      const receipt = await ctx.chain.getTransactionReceipt(attempt.hash);
      if (receipt !== null) {
        await this.recordMined(requestId, receipt);
        return receipt;
      }
    }
    return undefined;
  }

  /**
   * Records the receipt; with one confirmation required, a successful receipt is final at once and is
   * recorded as confirmed (or cancelled) in the same commit. A reverted one stays mined for `confirm` to
   * recover its reason.
   */
  private async recordMined(requestId: string, receipt: ChainReceipt): Promise<void> {
    const { ctx } = this;
    const submittedAt = await ctx.store.tx(async (q) => {
      const before = await getRequest(q, requestId);
      const moved = await transition(
        q,
        requestId,
        SENDABLE,
        TxStatus.Mined,
        `${receipt.transactionHash} in block ${receipt.blockNumber}`,
        { minedHash: receipt.transactionHash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash },
      );
      if (moved && ctx.confirmations === 1 && receipt.status === 1) {
        const attempt = await q.get<{ purpose: string }>("SELECT purpose FROM tx_attempts WHERE hash = ?", [
          receipt.transactionHash,
        ]);
        if (attempt?.purpose === "cancel") {
          await transition(
            q,
            requestId,
            [TxStatus.Mined],
            TxStatus.Cancelled,
            "the cancelling self-transfer was mined",
          );
        } else {
          await transition(q, requestId, [TxStatus.Mined], TxStatus.Confirmed, "1 confirmation(s)");
        }
      }
      return moved ? before?.submitted_at : undefined;
    });
    this.suspects.delete(requestId);
    if (submittedAt !== undefined && submittedAt !== null) ctx.metrics.submitToMined(Date.now() - Number(submittedAt));
  }

  async resolveInFlight(latest: number): Promise<void> {
    const { ctx } = this;
    const inFlight = await ctx.store.read((q) => requestsIn(q, ctx.signer, [...SENDABLE, TxStatus.Mined]));
    const head = inFlight.some((r) => r.status === TxStatus.Mined) ? await ctx.chain.getBlockNumber() : 0;
    // Requests are independent (each transition is conditional on the stored status), so their lookups
    // run side by side: one slow receipt must not hold up a block's worth of others.
    await forEachLimit(inFlight, LOOKUP_CONCURRENCY, async (row) => {
      try {
        if (row.status === TxStatus.Mined) {
          await this.confirm(row, head);
          return;
        }
        const nonce = Number(row.nonce);
        if (nonce < latest) {
          // The chain moved past this nonce: one of our hashes was mined, or another sender took it.
          const receipt = await this.lookUp(row.id);
          if (receipt !== undefined) {
            // A successful receipt was made final by recordMined; a reverted one gets its reason here.
            if (ctx.confirmations === 1 && receipt.status !== 1) {
              const mined = {
                ...row,
                status: TxStatus.Mined,
                mined_hash: receipt.transactionHash,
                block_hash: receipt.blockHash,
                block_number: receipt.blockNumber,
              };
              await this.confirm(mined, receipt.blockNumber, receipt);
            }
            return;
          }
          await this.nonceTaken(row);
          return;
        }
        this.suspects.delete(row.id);
        if (row.cancel_requested === 1) await this.cancelInFlight(row);
        else await this.watchPool(row);
      } catch (error) {
        if (!(error instanceof ChainError)) throw error;
        ctx.logger.warn({ id: row.id, err: describe(error) }, "could not resolve in-flight request this pass");
      }
    });
  }

  /** Our nonce was used by a transaction that is none of ours: the request needs a new nonce. */
  private async nonceTaken(row: RequestRow): Promise<void> {
    if (!this.suspects.has(row.id)) {
      // A lagging node may not have the receipt yet: decide on the next pass.
      this.suspects.add(row.id);
      return;
    }
    this.suspects.delete(row.id);
    const detail = `nonce ${row.nonce} was used by another transaction`;
    await this.ctx.store.tx((q) =>
      row.kind === "fill"
        ? transition(q, row.id, SENDABLE, TxStatus.Cancelled, `${detail}; the gap is filled`)
        : transition(q, row.id, SENDABLE, TxStatus.Queued, `${detail}; queued again for a new nonce`, { nonce: null }),
    );
  }

  /** Missing from the pool → re-broadcast as is; stuck past `stuckAfterMs` → replace with higher fees. */
  private async watchPool(row: RequestRow): Promise<void> {
    const { ctx } = this;
    const attempts = await ctx.store.read((q) => attemptsOf(q, row.id));
    const current = attempts.filter((a) => a.nonce === Number(row.nonce)).at(-1);
    if (current === undefined || current.broadcastAt === undefined) return;
    const age = Date.now() - current.createdAt;
    if (age >= ctx.stuckAfterMs) {
      await this.replace(row.id, `not mined after ${age} ms`);
      return;
    }
    if (Date.now() - current.broadcastAt < ctx.resendAfterMs) return;
    const known = await ctx.chain.getTransaction(current.hash);
    if (known === null) {
      ctx.logger.warn({ id: row.id, hash: current.hash }, "transaction missing from the pool: re-broadcast");
      await ctx.chain.sendRawTransaction(current.raw).catch((error: unknown) => {
        if (!(error instanceof NonceConsumedError)) throw error;
      });
    }
    await ctx.store.tx((q) => markBroadcast(q, current.hash, Date.now()));
  }

  /** A new attempt at the same nonce with the policy's bumped fees (or the same bytes again where it cannot bump). */
  private async replace(
    requestId: string,
    reason: string,
    purpose: Attempt["purpose"] = "replacement",
    depth = 0,
  ): Promise<void> {
    const { ctx } = this;
    const row = await ctx.store.read((q) => getRequest(q, requestId));
    if (row === undefined || row.nonce === null) return;
    const attempts = await ctx.store.read((q) => attemptsOf(q, requestId));
    const current = attempts.filter((a) => a.nonce === Number(row.nonce)).at(-1);
    if (current === undefined) return;
    const bumped = await ctx.feePolicy.bump(current.fees, ctx.chain);
    if (bumped === "rebroadcast" && purpose !== "cancel") {
      await ctx.chain.sendRawTransaction(current.raw).catch((error: unknown) => {
        if (!(error instanceof ChainError)) throw error;
        ctx.logger.warn({ hash: current.hash, err: describe(error) }, "re-broadcast at the same price refused");
      });
      await ctx.store.tx(async (q) => {
        // Restart the stuck clock: the same bytes are all this network accepts.
        await q.run("UPDATE tx_attempts SET created_at = ?, broadcast_at = ? WHERE hash = ?", [
          Date.now(),
          Date.now(),
          current.hash,
        ]);
      });
      return;
    }
    const fees = bumped === "rebroadcast" ? current.fees : bumped;
    const attempt = await this.sign(row, Number(row.nonce), fees, purpose);
    const stored = await ctx.store.tx(async (q) => {
      const fresh = await getRequest(q, requestId);
      if (fresh === undefined || !SENDABLE.includes(fresh.status as (typeof SENDABLE)[number])) return false;
      await insertAttempt(q, attempt, ctx.signer);
      await transition(q, requestId, SENDABLE, fresh.status, `${purpose} ${attempt.hash} (${reason})`);
      return true;
    });
    if (stored) await this.broadcast(attempt, depth);
  }

  private async cancelInFlight(row: RequestRow): Promise<void> {
    const attempts = await this.ctx.store.read((q) => attemptsOf(q, row.id));
    if (attempts.some((a) => a.purpose === "cancel")) return this.watchPool(row);
    await this.replace(row.id, "cancel requested", "cancel");
  }

  /** Final once the receipt has `confirmations` blocks and is still where it was; a reorg sends it back. */
  private async confirm(row: RequestRow, head: number, known?: ChainReceipt): Promise<void> {
    const { ctx } = this;
    const block = Number(row.block_number);
    if (head - block + 1 < ctx.confirmations) return;
    const receipt = known ?? (await ctx.chain.getTransactionReceipt(row.mined_hash!));
    if (receipt === null || receipt.blockHash !== row.block_hash) {
      await ctx.store.tx((q) =>
        transition(
          q,
          row.id,
          [TxStatus.Mined],
          TxStatus.Submitted,
          `receipt of ${row.mined_hash} gone from block ${block} (reorg)`,
          {
            minedHash: null,
            blockNumber: null,
            blockHash: null,
          },
        ),
      );
      return;
    }
    const attempts = await ctx.store.read((q) => attemptsOf(q, row.id));
    const mined = attempts.find((a) => a.hash === receipt.transactionHash);
    if (mined?.purpose === "cancel") {
      await ctx.store.tx((q) =>
        transition(q, row.id, [TxStatus.Mined], TxStatus.Cancelled, "the cancelling self-transfer was mined"),
      );
      return;
    }
    if (receipt.status === 1) {
      await ctx.store.tx((q) =>
        transition(q, row.id, [TxStatus.Mined], TxStatus.Confirmed, `${ctx.confirmations} confirmation(s)`),
      );
      return;
    }
    const error = await this.revertReason(row, receipt);
    await ctx.store.tx((q) => transition(q, row.id, [TxStatus.Mined], TxStatus.Reverted, error.message, { error }));
  }

  /** Replays the call on the parent block to recover the revert data the receipt does not carry. */
  private async revertReason(row: RequestRow, receipt: ChainReceipt) {
    const { ctx } = this;
    try {
      await ctx.chain.request("eth_call", [
        {
          from: ctx.signer,
          to: row.to_address,
          data: row.data,
          value: "0x" + BigInt(row.value).toString(16),
          gas: "0x" + BigInt(row.gas_limit ?? "0").toString(16),
        },
        "0x" + (receipt.blockNumber - 1).toString(16),
      ]);
    } catch (error) {
      if (error instanceof ChainError && "data" in error && typeof error.data === "string") {
        const revert = ctx.decodeRevert(error.data);
        if (revert) return { code: "REVERTED", message: `${revert.name}(${revert.args.join(", ")})`, revert };
      }
    }
    return { code: "REVERTED", message: `reverted in block ${receipt.blockNumber}` };
  }

  private async report(pending: number): Promise<void> {
    const { ctx } = this;
    const { queued, inFlight, next } = await ctx.store.read(async (q) => ({
      queued: await countIn(q, ctx.signer, [TxStatus.Queued]),
      inFlight: await countIn(q, ctx.signer, IN_FLIGHT_STATUSES),
      next: await nextNonce(q, ctx.signer),
    }));
    ctx.metrics.queueDepth(queued);
    ctx.metrics.inFlight(inFlight);
    ctx.metrics.nonceGap(ctx.signer, next - pending);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
