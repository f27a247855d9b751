/** The transaction manager's vocabulary: statuses, requests, records. */

export const TxStatus = {
  /** Accepted and simulated; waiting for a nonce. */
  Queued: "queued",
  /** Nonce allocated and signed bytes stored; not yet known to be broadcast (a crash may sit here). */
  Signed: "signed",
  /** A node accepted the broadcast. */
  Submitted: "submitted",
  /** The broadcast's reply was lost (timeout, connection reset): resolved by lookup, never by re-signing. */
  SendUnknown: "send_unknown",
  /** A receipt exists; waiting for confirmations. */
  Mined: "mined",
  Confirmed: "confirmed",
  Reverted: "reverted",
  /** Refused before sending (the simulation reverted); no nonce used. */
  Rejected: "rejected",
  /** Still queued when its deadline passed; no nonce used. */
  Expired: "expired",
  /** Cancelled while queued, or its nonce taken by the cancelling self-transfer. */
  Cancelled: "cancelled",
} as const;
export type TxStatus = (typeof TxStatus)[keyof typeof TxStatus];

export const FINAL_STATUSES: readonly TxStatus[] = [
  TxStatus.Confirmed,
  TxStatus.Reverted,
  TxStatus.Rejected,
  TxStatus.Expired,
  TxStatus.Cancelled,
];
/** A nonce is allocated and the outcome is not known yet. */
export const IN_FLIGHT_STATUSES: readonly TxStatus[] = [
  TxStatus.Signed,
  TxStatus.Submitted,
  TxStatus.SendUnknown,
  TxStatus.Mined,
];

export const isFinal = (status: TxStatus) => FINAL_STATUSES.includes(status);

/** A custom error decoded from revert data (the client library's decoder is injected). */
export interface DecodedRevert {
  /** Error name, e.g. `RemittanceBatchItemFailed`, or `Error` / `Panic` for the builtins. */
  name: string;
  /** Arguments in declaration order, as strings (bigints in decimal) so they survive JSON. */
  args: string[];
  /** The raw revert data. */
  data: string;
}
export type DecodeRevert = (data: string) => DecodedRevert | undefined;

/** What a caller asks for. */
export interface TxRequestInput {
  tenant: string;
  idempotencyKey: string;
  to: string;
  data: string;
  value?: bigint;
  /** Optional deadline (ms epoch): a request still queued then expires without using a nonce. */
  expiresAt?: number;
  /**
   * A gas limit the caller computed (the meta-transaction relayer must give the forwarder enough for the
   * inner call's own limit, which an estimate does not guarantee); the simulation runs with exactly this
   * gas. Omitted: estimate × the manager's margin.
   */
  gasLimit?: bigint;
}

export interface TxError {
  code: string;
  message: string;
  revert?: DecodedRevert;
}

export interface TxRecord {
  id: string;
  tenant: string;
  idempotencyKey: string;
  kind: "call" | "fill" | "batch";
  status: TxStatus;
  signer: string;
  to: string;
  data: string;
  value: bigint;
  gasLimit: bigint | undefined;
  nonce: number | undefined;
  /** Every hash this request ever had (replacements included), oldest first. */
  hashes: string[];
  /** The hash that was mined, once one was. */
  minedHash: string | undefined;
  blockNumber: number | undefined;
  blockHash: string | undefined;
  error: TxError | undefined;
  cancelRequested: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface TxHistoryEntry {
  seq: number;
  status: TxStatus;
  detail: string;
  at: number;
}
