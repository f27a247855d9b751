/**
 * What went wrong on a JSON-RPC call, classified once so every caller reacts the same way:
 * transport → retry elsewhere (the only kind that counts against a node's health); nonce consumed or
 * already known → look the transaction up; nonce gap → fill; underpriced → bump; revert → fail the
 * request with its data, never retry; anything else → surface.
 */
export type ChainErrorKind = "transport" | "nonce-consumed" | "nonce-gap" | "underpriced" | "revert" | "rpc";

export class ChainError extends Error {
  readonly kind: ChainErrorKind;
  readonly code: string;
  /** The node the error came from, when one answered. */
  readonly url: string | undefined;

  constructor(kind: ChainErrorKind, code: string, message: string, options: { url?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.code = code;
    this.url = options.url;
  }

  get retryable(): boolean {
    return this.kind === "transport";
  }
}

/** No usable answer: connection refused or reset, timeout, HTTP error status, unparsable body. */
export class TransportError extends ChainError {
  constructor(message: string, options: { url?: string; cause?: unknown } = {}) {
    super("transport", "CHAIN_TRANSPORT", message, options);
  }
}

/** "nonce too low", "already known": the nonce was used, perhaps by this very transaction. */
export class NonceConsumedError extends ChainError {
  constructor(message: string, options: { url?: string; cause?: unknown } = {}) {
    super("nonce-consumed", "CHAIN_NONCE_CONSUMED", message, options);
  }
}

/** "nonce too high": a lower nonce is missing from the chain and the pool. */
export class NonceGapError extends ChainError {
  constructor(message: string, options: { url?: string; cause?: unknown } = {}) {
    super("nonce-gap", "CHAIN_NONCE_GAP", message, options);
  }
}

/** The fee is below what the node or the replacement rule accepts. */
export class UnderpricedError extends ChainError {
  constructor(message: string, options: { url?: string; cause?: unknown } = {}) {
    super("underpriced", "CHAIN_UNDERPRICED", message, options);
  }
}

/** The call reverts; `data` is the raw revert data (`0x` when the node gave none). */
export class RevertError extends ChainError {
  constructor(
    message: string,
    readonly data: string,
    options: { url?: string; cause?: unknown } = {},
  ) {
    super("revert", "CHAIN_REVERT", message, options);
  }
}

/** A JSON-RPC error that fits none of the kinds above (bad params, method not found, ...). */
export class RpcError extends ChainError {
  constructor(
    message: string,
    readonly rpcCode: number | undefined,
    options: { url?: string; cause?: unknown } = {},
  ) {
    super("rpc", "CHAIN_RPC", message, options);
  }
}

// Messages of geth, Besu, Nethermind, anvil and Hardhat's EDR, matched case-insensitively.
const NONCE_CONSUMED =
  /nonce too low|already known|known transaction|already imported|nonce has already been used|transaction already exists|OldNonce/i;
const NONCE_GAP = /nonce too high|nonce gap|NonceTooHigh|future nonce|incorrect nonce/i;
const UNDERPRICED =
  /underpriced|fee cap less than block base fee|max fee per gas less than block base fee|gas price below|gas price too low|is too low for the next block|maxFeePerGas.*too low|GasPriceTooLow|fee too low|insufficient priority fee/i;
const REVERT = /revert/i;

/** Turns a JSON-RPC error object into the error of its kind. */
export function classifyRpcError(error: { code?: number; message?: string; data?: unknown }, url?: string): ChainError {
  const message = String(error.message ?? "JSON-RPC error");
  const data = revertDataOf(error.data);
  if (error.code === 3 || (data !== undefined && REVERT.test(message))) {
    return new RevertError(message, data ?? "0x", { url, cause: error });
  }
  if (NONCE_CONSUMED.test(message)) return new NonceConsumedError(message, { url, cause: error });
  if (NONCE_GAP.test(message)) return new NonceGapError(message, { url, cause: error });
  if (UNDERPRICED.test(message)) return new UnderpricedError(message, { url, cause: error });
  if (REVERT.test(message)) return new RevertError(message, "0x", { url, cause: error });
  return new RpcError(message, error.code, { url, cause: error });
}

function revertDataOf(data: unknown): string | undefined {
  if (typeof data === "string" && /^0x[0-9a-f]*$/i.test(data)) return data;
  if (data !== null && typeof data === "object" && "data" in data)
    return revertDataOf((data as { data: unknown }).data);
  return undefined;
}
