/**
 * The one error root of the platform's off-chain code, after viem's `BaseError`.
 *
 * A command line prints `shortMessage`; the HTTP services map `code` to a status; retry logic asks
 * `retryable`. `walk()` finds a cause of a given kind anywhere in the chain, so a caller that wraps an
 * error never hides what it was.
 */

/** Stable machine-readable codes. Never rename one: clients and HTTP mappings depend on them. */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "DEPLOYMENT_NOT_FOUND"
  | "DEPLOYMENT_MISMATCH"
  | "NOT_A_CONTRACT"
  | "CONTRACT_REVERT"
  | "REFUSED"
  | "TRANSACTION_FAILED"
  | "TRANSACTION_NOT_PROVEN"
  | "TRANSPORT"
  | "NONCE"
  | "QUOTE_INVALID"
  | "RELAYER_REFUSED"
  | "UNKNOWN";

export interface BaseErrorOptions {
  cause?: unknown;
  /** A longer explanation, printed under the short message by verbose callers. */
  details?: string;
  /** Further lines (what to do next, the values involved). */
  metaMessages?: string[];
}

export class BaseError extends Error {
  override name = "BaseError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: string[];
  /** What went wrong, for machines; stable across releases. */
  readonly code: ErrorCode = "UNKNOWN";
  /** Whether sending the same request again, unchanged, can succeed. */
  readonly retryable: boolean = false;

  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    const lines = [shortMessage];
    if (options.metaMessages !== undefined && options.metaMessages.length > 0) lines.push("", ...options.metaMessages);
    if (options.details !== undefined) lines.push("", `Details: ${options.details}`);
    super(lines.join("\n"), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.metaMessages = options.metaMessages ?? [];
  }

  /**
   * The deepest error in the `cause` chain, or the first one for which `predicate` holds (this error
   * included); undefined when a predicate is given and nothing matches.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk starts at this error
    let current: unknown = this;
    for (let depth = 0; depth < 32; depth++) {
      if (predicate !== undefined && predicate(current)) return current;
      const next = typeof current === "object" && current !== null ? (current as { cause?: unknown }).cause : undefined;
      if (next === undefined || next === null) return predicate === undefined ? current : undefined;
      current = next;
    }
    return predicate === undefined ? current : undefined;
  }
}

/** A value a caller gave that can never be right (malformed, out of range): fix the input. */
export class InvalidArgumentError extends BaseError {
  override name = "InvalidArgumentError";
  override readonly code = "INVALID_ARGUMENT";
  /** The argument at fault, e.g. "amount". */
  readonly argument: string;

  constructor(argument: string, shortMessage: string, options: BaseErrorOptions = {}) {
    super(shortMessage, options);
    this.argument = argument;
  }
}

/** No deployment with this id (no Ignition folder, no manifest). */
export class DeploymentNotFoundError extends BaseError {
  override name = "DeploymentNotFoundError";
  override readonly code = "DEPLOYMENT_NOT_FOUND";
}

/**
 * The deployment read from disk is not the one on the node: another chain, a restarted node, or a
 * contract missing. Nothing may be sent; the message says how to redeploy.
 */
export class DeploymentMismatchError extends BaseError {
  override name = "DeploymentMismatchError";
  override readonly code = "DEPLOYMENT_MISMATCH";
}

/** An address that holds no contract of the expected kind. */
export class NotAContractError extends BaseError {
  override name = "NotAContractError";
  override readonly code = "NOT_A_CONTRACT";
}

/** A decoded custom error, as a contract raised it, with every argument named and humanised. */
export interface DecodedError {
  /** `RemittanceQuoteExpired`, or `Error` / `Panic` for the built-in ones. */
  name: string;
  /** Raw decoded arguments, in declaration order. */
  args: readonly unknown[];
  /** Argument names with values as a person reads them (labels, role names, status names, dates). */
  fields: ReadonlyArray<{ name: string; type: string; value: string }>;
  /** The item's own error, for errors that wrap one (`RemittanceBatchItemFailed(index, reason)`). */
  inner?: DecodedError;
  /** `Name(field=value, ...)`, nested errors inline. */
  text: string;
}

/** A call the contract rejects (found by simulation or in a reverted receipt). Never retryable as is. */
export class ContractRevertError extends BaseError {
  override name = "ContractRevertError";
  override readonly code = "CONTRACT_REVERT";
  /** The decoded error, undefined when the data matches no platform ABI. */
  readonly decoded: DecodedError | undefined;
  /** The raw revert data ("0x" when the node gave none). */
  readonly data: string;

