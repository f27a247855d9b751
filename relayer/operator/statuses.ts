/**
 * The SEP-31 shaped statuses of a sent remittance, the webhook body the wallet expects for each change,
 * the reason codes `reject` carries, and the hashes that go on chain in place of the details.
 */
import { keccak256, toUtf8Bytes } from "ethers";

import { requestHash } from "../core/kit/idempotency.js";

export const STATUSES = ["pending", "initiated", "paid_out", "rejected", "expired", "error"] as const;
export type Status = (typeof STATUSES)[number];
export const FINAL: readonly Status[] = ["paid_out", "rejected", "expired", "error"];

/** Internal steps of the sending side, persisted so a restart resumes where it stopped. */
export type SendStep = "quote" | "handover" | "submit" | "submitted" | "onchain" | "refund" | "done";

/** `reject` reason codes (uint32 on chain) by the wallet's refusal code. */
export const REASON_CODES: Record<string, number> = {
  unknown_recipient: 1,
  compliance_hit: 2,
  currency_mismatch: 3,
  payout_unavailable: 4,
  details_missing: 5,
  details_mismatch: 6,
};
export const reasonName = (code: number) =>
  Object.entries(REASON_CODES).find(([, c]) => c === code)?.[0] ?? `reason_${code}`;

/**
 * Whether a refund (reject, expiry) returns the fee to the sender. The hardened contracts (issue 8) leave
 * it with the provider (the old ones refunded it). One switch.
 */
export const FEE_REFUNDED_ON_REJECT = false;

/** The fee the sender's ledger is finally charged at a status, for the wallet's reconciliation. */
export function chargedFee(status: Status, quotedFee: string | null): string | undefined {
  if (quotedFee === null) return undefined;
  if (status === "rejected" || status === "expired") return FEE_REFUNDED_ON_REJECT ? "0" : quotedFee;
  if (status === "error") return "0";
  return quotedFee;
}

export const recipientHashOf = (recipientRef: string) => keccak256(toUtf8Bytes(`recipient:${recipientRef}`));
/** Canonical JSON (sorted keys), so the two operators hash the same data the same way. */
export const complianceHashOf = (compliance: unknown) => "0x" + requestHash(compliance ?? {});
