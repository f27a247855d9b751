import { randomUUID } from "node:crypto";

import { keccak256, toUtf8Bytes } from "ethers";

import type { Lease } from "../store/lease.js";
import type { Store } from "../store/store.js";
import { IdempotencyConflictError, InvalidTxRequestError, TxNotFoundError, TxRejectedError } from "./errors.js";
import type { TxManager } from "./tx-manager.js";
import { type DecodedRevert, type TxError, TxStatus } from "./types.js";

/** How one kind of batch call is built: the contract, the encoding of the items, the size limit. */
export interface BatchCodec {
  /** Items of one group go into the same batch call. */
  group: string;
  to: string;
  maxItems: number;
  /**
   * Batches of this group signed and not yet settled at once (1 by default). More than one lets items
   * that arrive while a batch waits for its block go into that same block instead of the next one.
   */
  maxInFlight?: number;
  /** Calldata of the batch call for these payloads, in this order. */
  encode(payloads: readonly string[]): string;
}

export const BatchItemStatus = {
  Pending: "pending",
  Packed: "packed",
  Succeeded: "succeeded",
  Failed: "failed",
} as const;
export type BatchItemStatus = (typeof BatchItemStatus)[keyof typeof BatchItemStatus];

export interface BatchItem {
  id: string;
  tenant: string;
  idempotencyKey: string;
  group: string;
  payload: string;
  status: BatchItemStatus;
  /** The batch request that carries (or carried) the item, and its place in it. */
  batchRequestId: string | undefined;
  index: number | undefined;
  error: TxError | undefined;
}

interface ItemRow {
  id: string;
  tenant: string;
  idempotency_key: string;
  request_hash: string;
  group_name: string;
  payload: string;
  status: BatchItemStatus;
  batch_request_id: string | null;
  item_index: number | null;
  error_json: string | null;
}

const toItem = (r: ItemRow): BatchItem => ({
  id: r.id,
  tenant: r.tenant,
  idempotencyKey: r.idempotency_key,
  group: r.group_name,
  payload: r.payload,
  status: r.status,
  batchRequestId: r.batch_request_id ?? undefined,
  index: r.item_index === null ? undefined : Number(r.item_index),
  error: r.error_json === null ? undefined : (JSON.parse(r.error_json) as TxError),
});

/** The all-or-nothing batch's report of the item that failed it: `RemittanceBatchItemFailed(index, reason)`. */
export function batchItemFailure(revert: DecodedRevert | undefined): { index: number; reason: string } | undefined {
  if (revert?.name !== "RemittanceBatchItemFailed" || revert.args.length < 2) return undefined;
  return { index: Number(revert.args[0]), reason: revert.args[1]! };
}

const BATCH_TENANT = "_batch";

/**
 * Packs items handed in by callers into batch calls per group, at most `maxInFlight` batches of a group
 * in flight (one by default), through the transaction manager like any request. Items are claimed for a
 * batch (packed under the batch's idempotency key) before the batch is submitted, so no item is ever sent
 * in two batches, even by two instances. The batches are all-or-nothing:
 * when the batch reverts with `RemittanceBatchItemFailed(index, reason)`, in simulation or on chain,
 * that item fails alone with its decoded reason and the rest go into the next batch.
 */
export class Batcher {
  private readonly codecs = new Map<string, BatchCodec>();
  private readonly lease: Lease | undefined;
  /** Where packing writes go: fenced by the sender lease when there is one. */
  private readonly writes: Store;

  constructor(
    private readonly manager: TxManager,
    codecs: readonly BatchCodec[],
    options: { lease?: Lease } = {},
  ) {
    for (const codec of codecs) this.codecs.set(codec.group, codec);
    this.lease = options.lease;
    this.writes = options.lease?.fenced() ?? manager.ctx.store;
  }

  /** Idempotent per tenant and key, like `TxManager.submit`. */
  async add(input: { tenant: string; idempotencyKey: string; group: string; payload: string }): Promise<BatchItem> {
    if (!this.codecs.has(input.group)) throw new InvalidTxRequestError(`no batch group "${input.group}"`);
    const hash = keccak256(toUtf8Bytes(JSON.stringify([input.group, input.payload])));
    const now = Date.now();
    const row = await this.manager.ctx.store.tx(async (q) => {
      const existing = await q.get<ItemRow>("SELECT * FROM tx_batch_items WHERE tenant = ? AND idempotency_key = ?", [
        input.tenant,
        input.idempotencyKey,
      ]);
      if (existing !== undefined) return existing;
      const id = randomUUID();
      await q.run(
        `INSERT INTO tx_batch_items (id, tenant, idempotency_key, request_hash, group_name, payload, status,
           batch_request_id, item_index, error_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)`,
        [id, input.tenant, input.idempotencyKey, hash, input.group, input.payload, BatchItemStatus.Pending, now, now],
      );
      return (await q.get<ItemRow>("SELECT * FROM tx_batch_items WHERE id = ?", [id]))!;
    });
    if (row.request_hash !== hash) throw new IdempotencyConflictError(input.tenant, input.idempotencyKey);
    return toItem(row);
  }

