import type { Sql } from "../core/store/store.js";
import { enqueue } from "../core/webhooks/outbox.js";
import { chargedFee, FINAL, type SendStep, type Status } from "./statuses.js";

/** The endpoint name of the operator's own wallet backend in the webhook outbox. */
export const WALLET_ENDPOINT = "wallet";
export const STATUS_EVENT = "remittance.status_changed";

export interface RemittanceRow {
  id: string;
  tenant: string;
  idempotency_key: string;
  amount: string;
  receiving_operator: string;
  receiving_tenant: string;
  recipient_ref: string;
  compliance_json: string;
  recipient_hash: string;
  compliance_hash: string;
  quote_json: string | null;
  remittance_id: string | null;
  step: SendStep;
  batch_item_id: string | null;
  status: Status;
  fee: string | null;
  reason_code: number | null;
  reason: string | null;
  payout_ref: string | null;
  record_json: string | null;
  deadline: number | null;
  attempts: number;
  next_at: number;
  created_at: number;
  updated_at: number;
}

/** The API's view of a remittance. */
export function showRemittance(r: RemittanceRow) {
  return {
    id: r.id,
    status: r.status,
    amount: r.amount,
    receivingOperator: r.receiving_operator,
    recipientRef: r.recipient_ref,
    idempotencyKey: r.idempotency_key,
    remittanceId: r.remittance_id,
    quoteId: r.remittance_id,
    fee: r.fee,
    reasonCode: r.reason_code,
    reason: r.reason,
    payoutRef: r.payout_ref,
    deadline: r.deadline,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const getRemittance = (q: Sql, id: string) =>
  q.get<RemittanceRow>("SELECT * FROM op_remittances WHERE id = ?", [id]);
export const getByChainId = (q: Sql, remittanceId: string) =>
  q.get<RemittanceRow>("SELECT * FROM op_remittances WHERE remittance_id = ?", [remittanceId.toLowerCase()]);

/** Moves the internal step (and optional columns) without a status change. */
export async function setStep(
  q: Sql,
  id: string,
  step: SendStep,
  columns: Partial<
    Pick<
      RemittanceRow,
      "quote_json" | "remittance_id" | "batch_item_id" | "deadline" | "fee" | "record_json" | "attempts" | "next_at"
    >
  > = {},
): Promise<void> {
  const entries = Object.entries(columns);
  await q.run(
    `UPDATE op_remittances SET step = ?, updated_at = ?${entries.map(([k]) => `, ${k} = ?`).join("")} WHERE id = ?`,
    [step, Date.now(), ...entries.map(([, v]) => v as string | number | null), id],
  );
}

/**
 * Changes a remittance's status and queues its webhook in the same transaction (when a webhook endpoint
 * is configured). A final status never changes again; repeating the current status does nothing.
 * Returns whether the status changed.
 */
export async function changeStatus(
  q: Sql,
  id: string,
  status: Status,
  extra: { reasonCode?: number; reason?: string; payoutRef?: string; detail?: string; step?: SendStep },
  webhooks: boolean,
): Promise<boolean> {
  const row = await getRemittance(q, id);
  if (row === undefined || row.status === status || FINAL.includes(row.status)) return false;
  const now = Date.now();
  await q.run(
    `UPDATE op_remittances SET status = ?, reason_code = COALESCE(?, reason_code), reason = COALESCE(?, reason),
       payout_ref = COALESCE(?, payout_ref), step = COALESCE(?, step), updated_at = ? WHERE id = ?`,
    [status, extra.reasonCode ?? null, extra.reason ?? null, extra.payoutRef ?? null, extra.step ?? null, now, id],
  );
  await q.run("INSERT INTO op_status_history (id, status, detail, at) VALUES (?, ?, ?, ?)", [
    id,
    status,
    extra.detail ?? null,
    now,
  ]);
  if (webhooks) {
    const data: Record<string, unknown> = { id, status, idempotencyKey: row.idempotency_key };
    // The wallet shows `reasonCode` to its user: the machine-readable name, the on-chain number in `reason`.
    if (extra.reason !== undefined) data.reasonCode = extra.reason;
    if (extra.reasonCode !== undefined) data.reason = `reason code ${extra.reasonCode} on chain`;
    const fee = chargedFee(status, row.fee);
    if (fee !== undefined) data.fee = fee;
    // One message id per (remittance, status): a replay or retry carries the same id.
    await enqueue(q, { endpoint: WALLET_ENDPOINT, eventType: STATUS_EVENT, payload: data, id: `msg_${id}_${status}` });
  }
  return true;
}
