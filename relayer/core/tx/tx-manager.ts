import { randomUUID } from "node:crypto";

import { getAddress, isHexString, keccak256, toUtf8Bytes } from "ethers";

import { RevertError } from "../chain/errors.js";
import { NO_METRICS } from "./metrics.js";
import { TX_COMPONENT, TX_MIGRATIONS } from "./schema.js";
import { SILENT_LOGGER, type TxContext, type TxManagerOptions } from "./tx-context.js";
import { IdempotencyConflictError, InvalidTxRequestError, TxNotFoundError, TxRejectedError } from "./errors.js";
import {
  getRequest,
  getRequestByKey,
  historyOf,
  insertRequest,
  type RequestRow,
  toRecord,
  transition,
} from "./tx-repository.js";
import { type TxHistoryEntry, type TxRecord, type TxRequestInput, TxStatus } from "./types.js";

export interface SubmitResult {
  record: TxRecord;
  /** False when the idempotency key had been seen: `record` is the existing request in its current state. */
  created: boolean;
}

type InsertOutcome = { raced: RequestRow; record?: undefined } | { record: TxRecord; raced?: undefined };
interface PendingInsert {
  row: RequestRow;
  detail: string;
  resolve(outcome: InsertOutcome): void;
  reject(error: unknown): void;
}

export function buildContext(options: TxManagerOptions): TxContext {
  return {
    store: options.store,
    chain: options.chain,
    wallet: options.wallet,
    signer: getAddress(options.wallet.address),
    chainId: options.chainId,
    feePolicy: options.feePolicy,
    confirmations: Math.max(1, Math.trunc(options.confirmations ?? 1)),
    decodeRevert: options.decodeRevert ?? (() => undefined),
    metrics: options.metrics ?? NO_METRICS,
    logger: options.logger ?? SILENT_LOGGER,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    resendAfterMs: options.resendAfterMs ?? 3_000,
    stuckAfterMs: options.stuckAfterMs ?? 15_000,
    maxInFlight: options.maxInFlight ?? 100,
    gasMarginPercent: BigInt(options.gasMarginPercent ?? 120),
  };
}

/** The request's identity for idempotency: the same key must come with exactly this. */
export function requestHash(input: Pick<TxRequestInput, "to" | "data" | "value">): string {
  return keccak256(
    toUtf8Bytes(JSON.stringify([getAddress(input.to), input.data.toLowerCase(), (input.value ?? 0n).toString()])),
  );
}

/**
 * The API side of the transaction manager: accepts requests (idempotent per tenant and key), simulates
 * them, persists them as queued, answers status and history, takes cancellations. It never signs or
 * sends: the policy loop (`TxPolicyLoop`) does, from what is stored here.
 */
export class TxManager {
  readonly ctx: TxContext;
  private readonly waiting: PendingInsert[] = [];

  private constructor(ctx: TxContext) {
    this.ctx = ctx;
  }

  static async open(options: TxManagerOptions): Promise<TxManager> {
    await options.store.migrate(TX_COMPONENT, TX_MIGRATIONS);
    return new TxManager(buildContext(options));
  }

  /**
   * Same key and same request → the stored request, whatever its state (`created: false`); same key and
   * another request → IdempotencyConflictError. A new request is simulated first: a revert is stored
   * as rejected and thrown as TxRejectedError with the decoded error, and uses no nonce.
   */
  async submit(input: TxRequestInput): Promise<SubmitResult> {
    const { ctx } = this;
    validate(input);
    const hash = requestHash(input);
    const existing = await ctx.store.read((q) => getRequestByKey(q, input.tenant, input.idempotencyKey));
    if (existing !== undefined) return this.replay(existing, hash);

    const value = input.value ?? 0n;
    const call = { from: ctx.signer, to: getAddress(input.to), data: input.data, value };
    let gasLimit: bigint | undefined;
    let rejection: RevertError | undefined;
    try {
      if (input.gasLimit !== undefined) {
        // A caller-computed limit (the meta-transaction relayer's): simulate with exactly that gas.
        await ctx.chain.call({ ...call, gas: input.gasLimit });
        gasLimit = input.gasLimit;
      } else {
        // eth_estimateGas executes the call: a revert comes back with its data, as eth_call's would.
        gasLimit = ((await ctx.chain.estimateGas(call)) * ctx.gasMarginPercent) / 100n;
      }
    } catch (error) {
      if (!(error instanceof RevertError)) throw error;
      rejection = error;
    }

    const now = Date.now();
    const row: RequestRow = {
      id: randomUUID(),
      tenant: input.tenant,
      idempotency_key: input.idempotencyKey,
      request_hash: hash,
      kind: "call",
      signer: ctx.signer,
      to_address: call.to,
      data: input.data.toLowerCase(),
      value: value.toString(),
      gas_limit: gasLimit?.toString() ?? null,
      status: rejection ? TxStatus.Rejected : TxStatus.Queued,
      nonce: null,
      mined_hash: null,
      block_number: null,
      block_hash: null,
      error_json: rejection ? JSON.stringify(this.revertError(rejection.data, rejection.message)) : null,
      cancel_requested: 0,
      expires_at: input.expiresAt ?? null,
      created_at: now,
      updated_at: now,
      submitted_at: null,
    };
    const outcome = await this.insertGrouped(row, rejection ? "simulation reverted" : "accepted");
    if (outcome.raced !== undefined) return this.replay(outcome.raced, hash);
    const record = outcome.record;
    if (record.status === TxStatus.Rejected) throw new TxRejectedError(record);
    return { record, created: true };
  }

