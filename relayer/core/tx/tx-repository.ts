import type { Sql } from "../store/store.js";
import { type Fees, feesFromJson, feesToJson } from "./fee-policy.js";
import { isFinal, type TxError, type TxHistoryEntry, type TxRecord, TxStatus } from "./types.js";

/** The transaction manager's SQL, in one place; every function runs inside the caller's transaction. */

export interface RequestRow {
  id: string;
  tenant: string;
  idempotency_key: string;
  request_hash: string;
  kind: TxRecord["kind"];
  signer: string;
  to_address: string;
  data: string;
  value: string;
  gas_limit: string | null;
  status: TxStatus;
  nonce: number | null;
  mined_hash: string | null;
  block_number: number | null;
  block_hash: string | null;
  error_json: string | null;
  cancel_requested: number;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
}

export interface AttemptRow {
  hash: string;
  request_id: string;
  attempt_no: number;
  signer: string;
  nonce: number;
  purpose: "original" | "replacement" | "cancel";
  raw: string;
  fees_json: string;
  created_at: number;
  broadcast_at: number | null;
}

export interface Attempt {
  hash: string;
  requestId: string;
  nonce: number;
  purpose: AttemptRow["purpose"];
  raw: string;
  fees: Fees;
  createdAt: number;
  broadcastAt: number | undefined;
}

export const toAttempt = (r: AttemptRow): Attempt => ({
  hash: r.hash,
  requestId: r.request_id,
  nonce: Number(r.nonce),
  purpose: r.purpose,
  raw: r.raw,
  fees: feesFromJson(r.fees_json),
  createdAt: Number(r.created_at),
  broadcastAt: r.broadcast_at === null ? undefined : Number(r.broadcast_at),
});

export async function getRequest(q: Sql, id: string): Promise<RequestRow | undefined> {
  return q.get<RequestRow>("SELECT * FROM tx_requests WHERE id = ?", [id]);
}

export async function getRequestByKey(q: Sql, tenant: string, key: string): Promise<RequestRow | undefined> {
  return q.get<RequestRow>("SELECT * FROM tx_requests WHERE tenant = ? AND idempotency_key = ?", [tenant, key]);
}