  constructor(decoded: DecodedError | undefined, data: string, options: BaseErrorOptions = {}) {
    super(
      decoded === undefined
        ? data === "0x"
          ? "the contract rejected the call without a reason"
          : `the contract rejected the call with unknown error data ${data}`
        : `the contract rejected the call: ${decoded.text}`,
      options,
    );
    this.decoded = decoded;
    this.data = data;
  }

  /** The innermost error name (the failing item's for a batch), for mapping and tests. */
  get errorName(): string | undefined {
    let d = this.decoded;
    while (d?.inner !== undefined) d = d.inner;
    return d?.name;
  }
}

/**
 * A request refused by a pre-flight check, before anything was signed or sent. `reason` is stable (the
 * HTTP services map it to a 4xx status); `shortMessage` says what is wrong and what to do.
 */
export class RefusalError extends BaseError {
  override name = "RefusalError";
  override readonly code = "REFUSED";
  readonly reason: RefusalReason;
  /** Whether the same request can succeed later without change (a quote not yet valid, liquidity coming). */
  override readonly retryable: boolean;

  constructor(reason: RefusalReason, shortMessage: string, options: BaseErrorOptions & { retryable?: boolean } = {}) {
    super(shortMessage, options);
    this.reason = reason;
    this.retryable = options.retryable ?? false;
  }
}

/** Why a pre-flight check refused; one value per condition, stable. */
export type RefusalReason =
  | "UNKNOWN_TENANT"
  | "TENANT_NOT_ACTIVE"
  | "MISSING_ROLE"
  | "NOT_A_MEMBER"
  | "WRONG_TENANT"
  | "UNKNOWN_CORRIDOR"
  | "CORRIDOR_DISABLED"
  | "AMOUNT_OUT_OF_RANGE"
  | "DAILY_CAP_EXCEEDED"
  | "QUOTE_EXPIRED"
  | "QUOTE_OTHER_DEPLOYMENT"
  | "QUOTE_FEE_MISMATCH"
  | "ALREADY_USED"
  | "DEADLINE_OUT_OF_RANGE"
  | "INSUFFICIENT_BALANCE"
  | "INSUFFICIENT_ALLOWANCE"
  | "INSUFFICIENT_LIQUIDITY"
  | "UNKNOWN_REMITTANCE"
  | "ALREADY_FINAL"
  | "NOT_RECEIVER"
  | "RECEIVER_IS_SENDER"
  | "RECEIVER_MISMATCH"
  | "RECEIVER_OFFBOARDED"
  | "TENANT_FROZEN"
  | "NOT_TREASURER"
  | "DEADLINE_NOT_REACHED"
  | "DEADLINE_PASSED"
  | "UNKNOWN_DEAL"
  | "NOT_PARTY";

/** A transaction mined but reverted, or mined without the event that proves it did what was asked. */
export class TransactionFailedError extends BaseError {
  override name = "TransactionFailedError";
  override readonly code: "TRANSACTION_FAILED" | "TRANSACTION_NOT_PROVEN" = "TRANSACTION_FAILED";
  readonly hash: string;

  constructor(hash: string, shortMessage: string, options: BaseErrorOptions & { notProven?: boolean } = {}) {
    super(shortMessage, options);
    this.hash = hash;
    if (options.notProven === true) this.code = "TRANSACTION_NOT_PROVEN";
  }
}

/** The node could not be reached or answered with a server error: retrying (elsewhere) can help. */
export class TransportError extends BaseError {
  override name = "TransportError";
  override readonly code = "TRANSPORT";
  override readonly retryable = true;
}

/** The node refused the transaction's nonce or price: look the transaction up, then resync or bump. */
export class NonceError extends BaseError {
  override name = "NonceError";
  override readonly code = "NONCE";
  override readonly retryable = true;
}

/** A quote or quote file that cannot be used. */
export class QuoteError extends BaseError {
  override name = "QuoteError";
  override readonly code = "QUOTE_INVALID";
}

/**
 * The meta-transaction relayer refused a request or reported it failed. `relayerCode` is the relayer's
 * stable code (`budget_exhausted`, `would_revert`, ...); `revert` the target's decoded error, when any.
 */
export class RelayerRefusedError extends BaseError {
  override name = "RelayerRefusedError";
  override readonly code = "RELAYER_REFUSED";
  override readonly retryable: boolean;

  constructor(
    readonly relayerCode: string,
    readonly status: number,
    shortMessage: string,
    readonly relayerDetails: unknown = undefined,
    options: BaseErrorOptions = {},
  ) {
    super(shortMessage, options);
    // Limits that pass with time; everything else needs a new or different request.
    this.retryable = ["rate_limited", "member_rate_limited", "member_in_flight_limit", "unavailable"].includes(
      relayerCode,
    );
  }
}
