import { randomUUID } from "node:crypto";

import type { Sql } from "../core/store/store.js";
import { UnknownAccountError } from "./errors.js";
import { SYSTEM_ACCOUNTS, credit, debit, getAccount, postJournal } from "./ledger.js";

/**
 * A transfer abroad, from the wallet's side:
 * `accepted` (user debited into in-transit, intent stored, not yet taken by the relayer) →
 * `submitted` (the relayer took it; `remoteStatus` follows its webhooks) →
 * `paid_out` (in-transit settled against the settlement position) | `refunded` (the user made whole).
 * The last two are final.
 */
export type TransferState = "accepted" | "submitted" | "paid_out" | "refunded";

export interface Transfer {
  id: string;
  accountId: string;
  amount: string;
  currency: string;
  receivingOperator: string;
  recipientRef: string;
  state: TransferState;
  remoteStatus: string | null;
  remittanceId: string | null;
  fee: string | null;
  refundReason: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface TransferRow {
  id: string;
  account_id: string;
  amount: string;
  currency: string;
  receiving_operator: string;
  recipient_ref: string;
  idempotency_key: string;
  request_body: string;
  state: TransferState;
  remote_status: string | null;
  remittance_id: string | null;
  fee: string | null;
  refund_reason: string | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export const TRANSFER_COLUMNS =
  "id, account_id, amount, currency, receiving_operator, recipient_ref, idempotency_key, request_body, state, " +
  "remote_status, remittance_id, fee, refund_reason, attempts, next_attempt_at, last_error, created_at, updated_at";

export function toTransfer(row: TransferRow): Transfer {
  return {
    id: row.id,
    accountId: row.account_id,
    amount: row.amount,
    currency: row.currency,
    receivingOperator: row.receiving_operator,
    recipientRef: row.recipient_ref,
    state: row.state,
    remoteStatus: row.remote_status,
    remittanceId: row.remittance_id,
    fee: row.fee,
    refundReason: row.refund_reason,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The idempotency key the relayer sees for a transfer: derived from its id, so every retry uses the same. */
export function remittanceKey(transferId: string): string {
  return `wallet-transfer-${transferId}`;
}

export interface SendRequest {
  accountId: string;
  amount: string;
  receivingOperator: string;
  recipientRef: string;
  compliance?: Record<string, unknown>;
  quoteId?: string;
}

/**
 * Debits the user into in-transit and stores the intent (with the exact body the relayer will get) in
 * the caller's transaction. Nothing leaves the wallet here: the sender worker calls out afterwards.
 */
export async function acceptTransfer(q: Sql, request: SendRequest, currency: string): Promise<Transfer> {
  const account = await getAccount(q, request.accountId);
  if (account === undefined || account.kind !== "user") throw new UnknownAccountError(request.accountId);
  const id = `trf_${randomUUID().replaceAll("-", "")}`;
  const now = Date.now();
  const amount = BigInt(request.amount);
  await postJournal(q, {
    kind: "transfer_out",
    ref: id,
    lines: [debit(account.id, amount), credit(SYSTEM_ACCOUNTS.inTransit, amount)],
    now,
  });
  // Stored once, so a retry after a crash sends byte-identical JSON under the same key.
  const body = JSON.stringify({
    amount: request.amount,
    receivingOperator: request.receivingOperator,
    recipientRef: request.recipientRef,
    compliance: request.compliance ?? {},
    ...(request.quoteId === undefined ? {} : { quoteId: request.quoteId }),
  });
  await q.run(
    `INSERT INTO wallet_transfers (id, account_id, amount, currency, receiving_operator, recipient_ref, idempotency_key,
       request_body, state, remote_status, remittance_id, fee, refund_reason, attempts, next_attempt_at, last_error,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'accepted', NULL, NULL, NULL, NULL, 0, ?, NULL, ?, ?)`,
    [
      id,
      account.id,
      request.amount,
      currency,
      request.receivingOperator,
      request.recipientRef,
      remittanceKey(id),
      body,
      now,
      now,
      now,
    ],
  );
  return (await getTransfer(q, id))!;
}

export async function getTransferRow(q: Sql, id: string): Promise<TransferRow | undefined> {
  return q.get<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM wallet_transfers WHERE id = ?`, [id]);
}

export async function getTransfer(q: Sql, id: string): Promise<Transfer | undefined> {
  const row = await getTransferRow(q, id);
  return row === undefined ? undefined : toTransfer(row);
}

/** The relayer took the transfer: remember its remittance id (first answer wins). */
export async function markSubmitted(q: Sql, row: TransferRow, remittanceId: string, status: string): Promise<void> {
  await q.run(
    `UPDATE wallet_transfers SET state = CASE WHEN state = 'accepted' THEN 'submitted' ELSE state END,
       remittance_id = COALESCE(remittance_id, ?), remote_status = COALESCE(remote_status, ?), last_error = NULL,
       updated_at = ?
     WHERE id = ?`,
    [remittanceId, status, Date.now(), row.id],
  );
}

/**
 * Gives the user their money back from in-transit, once: only from a non-final state. Returns false
 * when the transfer was already final (nothing moved).
 */
export async function refundTransfer(q: Sql, row: TransferRow, reason: string, fee?: bigint): Promise<boolean> {
  if (row.state === "paid_out" || row.state === "refunded") return false;
  const amount = BigInt(row.amount);
  const now = Date.now();
  await postJournal(q, {
    kind: "transfer_refund",
    ref: row.id,
    lines: [debit(SYSTEM_ACCOUNTS.inTransit, amount), credit(row.account_id, amount)],
    now,
  });
  await chargeFee(q, row.id, fee, now);
  const { changes } = await q.run(
    `UPDATE wallet_transfers SET state = 'refunded', refund_reason = ?, fee = COALESCE(?, fee), updated_at = ?
     WHERE id = ? AND state = ?`,
    [reason, fee === undefined ? null : fee.toString(), now, row.id, row.state],
  );
  // Guarded on the state it read: inside one transaction this cannot miss, but if it did, roll back.
  if (changes !== 1) throw new Error(`transfer ${row.id} changed under a refund`);
  return true;
}

/** The remittance was paid out abroad: in-transit is settled against the operator's position. */
export async function settleTransfer(q: Sql, row: TransferRow, fee?: bigint): Promise<boolean> {
  if (row.state === "paid_out" || row.state === "refunded") return false;
  const amount = BigInt(row.amount);
  const now = Date.now();
  await postJournal(q, {
    kind: "transfer_settled",
    ref: row.id,
    lines: [debit(SYSTEM_ACCOUNTS.inTransit, amount), credit(SYSTEM_ACCOUNTS.settlement, amount)],
    now,
  });
  await chargeFee(q, row.id, fee, now);
  const { changes } = await q.run(
    `UPDATE wallet_transfers SET state = 'paid_out', fee = COALESCE(?, fee), updated_at = ? WHERE id = ? AND state = ?`,
    [fee === undefined ? null : fee.toString(), now, row.id, row.state],
  );
  if (changes !== 1) throw new Error(`transfer ${row.id} changed under a settlement`);
  return true;
}

/** The platform fee the operator's on-chain position paid for this remittance, when the relayer reports it. */
async function chargeFee(q: Sql, transferId: string, fee: bigint | undefined, now: number): Promise<void> {
  if (fee === undefined || fee === 0n) return;
  await postJournal(q, {
    kind: "remittance_fee",
    ref: transferId,
    lines: [debit(SYSTEM_ACCOUNTS.fees, fee), credit(SYSTEM_ACCOUNTS.settlement, fee)],
    now,
  });
}
