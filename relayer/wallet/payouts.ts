import { IdempotencyMismatchError, type ServiceError } from "../core/kit/errors.js";
import { requestHash } from "../core/kit/idempotency.js";
import type { Sql } from "../core/store/store.js";
import { PayoutRefusedError } from "./errors.js";
import { SYSTEM_ACCOUNTS, credit, debit, getUserAccountByRef, postJournal } from "./ledger.js";

export interface PayoutRequest {
  remittanceId: string;
  recipientRef: string;
  /** Base units of this wallet's currency (the destination token's). */
  amount: string;
  currency?: string;
  /** Compliance data as the sending side collected it; screened here, never stored. */
  compliance?: Record<string, unknown>;
}

export interface PayoutScreening {
  currency: string;
  blockedNames: readonly string[];
  blockedRecipients: readonly string[];
}

/** What the endpoint answers: the first answer for a remittance is stored and returned for every repeat. */
export interface PayoutAnswer {
  status: number;
  body: unknown;
}

interface PayoutRow {
  request_hash: string;
  status: number;
  response: string;
}

function errorAnswer(error: ServiceError): PayoutAnswer {
  return {
    status: error.status,
    body: { error: { code: error.code, message: error.message, details: error.details } },
  };
}

/** Every string inside the compliance data, lower-cased, for name screening. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value.toLowerCase());
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/**
 * Pays a remittance out to a user account, once: the payout row keyed by the remittance id, the journal
 * and the stored answer commit in one transaction, so a duplicate (concurrent, retried, or after a
 * restart) gets the first answer and credits nothing. A refusal is stored too: the same remittance is
 * refused the same way every time, and the relayer can reject it on chain with the code.
 */
export async function payOut(q: Sql, request: PayoutRequest, screening: PayoutScreening): Promise<PayoutAnswer> {
  const hash = requestHash({
    recipientRef: request.recipientRef,
    amount: request.amount,
    currency: request.currency,
    compliance: request.compliance,
  });
  const existing = await q.get<PayoutRow>(
    "SELECT request_hash, status, response FROM wallet_payouts WHERE remittance_id = ?",
    [request.remittanceId],
  );
  if (existing !== undefined) {
    if (existing.request_hash !== hash) throw new IdempotencyMismatchError(request.remittanceId);
    return { status: Number(existing.status), body: JSON.parse(existing.response) as unknown };
  }

  const now = Date.now();
  const amount = BigInt(request.amount);
  let answer: PayoutAnswer;
  let outcome: string;
  let accountId: string | null = null;
  let journalId: string | null = null;
  const account = await getUserAccountByRef(q, request.recipientRef);
  const names = strings(request.compliance);
  const blockedName = screening.blockedNames.find((name) => names.includes(name.toLowerCase()));
  if (request.currency !== undefined && request.currency !== screening.currency) {
    outcome = "currency_mismatch";
    answer = errorAnswer(
      new PayoutRefusedError(
        "currency_mismatch",
        `this wallet pays out ${screening.currency}, not ${request.currency}`,
        request.remittanceId,
      ),
    );
  } else if (account === undefined) {
    outcome = "unknown_recipient";
    answer = errorAnswer(
      new PayoutRefusedError(
        "unknown_recipient",
        `no account for recipient ${request.recipientRef}`,
        request.remittanceId,
      ),
    );
  } else if (blockedName !== undefined || screening.blockedRecipients.includes(request.recipientRef)) {
    outcome = "compliance_hit";
    // The message does not say which name matched: screening lists are not for callers to probe.
    answer = errorAnswer(
      new PayoutRefusedError("compliance_hit", "the payout was stopped by compliance screening", request.remittanceId),
    );
  } else {
    outcome = "paid";
    accountId = account.id;
    // The operator's on-chain position grows by what the recipient is credited (the destination leg).
    journalId = await postJournal(q, {
      kind: "payout",
      ref: request.remittanceId,
      lines: [debit(SYSTEM_ACCOUNTS.settlement, amount), credit(account.id, amount)],
      now,
    });
    answer = {
      status: 201,
      body: {
        remittanceId: request.remittanceId,
        status: "paid",
        payoutRef: journalId,
        accountId: account.id,
        amount: request.amount,
        currency: screening.currency,
      },
    };
  }
  await q.run(
    `INSERT INTO wallet_payouts (remittance_id, request_hash, outcome, account_id, amount, journal_id, status, response, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      request.remittanceId,
      hash,
      outcome,
      accountId,
      request.amount,
      journalId,
      answer.status,
      JSON.stringify(answer.body),
      now,
    ],
  );
  return answer;
}