  async get(id: string): Promise<TxRecord> {
    const record = await this.ctx.store.read(async (q) => {
      const row = await getRequest(q, id);
      return row && toRecord(q, row);
    });
    if (record === undefined) throw new TxNotFoundError(id);
    return record;
  }

  async getByKey(tenant: string, idempotencyKey: string): Promise<TxRecord | undefined> {
    return this.ctx.store.read(async (q) => {
      const row = await getRequestByKey(q, tenant, idempotencyKey);
      return row && toRecord(q, row);
    });
  }

  history(id: string): Promise<TxHistoryEntry[]> {
    return this.ctx.store.read((q) => historyOf(q, id));
  }

  /**
   * A queued request is cancelled at once (no nonce was used). One already signed keeps its nonce: the
   * policy loop replaces it with a no-op self-transfer at that nonce, and the request ends `cancelled`
   * if the replacement is mined, or with its own outcome if the original wins the race.
   */
  async cancel(id: string): Promise<TxRecord> {
    const record = await this.ctx.store.tx(async (q) => {
      const row = await getRequest(q, id);
      if (row === undefined) return undefined;
      const cancelled = await transition(q, id, [TxStatus.Queued], TxStatus.Cancelled, "cancelled while queued");
      if (!cancelled) {
        await q.run("UPDATE tx_requests SET cancel_requested = 1, updated_at = ? WHERE id = ?", [Date.now(), id]);
      }
      return toRecord(q, (await getRequest(q, id))!);
    });
    if (record === undefined) throw new TxNotFoundError(id);
    return record;
  }

  /**
   * Group commit: requests accepted while a write is under way are inserted together in the next write
   * transaction (one commit, one fsync, for all of them), each still checked against a key raced in.
   * The callers are answered only after that commit.
   */
  private insertGrouped(row: RequestRow, detail: string): Promise<InsertOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, detail, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.flushInserts());
    });
  }

  private async flushInserts(): Promise<void> {
    // Taken inside the transaction: everything queued while waiting for the store joins this commit.
    // Added to, never replaced: when the store runs the transaction again (a PostgreSQL conflict), the
    // callers taken on the first run are still in this group.
    const group: PendingInsert[] = [];
    try {
      const outcomes = await this.ctx.store.tx(async (q) => {
        group.push(...this.waiting.splice(0));
        const out: InsertOutcome[] = [];
        for (const p of group) {
          const raced = await getRequestByKey(q, p.row.tenant, p.row.idempotency_key);
          if (raced !== undefined) {
            out.push({ raced });
            continue;
          }
          await insertRequest(q, p.row, p.detail);
          out.push({ record: await toRecord(q, p.row) });
        }
        return out;
      });
      group.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (error) {
      group.forEach((p) => p.reject(error));
    }
    if (this.waiting.length > 0) setImmediate(() => void this.flushInserts());
  }

  private async replay(existing: RequestRow, hash: string): Promise<SubmitResult> {
    if (existing.request_hash !== hash) throw new IdempotencyConflictError(existing.tenant, existing.idempotency_key);
    const record = await this.ctx.store.read((q) => toRecord(q, existing));
    if (record.status === TxStatus.Rejected) throw new TxRejectedError(record);
    return { record, created: false };
  }

  private revertError(data: string, message: string) {
    const revert = this.ctx.decodeRevert(data);
    return {
      code: "REVERTED",
      message: revert ? `${revert.name}(${revert.args.join(", ")})` : message,
      ...(revert ? { revert } : {}),
    };
  }
}

function validate(input: TxRequestInput): void {
  if (input.tenant.length === 0 || input.tenant.length > 200) throw new InvalidTxRequestError("tenant is required");
  if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 200) {
    throw new InvalidTxRequestError("idempotency key must be 1 to 200 characters");
  }
  try {
    getAddress(input.to);
  } catch {
    throw new InvalidTxRequestError(`not an address: ${input.to}`);
  }
  if (!isHexString(input.data) || input.data.length % 2 !== 0) {
    throw new InvalidTxRequestError("data must be 0x-prefixed hex of whole bytes");
  }
  if (input.value !== undefined && (input.value < 0n || input.value >= 2n ** 256n)) {
    throw new InvalidTxRequestError("value out of range");
  }
  if (input.gasLimit !== undefined && (input.gasLimit < 21_000n || input.gasLimit > 2n ** 63n)) {
    throw new InvalidTxRequestError("gas limit out of range");
  }
}