export async function insertRequest(q: Sql, row: RequestRow, detail: string): Promise<void> {
  await q.run(
    `INSERT INTO tx_requests (id, tenant, idempotency_key, request_hash, kind, signer, to_address, data, value,
       gas_limit, status, nonce, mined_hash, block_number, block_hash, error_json, cancel_requested, expires_at,
       created_at, updated_at, submitted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.id,
      row.tenant,
      row.idempotency_key,
      row.request_hash,
      row.kind,
      row.signer,
      row.to_address,
      row.data,
      row.value,
      row.gas_limit,
      row.status,
      row.nonce,
      row.mined_hash,
      row.block_number,
      row.block_hash,
      row.error_json,
      row.cancel_requested,
      row.expires_at,
      row.created_at,
      row.updated_at,
      row.submitted_at,
    ],
  );
  await appendHistory(q, row.id, row.status, detail, row.created_at);
}

export async function appendHistory(q: Sql, id: string, status: TxStatus, detail: string, at = Date.now()) {
  const last = await q.get<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM tx_history WHERE request_id = ?", [id]);
  await q.run("INSERT INTO tx_history (request_id, seq, status, detail, at) VALUES (?, ?, ?, ?, ?)", [
    id,
    Number(last?.seq ?? 0) + 1,
    status,
    detail,
    at,
  ]);
}

export interface StatusChange {
  nonce?: number | null;
  minedHash?: string | null;
  blockNumber?: number | null;
  blockHash?: string | null;
  error?: TxError;
  submittedAt?: number;
}

/**
 * Moves a request to `status` if it is currently in one of `from`; final statuses are never left,
 * whatever `from` says. Returns false (and changes nothing) when the request was not in `from`.
 */
export async function transition(
  q: Sql,
  id: string,
  from: readonly TxStatus[],
  status: TxStatus,
  detail: string,
  change: StatusChange = {},
): Promise<boolean> {
  const allowed = from.filter((s) => !isFinal(s));
  if (allowed.length === 0) return false;
  const sets = ["status = ?", "updated_at = ?"];
  const now = Date.now();
  const params: (string | number | null)[] = [status, now];
  const set = (column: string, value: string | number | null) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (change.nonce !== undefined) set("nonce", change.nonce);
  if (change.minedHash !== undefined) set("mined_hash", change.minedHash);
  if (change.blockNumber !== undefined) set("block_number", change.blockNumber);
  if (change.blockHash !== undefined) set("block_hash", change.blockHash);
  if (change.error !== undefined) set("error_json", JSON.stringify(change.error));
  if (change.submittedAt !== undefined) set("submitted_at", change.submittedAt);
  const result = await q.run(
    `UPDATE tx_requests SET ${sets.join(", ")} WHERE id = ? AND status IN (${allowed.map(() => "?").join(", ")})`,
    [...params, id, ...allowed],
  );
  if (result.changes === 0) return false;
  await appendHistory(q, id, status, detail, now);
  return true;
}

/** Stores a signed attempt as the request's newest (attempt numbers count up per request). */
export async function insertAttempt(q: Sql, a: Omit<Attempt, "broadcastAt">, signer: string): Promise<void> {
  const last = await q.get<{ n: number | null }>("SELECT MAX(attempt_no) AS n FROM tx_attempts WHERE request_id = ?", [
    a.requestId,
  ]);
  await q.run(
    `INSERT INTO tx_attempts (hash, request_id, attempt_no, signer, nonce, purpose, raw, fees_json, created_at, broadcast_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    [a.hash, a.requestId, Number(last?.n ?? 0) + 1, signer, a.nonce, a.purpose, a.raw, feesToJson(a.fees), a.createdAt],
  );
}

export async function markBroadcast(q: Sql, hash: string, at: number): Promise<void> {
  await q.run("UPDATE tx_attempts SET broadcast_at = ? WHERE hash = ?", [at, hash]);
}

export async function attemptsOf(q: Sql, requestId: string): Promise<Attempt[]> {
  const rows = await q.all<AttemptRow>("SELECT * FROM tx_attempts WHERE request_id = ? ORDER BY attempt_no", [
    requestId,
  ]);
  return rows.map(toAttempt);
}

/**
 * The next nonce for a signer: one above the highest nonce any stored attempt has, or the chain floor
 * if that is higher. Derived from the attempts themselves, never from a counter kept apart.
 */
export async function nextNonce(q: Sql, signer: string): Promise<number> {
  const top = await q.get<{ n: number | null }>("SELECT MAX(nonce) AS n FROM tx_attempts WHERE signer = ?", [signer]);
  const floor = await chainFloor(q, signer);
  return Math.max(top?.n === null || top?.n === undefined ? 0 : Number(top.n) + 1, floor);
}

export async function chainFloor(q: Sql, signer: string): Promise<number> {
  const row = await q.get<{ chain_floor: number }>("SELECT chain_floor FROM tx_signers WHERE signer = ?", [signer]);
  return row === undefined ? 0 : Number(row.chain_floor);
}

export async function setChainFloor(q: Sql, signer: string, floor: number): Promise<void> {
  await q.run(
    "INSERT INTO tx_signers (signer, chain_floor) VALUES (?, ?) ON CONFLICT (signer) DO UPDATE SET chain_floor = excluded.chain_floor",
    [signer, floor],
  );
}

export async function requestsIn(q: Sql, signer: string, statuses: readonly TxStatus[], limit = 10_000) {
  return q.all<RequestRow>(
    `SELECT * FROM tx_requests WHERE signer = ? AND status IN (${statuses.map(() => "?").join(", ")})
     ORDER BY nonce, created_at, id LIMIT ?`,
    [signer, ...statuses, limit],
  );
}

export async function countIn(q: Sql, signer: string, statuses: readonly TxStatus[]): Promise<number> {
  const row = await q.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM tx_requests WHERE signer = ? AND status IN (${statuses.map(() => "?").join(", ")})`,
    [signer, ...statuses],
  );
  return Number(row?.n ?? 0);
}

export async function historyOf(q: Sql, id: string): Promise<TxHistoryEntry[]> {
  const rows = await q.all<{ seq: number; status: TxStatus; detail: string; at: number }>(
    "SELECT seq, status, detail, at FROM tx_history WHERE request_id = ? ORDER BY seq",
    [id],
  );
  return rows.map((r) => ({ seq: Number(r.seq), status: r.status, detail: r.detail, at: Number(r.at) }));
}

export async function toRecord(q: Sql, row: RequestRow): Promise<TxRecord> {
  const attempts = await attemptsOf(q, row.id);
  return {
    id: row.id,
    tenant: row.tenant,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    status: row.status,
    signer: row.signer,
    to: row.to_address,
    data: row.data,
    value: BigInt(row.value),
    gasLimit: row.gas_limit === null ? undefined : BigInt(row.gas_limit),
    nonce: row.nonce === null ? undefined : Number(row.nonce),
    hashes: attempts.map((a) => a.hash),
    minedHash: row.mined_hash ?? undefined,
    blockNumber: row.block_number === null ? undefined : Number(row.block_number),
    blockHash: row.block_hash ?? undefined,
    error: row.error_json === null ? undefined : (JSON.parse(row.error_json) as TxError),
    cancelRequested: Number(row.cancel_requested) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
