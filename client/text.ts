/**
 * Text that crosses the chain boundary: bytes32 labels (tenant and corridor ids), jurisdictions, names,
 * and times. Text going on chain refuses control characters; text coming from chain is escaped before it
 * is printed, so a tenant name cannot rewrite an operator's terminal.
 */
import { decodeBytes32String, encodeBytes32String, isHexString, keccak256, toUtf8Bytes } from "ethers";

import { InvalidArgumentError } from "./errors.js";

export const ZERO_ID = "0x" + "00".repeat(32);

// C0, DEL, C1, and the bidirectional overrides that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_GLOBAL = new RegExp(CONTROL.source, "gu");

/** Refuses text with control characters (names, references that go on chain). */
export function requirePrintable(argument: string, value: string): string {
  if (CONTROL.test(value)) {
    throw new InvalidArgumentError(argument, `--${argument} contains control characters; use printable text only`);
  }
  return value;
}

/** Text read from chain, with control characters shown as `\u{..}` escapes. */
export function escapeText(value: string): string {
  return value.replace(CONTROL_GLOBAL, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/**
 * Parses a bytes32 identifier given as 0x-prefixed 32-byte hex or as a label (1 to 31 bytes of UTF-8,
 * e.g. "hk-wallet"), which is stored as its bytes32 string encoding.
 */
export function parseId(argument: string, value: string): string {
  if (value === "") throw new InvalidArgumentError(argument, `--${argument} is required`);
  if (isHexString(value, 32)) return value.toLowerCase();
  if (value.startsWith("0x")) {
    throw new InvalidArgumentError(argument, `--${argument} "${escapeText(value)}" is neither 32-byte hex nor a label`);
  }
  requirePrintable(argument, value);
  if (toUtf8Bytes(value).length > 31) {
    throw new InvalidArgumentError(argument, `--${argument} "${value}" is longer than 31 bytes`);
  }
  return encodeBytes32String(value);
}

/** A bytes32 id as its label when it is one (any printable UTF-8, unicode included), else as hex. */
export function formatId(idHex: string): string {
  try {
    const label = decodeBytes32String(idHex);
    return label.length > 0 && !CONTROL.test(label) ? label : idHex;
  } catch {
    return idHex;
  }
}

/** Parses a bytes32 hash given as hex, or hashes a document reference given as text (keccak256). */
export function parseHashOrText(argument: string, value: string): string {
  if (value === "") throw new InvalidArgumentError(argument, `--${argument} is required`);
  if (isHexString(value, 32)) return value.toLowerCase();
  return keccak256(toUtf8Bytes(requirePrintable(argument, value)));
}

/** Parses an ISO 3166-1 alpha-2 code ("HK", "PH") into bytes2 hex. */
export function parseJurisdiction(argument: string, value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value)) {
    throw new InvalidArgumentError(
      argument,
      `--${argument} "${escapeText(value)}" is not an ISO 3166-1 alpha-2 code like HK or PH`,
    );
  }
  return "0x" + Buffer.from(value.toUpperCase(), "ascii").toString("hex");
}

export function formatJurisdiction(hex: string): string {
  return escapeText(Buffer.from(hex.slice(2), "hex").toString("latin1"));
}

/** A unix time (seconds) as an ISO date; the far future of "no deadline" values stays readable. */
export function formatTime(unix: bigint | number): string {
  const seconds = BigInt(unix);
  // Date covers ±8.64e15 ms; beyond it a value is not a real time.
  if (seconds < 0n || seconds > 8_640_000_000_000n) return `${seconds} (unix seconds)`;
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** A number of seconds as "1h 30m", "14d", "45s". */
export function formatDuration(seconds: bigint | number): string {
  let s = BigInt(seconds);
  if (s === 0n) return "0s";
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3_600n],
    ["m", 60n],
    ["s", 1n],
  ] as const) {
    if (s >= size) {
      parts.push(`${s / size}${unit}`);
      s %= size;
    }
  }
  return parts.join(" ");
}
