import { ServiceError } from "../core/kit/errors.js";

/** The wallet's refusals, each a stable code over HTTP; none changes any state. */

export class UnknownAccountError extends ServiceError {
  constructor(id: string) {
    super(404, "unknown_account", `no account ${id}`);
  }
}

export class AccountExistsError extends ServiceError {
  constructor(ref: string) {
    super(409, "account_exists", `an account with ref "${ref}" already exists`);
  }
}

export class InsufficientFundsError extends ServiceError {
  constructor(accountId: string, balance: bigint, needed: bigint) {
    super(422, "insufficient_funds", `account ${accountId} holds ${balance}, needs ${needed}`, {
      details: { accountId, balance: balance.toString(), needed: needed.toString() },
    });
  }
}

export class UnknownTransferError extends ServiceError {
  constructor(id: string) {
    super(404, "unknown_transfer", `no transfer ${id}`);
  }
}

/** A payout refused for good: the remittance should be rejected on chain with this reason. */
export class PayoutRefusedError extends ServiceError {
  constructor(
    code: "unknown_recipient" | "compliance_hit" | "currency_mismatch",
    message: string,
    readonly remittanceId: string,
  ) {
    super(422, code, message, { details: { remittanceId } });
  }
}

/** The Idempotency-Key header and the remittance id in the body disagree. */
export class IdempotencyKeyMismatchError extends ServiceError {
  constructor() {
    super(400, "idempotency_key_mismatch", "Idempotency-Key must equal the remittanceId of the body");
  }
}

/** A webhook that did not verify: code from the client verifier (missing header, bad signature, stale, ...). */
export class WebhookRefusedError extends ServiceError {
  constructor(code: string, message: string) {
    super(401, code, message);
  }
}

/** A webhook about a remittance this wallet does not (yet) know: not recorded, so a retry can succeed. */
export class UnknownRemittanceError extends ServiceError {
  constructor(remittanceId: string) {
    super(409, "unknown_remittance", `no transfer is linked to remittance ${remittanceId}`);
  }
}

export class AdminKeyError extends ServiceError {
  constructor(message = "missing or invalid admin key") {
    super(401, "unauthorized", message);
  }
}

export class AdminDisabledError extends ServiceError {
  constructor() {
    super(403, "admin_disabled", "admin routes are disabled: no admin key is configured");
  }
}

/** The fault switch made this call fail on purpose (tests and demo). */
export class InjectedFaultError extends ServiceError {
  constructor(mode: string) {
    super(503, "unavailable", `payouts unavailable (injected fault: ${mode})`);
  }
}