  async get(id: string): Promise<BatchItem> {
    const row = await this.manager.ctx.store.read((q) =>
      q.get<ItemRow>("SELECT * FROM tx_batch_items WHERE id = ?", [id]),
    );
    if (row === undefined) throw new TxNotFoundError(id);
    return toItem(row);
  }

  /**
   * One step: resume batches a crash left unsubmitted, settle finished ones, then pack new batches for each
   * group while it has room in flight. Resolves with the number of batches handed to the transaction manager.
   */
  async runOnce(): Promise<number> {
    // With several instances, only the holder of the key's sender lease packs (the others add items).
    if (this.lease !== undefined && this.lease.token === undefined) return 0;
    await this.resume();
    await this.settle();
    let packed = 0;
    for (const codec of this.codecs.values()) {
      while (await this.pack(codec)) packed++;
    }
    return packed;
  }

  private async settle(): Promise<void> {
    const { store } = this.manager.ctx;
    const packed = await store.read((q) =>
      q.all<{ batch_request_id: string }>(
        "SELECT DISTINCT batch_request_id FROM tx_batch_items WHERE status = ? AND batch_request_id IS NOT NULL",
        [BatchItemStatus.Packed],
      ),
    );
    for (const { batch_request_id: requestId } of packed) {
      const request = await this.manager.get(requestId);
      if (request.status === TxStatus.Confirmed) {
        await this.setStatus(requestId, BatchItemStatus.Succeeded);
      } else if (request.status === TxStatus.Reverted) {
        const failure = batchItemFailure(request.error?.revert);
        if (failure !== undefined) await this.failItem(requestId, failure.index, failure.reason);
        await this.setStatus(requestId, BatchItemStatus.Pending);
      } else if (request.status === TxStatus.Cancelled || request.status === TxStatus.Expired) {
        await this.setStatus(requestId, BatchItemStatus.Pending);
      }
    }
  }

  /** Items packed under a key whose batch request was never recorded (a crash, a lost reply): submitted again under that key. */
  private async resume(): Promise<void> {
    const orphans = await this.manager.ctx.store.read((q) =>
      q.all<ItemRow & { batch_key: string }>(
        `SELECT * FROM tx_batch_items WHERE status = ? AND batch_request_id IS NULL AND batch_key IS NOT NULL
         ORDER BY batch_key, item_index`,
        [BatchItemStatus.Packed],
      ),
    );
    const byKey = new Map<string, ItemRow[]>();
    for (const row of orphans) byKey.set(row.batch_key, [...(byKey.get(row.batch_key) ?? []), row]);
    for (const [key, items] of byKey) {
      const codec = this.codecs.get(items[0]!.group_name);
      if (codec !== undefined) await this.submitPacked(codec, key, items);
    }
  }

  /** Packs and submits one batch of the group if it has room in flight and items waiting; true when it did. */
  private async pack(codec: BatchCodec): Promise<boolean> {
    // Each refusal removes one item (or all), so this ends within (items + 1) rounds.
    for (;;) {
      const claimed = await this.claim(codec);
      if (claimed === undefined) return false;
      if ((await this.submitPacked(codec, claimed.key, claimed.items)) === "submitted") return true;
    }
  }

