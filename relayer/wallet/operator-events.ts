import { z } from "zod";

import type { Sql } from "../core/store/store.js";
import { UnknownRemittanceError } from "./errors.js";
import { TRANSFER_COLUMNS, refundTransfer, settleTransfer, type TransferRow } from "./transfers.js";

/**
 * The events the operator relayer sends (Standard Webhooks envelope): `type` and `data` with the
 * remittance id, its new status and, when it knows them, the idempotency key the wallet sent (links an
 * event that overtakes the relayer's HTTP answer), a reason code and the platform fee charged.
 */
export const operatorEventSchema = z.object({
  type: z.string().min(1),
  data: z.object({
    id: z.string().min(1).max(200),
    status: z.enum(["pending", "initiated", "paid_out", "rejected", "expired", "error"]),
    idempotencyKey: z.string().min(1).max(200).optional(),
    reason: z.string().max(200).optional(),
    reasonCode: z.union([z.string(), z.number()]).optional(),
    fee: z
      .string()
      .regex(/^(0|[1-9]\d{0,77})$/)
      .optional(),
  }),
});
export type OperatorEvent = z.infer<typeof operatorEventSchema>;

/** What became of one received event: `applied` moved a transfer, `noop` changed nothing, `conflict` contradicts a final state. */
export type EventOutcome = "applied" | "noop" | "conflict" | "duplicate";

const REFUND_STATUSES = new Set(["rejected", "expired", "error"]);

/**
 * Applies one verified event inside one transaction with the record of its webhook id, so a repeat of
 * the same message (a retry, a replay) changes nothing, and a refund or a settlement happens once.
 * An event for a remittance not linked to any transfer is refused without being recorded, so the
 * relayer's retry succeeds once the wallet has stored the relayer's answer.
 */
export async function applyOperatorEvent(
  q: Sql,
  messageId: string,
  event: OperatorEvent,
  log: { error(obj: object, msg: string): void },
): Promise<EventOutcome> {
  const seen = await q.get("SELECT id FROM wallet_webhook_events WHERE id = ?", [messageId]);
  if (seen !== undefined) return "duplicate";
  const { data } = event;
  let row = await q.get<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM wallet_transfers WHERE remittance_id = ?`, [
    data.id,
  ]);
  if (row === undefined && data.idempotencyKey !== undefined) {
    row = await q.get<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM wallet_transfers WHERE idempotency_key = ?`, [
      data.idempotencyKey,
    ]);
  }
  if (row === undefined) throw new UnknownRemittanceError(data.id);
  // The fee may come with `initiated` only; a final event without one charges the fee seen before.
  const fee = data.fee !== undefined ? BigInt(data.fee) : row.fee !== null ? BigInt(row.fee) : undefined;
  const final = row.state === "paid_out" || row.state === "refunded";
  let outcome: EventOutcome;
  if (data.status === "paid_out") {
    if (row.state === "refunded") outcome = "conflict";
    else outcome = (await settleTransfer(q, row, fee)) ? "applied" : "noop";
  } else if (REFUND_STATUSES.has(data.status)) {
    if (row.state === "paid_out") outcome = "conflict";
    else {
      const reason = data.reasonCode !== undefined ? String(data.reasonCode) : (data.reason ?? data.status);
      outcome = (await refundTransfer(q, row, reason, fee)) ? "applied" : "noop";
    }
  } else {
    // pending / initiated: no money moves; the status is shown, never over a final one.
    outcome = final ? "noop" : "applied";
  }
  if (!final && outcome === "applied") {
    await q.run(
      `UPDATE wallet_transfers SET remote_status = ?, remittance_id = COALESCE(remittance_id, ?),
         fee = COALESCE(?, fee), state = CASE WHEN state = 'accepted' THEN 'submitted' ELSE state END, updated_at = ?
       WHERE id = ?`,
      [data.status, data.id, fee === undefined ? null : fee.toString(), Date.now(), row.id],
    );
  }
  if (outcome === "conflict") {
    // Money state and the relayer disagree on a final status: kept for the reconciliation report.
    log.error(
      { transfer: row.id, remittance: data.id, state: row.state, status: data.status },
      "final status conflict",
    );
  }
  await q.run(
    "INSERT INTO wallet_webhook_events (id, event_type, remittance_id, status, outcome, received_at) VALUES (?, ?, ?, ?, ?, ?)",
    [messageId, event.type, data.id, data.status, outcome, Date.now()],
  );
  return outcome;
}
