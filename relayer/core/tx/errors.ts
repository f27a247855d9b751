import type { TxRecord } from "./types.js";

/** The transaction manager's refusals, each with a stable code the HTTP layer maps to a 4xx. */
export class TxManagerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The idempotency key was used by this tenant for a different request. */
export class IdempotencyConflictError extends TxManagerError {
  constructor(
    readonly tenant: string,
    readonly idempotencyKey: string,
  ) {
    super("IDEMPOTENCY_KEY_REUSED", `idempotency key "${idempotencyKey}" was used for a different request`);
  }
}

/** The simulation reverted: refused before sending, no nonce used. `record.error.revert` has the decoded error. */
export class TxRejectedError extends TxManagerError {
  constructor(readonly record: TxRecord) {
    super("TX_REJECTED", `refused before sending: ${record.error?.message ?? "simulation failed"}`);
  }
}

export class TxNotFoundError extends TxManagerError {
  constructor(id: string) {
    super("TX_NOT_FOUND", `no transaction request ${id}`);
  }
}

/** The request is malformed (address, data, value). Nothing was stored. */
export class InvalidTxRequestError extends TxManagerError {
  constructor(message: string) {
    super("TX_INVALID_REQUEST", message);
  }
}