  /**
   * Marks the group's oldest pending items packed under a fresh batch key, in one conditional write, before
   * the batch request exists: an item can only ever be in one batch, whichever instance packs.
   */
  private async claim(codec: BatchCodec): Promise<{ key: string; items: ItemRow[] } | undefined> {
    // Most passes find nothing to pack: a read says so without a (fenced) write transaction.
    const idle = await this.manager.ctx.store.read(async (q) => {
      const pending = await q.get("SELECT id FROM tx_batch_items WHERE group_name = ? AND status = ?", [
        codec.group,
        BatchItemStatus.Pending,
      ]);
      return pending === undefined;
    });
    if (idle) return undefined;
    return this.writes.tx(async (q) => {
      const inFlight = await q.get<{ n: number }>(
        "SELECT COUNT(DISTINCT batch_key) AS n FROM tx_batch_items WHERE group_name = ? AND status = ?",
        [codec.group, BatchItemStatus.Packed],
      );
      if (Number(inFlight?.n ?? 0) >= Math.max(1, codec.maxInFlight ?? 1)) return undefined;
      const pending = await q.all<ItemRow>(
        "SELECT * FROM tx_batch_items WHERE group_name = ? AND status = ? ORDER BY created_at, id LIMIT ?",
        [codec.group, BatchItemStatus.Pending, codec.maxItems],
      );
      const key = `batch:${codec.group}:${randomUUID()}`;
      const items: ItemRow[] = [];
      for (const item of pending) {
        const { changes } = await q.run(
          `UPDATE tx_batch_items SET status = ?, batch_key = ?, item_index = ?, updated_at = ?
           WHERE id = ? AND status = ?`,
          [BatchItemStatus.Packed, key, items.length, Date.now(), item.id, BatchItemStatus.Pending],
        );
        if (changes === 1) items.push(item);
      }
      return items.length === 0 ? undefined : { key, items };
    });
  }

  /**
   * Submits the packed items as one batch under their key (idempotent: a resume finds the same request)
   * and records the request on them. A simulation that names the failing item fails it alone and puts
   * the others back in the queue; a refusal of the whole batch fails them all.
   */
  private async submitPacked(
    codec: BatchCodec,
    key: string,
    items: readonly ItemRow[],
  ): Promise<"submitted" | "refused"> {
    try {
      const { record } = await this.manager.submit({
        tenant: BATCH_TENANT,
        idempotencyKey: key,
        to: codec.to,
        data: codec.encode(items.map((i) => i.payload)),
      });
      await this.writes.tx((q) =>
        q.run("UPDATE tx_batch_items SET batch_request_id = ?, updated_at = ? WHERE batch_key = ? AND status = ?", [
          record.id,
          Date.now(),
          key,
          BatchItemStatus.Packed,
        ]),
      );
      return "submitted";
    } catch (error) {
      if (!(error instanceof TxRejectedError)) throw error;
      const failure = batchItemFailure(error.record.error?.revert);
      const failed = failure === undefined ? undefined : items[failure.index];
      if (failed === undefined) {
        // The batch as a whole is refused (the caller's own standing): every item fails with that error.
        await this.failRows(items, error.record.error!);
        return "refused";
      }
      await this.failRows([failed], this.reasonError(failure!.reason));
      await this.writes.tx((q) =>
        q.run(
          `UPDATE tx_batch_items SET status = ?, batch_key = NULL, item_index = NULL, updated_at = ?
           WHERE batch_key = ? AND status = ?`,
          [BatchItemStatus.Pending, Date.now(), key, BatchItemStatus.Packed],
        ),
      );
      return "refused";
    }
  }

  private reasonError(reason: string): TxError {
    const revert = this.manager.ctx.decodeRevert(reason);
    return {
      code: "BATCH_ITEM_FAILED",
      message: revert ? `${revert.name}(${revert.args.join(", ")})` : `item reverted with ${reason}`,
      ...(revert ? { revert } : {}),
    };
  }

  private async failItem(requestId: string, index: number, reason: string): Promise<void> {
    const row = await this.manager.ctx.store.read((q) =>
      q.get<ItemRow>("SELECT * FROM tx_batch_items WHERE batch_request_id = ? AND item_index = ? AND status = ?", [
        requestId,
        index,
        BatchItemStatus.Packed,
      ]),
    );
    if (row !== undefined) await this.failRows([row], this.reasonError(reason));
  }

  private async failRows(rows: readonly ItemRow[], error: TxError): Promise<void> {
    await this.manager.ctx.store.tx(async (q) => {
      for (const row of rows) {
        await q.run(
          "UPDATE tx_batch_items SET status = ?, error_json = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)",
          [
            BatchItemStatus.Failed,
            JSON.stringify(error),
            Date.now(),
            row.id,
            BatchItemStatus.Pending,
            BatchItemStatus.Packed,
          ],
        );
      }
    });
  }

  /** Moves the items still packed in `requestId` to `status` (pending again: back in the queue). */
  private async setStatus(requestId: string, status: BatchItemStatus): Promise<void> {
    await this.manager.ctx.store.tx((q) =>
      q.run(
        `UPDATE tx_batch_items SET status = ?, updated_at = ?${status === BatchItemStatus.Pending ? ", batch_request_id = NULL, batch_key = NULL, item_index = NULL" : ""}
         WHERE batch_request_id = ? AND status = ?`,
        [status, Date.now(), requestId, BatchItemStatus.Packed],
      ),
    );
  }
}
