/**
 * Revert decoding over every platform ABI: custom errors with named, humanised arguments (labels for
 * ids, role and status names, dates), the built-in `Error(string)` and `Panic(uint256)`, and the errors
 * that wrap another (`RemittanceBatchItemFailed(index, reason)`), decoded down to the failing item's own.
 */
import { AbiCoder, getAddress, isError } from "ethers";

import { PLATFORM_ERRORS, type AbiErrorEntry } from "./abi.js";
import { DealStatus, HashFunction, Funding, RemittanceStatus, TenantStatus, nameOf } from "./enums.js";
import { BaseError, ContractRevertError, NonceError, TransportError, type DecodedError } from "./errors.js";
import { formatAccessRole, formatRoles } from "./roles.js";
import { formatId, formatTime, escapeText } from "./text.js";

const coder = AbiCoder.defaultAbiCoder();
const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

const ENUMS: Record<string, readonly string[]> = {
  TenantStatus,
  DealStatus,
  RemittanceStatus,
  HashFunction,
  Funding,
};

// Arguments that hold unix times; the contracts name them consistently.
const TIME_NAMES = new Set(["deadline", "expiry", "timestamp", "refundableAt", "latest"]);
// Arguments that hold tenant role bits.
const ROLE_NAMES = new Set(["role", "roles", "memberRoles", "tenantRoles"]);

const PANICS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x32: "array index out of bounds",
  0x41: "out of memory",
};

/** Decodes revert data; undefined when it is empty or matches no platform error. */
export function decodeRevertData(data: string, depth = 0): DecodedError | undefined {
  if (data.length < 10) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  try {
    if (selector === ERROR_STRING) {
      const [message] = coder.decode(["string"], "0x" + data.slice(10));
      const value = escapeText(String(message));
      return {
        name: "Error",
        args: [message],
        fields: [{ name: "message", type: "string", value }],
        text: `Error("${value}")`,
      };
    }
    if (selector === PANIC) {
      const [code] = coder.decode(["uint256"], "0x" + data.slice(10));
      const value = `0x${(code as bigint).toString(16)}${PANICS[Number(code)] === undefined ? "" : ` (${PANICS[Number(code)]})`}`;
      return {
        name: "Panic",
        args: [code],
        fields: [{ name: "code", type: "uint256", value }],
        text: `Panic(${value})`,
      };
    }
    const known = PLATFORM_ERRORS.get(selector);
    if (known === undefined) return undefined;
    const args = coder.decode(known.fragment.inputs, "0x" + data.slice(10));
    const values = known.fragment.inputs.map((_, i) => args[i] as unknown);
    return describe(known.entry, values, depth);
  } catch {
    // Malformed data under a known selector: report it as undecodable rather than guess.
    return undefined;
  }
}

function describe(entry: AbiErrorEntry, values: unknown[], depth: number): DecodedError {
  let inner: DecodedError | undefined;
  const fields = entry.inputs.map((input, i) => {
    const value = values[i];
    if (input.type === "bytes" && input.name === "reason" && typeof value === "string" && depth < 4) {
      inner = decodeRevertData(value, depth + 1);
      return { name: input.name, type: input.type, value: inner?.text ?? (value === "0x" ? "(no reason)" : value) };
    }
    return { name: input.name, type: input.type, value: humanise(input, value) };
  });
  const text = `${entry.name}(${fields.map((f) => `${f.name}=${f.value}`).join(", ")})`;
  const decoded: DecodedError = { name: entry.name, args: values, fields, text };
  if (inner !== undefined) decoded.inner = inner;
  return decoded;
}

function humanise(input: { name: string; type: string; internalType?: string }, value: unknown): string {
  const enumMatch = /^enum \w+\.(\w+)$/.exec(input.internalType ?? "");
  if (enumMatch !== null) {
    const table = ENUMS[enumMatch[1]!];
    if (table !== undefined) return nameOf(table, value as bigint);
  }
  if (input.type === "bytes32") {
    if (input.name === "neededRole" || input.name === "role") return formatAccessRole(String(value));
    return formatId(String(value));
  }
  if (input.type === "uint16" && ROLE_NAMES.has(input.name)) return formatRoles(value as bigint);
  if (input.type.startsWith("uint") && TIME_NAMES.has(input.name)) {
    return formatTime(value as bigint);
  }
  if (input.type === "address") return getAddress(String(value));
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return escapeText(value);
  return String(value);
}

/** The revert data an ethers or JSON-RPC error carries, however deeply it is nested. */
export function findRevertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const candidate = (current as { data?: unknown }).data;
    if (typeof candidate === "string" && /^0x[0-9a-fA-F]*$/.test(candidate)) return candidate;
    if (typeof candidate === "object" && candidate !== null) {
      const nested = (candidate as { data?: unknown }).data;
      if (typeof nested === "string" && /^0x[0-9a-fA-F]*$/.test(nested)) return nested;
    }
    const next =
      (current as { cause?: unknown }).cause ??
      (current as { error?: unknown }).error ??
      (current as { info?: { error?: unknown } }).info?.error;
    current = next;
  }
  return undefined;
}

/**
 * Classifies anything a node call threw as a platform error: a revert (decoded, not retryable), a
 * transport failure (retryable), a nonce or price refusal (look the transaction up first), or the error
 * itself when it already is one. Unknown errors are returned unchanged so nothing is misreported.
 */
export function classifyError(error: unknown): unknown {
  if (error instanceof BaseError) return error;
  const data = findRevertData(error);
  if (data !== undefined && (isError(error, "CALL_EXCEPTION") || data !== "0x")) {
    return new ContractRevertError(decodeRevertData(data), data, { cause: error });
  }
  if (isError(error, "CALL_EXCEPTION")) return new ContractRevertError(undefined, "0x", { cause: error });
  if (isError(error, "NETWORK_ERROR") || isError(error, "TIMEOUT") || isError(error, "SERVER_ERROR")) {
    return new TransportError(`the node could not be reached: ${error.shortMessage}`, { cause: error });
  }
  if (isError(error, "NONCE_EXPIRED") || isError(error, "REPLACEMENT_UNDERPRICED")) {
    return new NonceError(`the node refused the transaction: ${error.shortMessage}`, { cause: error });
  }
  if (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ECONNREFUSED") {
    return new TransportError("the node refused the connection", { cause: error });
  }
  return error;
}
