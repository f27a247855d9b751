import { encodeBytes32String, getAddress, isAddress, isHexString, keccak256, parseUnits, toUtf8Bytes } from "ethers";

import { TaskUserError } from "./errors.js";

/** Parses an account address, with a message naming the option when it is malformed. */
export function parseAddress(option: string, value: string): string {
  if (!isAddress(value))
    throw new TaskUserError(`--${option} "${value}" is not an address (0x followed by 40 hex digits)`);
  return getAddress(value);
}

/**
 * Parses a bytes32 identifier given either as 0x-prefixed 32-byte hex or as a short label (at most 31
 * bytes of UTF-8, e.g. "hk-wallet"), which is stored as its bytes32 string encoding.
 */
export function parseId(option: string, value: string): string {
  if (value === "") throw new TaskUserError(`--${option} is required`);
  if (isHexString(value, 32)) return value.toLowerCase();
  if (value.startsWith("0x")) throw new TaskUserError(`--${option} "${value}" is neither 32-byte hex nor a label`);
  if (toUtf8Bytes(value).length > 31) throw new TaskUserError(`--${option} "${value}" is longer than 31 bytes`);
  return encodeBytes32String(value);
}

/** Parses a bytes32 hash given as hex, or hashes a document reference given as text (keccak256). */
export function parseHashOrText(option: string, value: string): string {
  if (value === "") throw new TaskUserError(`--${option} is required`);
  if (isHexString(value, 32)) return value.toLowerCase();
  return keccak256(toUtf8Bytes(value));
}

/** Parses a decimal token amount ("1250.50") into base units for a token with `decimals`. */
export function parseAmount(option: string, value: string, decimals: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new TaskUserError(`--${option} "${value}" is not a positive decimal amount`);
  try {
    const amount = parseUnits(value, decimals);
    if (amount === 0n) throw new TaskUserError(`--${option} must be greater than zero`);
    return amount;
  } catch (error) {
    if (error instanceof TaskUserError) throw error;
    throw new TaskUserError(`--${option} "${value}" has more than ${decimals} decimals`);
  }
}

/** Parses a non-negative integer option (block numbers, basis points, reason codes). */
export function parseUint(option: string, value: string | number | bigint, max?: bigint): bigint {
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new TaskUserError(`--${option} "${text}" is not a non-negative integer`);
  const parsed = BigInt(text);
  if (max !== undefined && parsed > max) throw new TaskUserError(`--${option} ${text} is above the maximum ${max}`);
  return parsed;
}

/** Parses a duration such as "90s", "15m", "2h", "7d" (or plain seconds) into seconds. */
export function parseDuration(option: string, value: string): bigint {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (match === null) throw new TaskUserError(`--${option} "${value}" is not a duration like 90s, 15m, 2h or 7d`);
  const unit = { "": 1n, s: 1n, m: 60n, h: 3600n, d: 86400n }[match[2] as "" | "s" | "m" | "h" | "d"];
  return BigInt(match[1] as string) * unit;
}
