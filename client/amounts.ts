/**
 * Amounts: decimal text ↔ token base units, with every bound checked as an argument error (never an
 * ethers encoding error), and formatting that shows every decimal of the token.
 */
import { parseUnits } from "ethers";

import { InvalidArgumentError } from "./errors.js";

/** Basis points in one. */
export const BPS = 10_000n;

export const UINT_MAX = {
  16: 2n ** 16n - 1n,
  32: 2n ** 32n - 1n,
  48: 2n ** 48n - 1n,
  64: 2n ** 64n - 1n,
  96: 2n ** 96n - 1n,
  128: 2n ** 128n - 1n,
  256: 2n ** 256n - 1n,
} as const;

/** A token as amounts are shown: its symbol and decimals. */
export interface TokenUnits {
  symbol: string;
  decimals: number;
}

export interface ParseAmountOptions {
  /** Admit zero (revoking an allowance); refused by default. */
  allowZero?: boolean;
  /** Largest value in base units (the contract field's width); 2^128 - 1 by default. */
  max?: bigint;
}

/** Parses a decimal amount ("1250.50") into base units of a token with `decimals`. */
export function parseAmount(
  argument: string,
  value: string,
  decimals: number,
  options: ParseAmountOptions = {},
): bigint {
  if (value === "") throw new InvalidArgumentError(argument, `--${argument} is required`);
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new InvalidArgumentError(argument, `--${argument} "${value}" is not a positive decimal amount`);
  }
  const fraction = value.split(".")[1] ?? "";
  if (fraction.replace(/0+$/, "").length > decimals) {
    throw new InvalidArgumentError(argument, `--${argument} "${value}" has more than ${decimals} decimals`);
  }
  const trimmed = fraction.length > decimals ? value.slice(0, value.length - (fraction.length - decimals)) : value;
  const amount = parseUnits(trimmed.endsWith(".") ? trimmed.slice(0, -1) : trimmed, decimals);
  if (amount === 0n && options.allowZero !== true) {
    throw new InvalidArgumentError(argument, `--${argument} must be greater than zero`);
  }
  const max = options.max ?? UINT_MAX[128];
  if (amount > max)
    throw new InvalidArgumentError(argument, `--${argument} ${value} is above the largest amount the contract holds`);
  return amount;
}

/** Checks the shape of a decimal amount before the token's decimals are known (so nothing is read first). */
export function checkDecimal(argument: string, value: string): void {
  if (value === "") throw new InvalidArgumentError(argument, `--${argument} is required`);
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new InvalidArgumentError(argument, `--${argument} "${value}" is not a positive decimal amount`);
  }
}

/** "1,250.50 tHKD": every decimal of the token shown, thousands grouped. */
export function formatAmount(amount: bigint, token: TokenUnits): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(token.decimals + 1, "0");
  const whole = digits.slice(0, digits.length - token.decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = token.decimals > 0 ? "." + digits.slice(digits.length - token.decimals) : "";
  return `${negative ? "-" : ""}${whole}${fraction} ${token.symbol}`;
}

/** Parses a non-negative integer (basis points, reason codes, block numbers) bounded by `max`. */
export function parseUint(argument: string, value: string | number | bigint, max: bigint): bigint {
  const text = String(value);
  if (!/^\d+$/.test(text)) {
    throw new InvalidArgumentError(argument, `--${argument} "${text}" is not a non-negative integer`);
  }
  const parsed = BigInt(text);
  if (parsed > max) throw new InvalidArgumentError(argument, `--${argument} ${text} is above the maximum ${max}`);
  return parsed;
}

/** The longest duration any option takes: ten years, far beyond any contract window, far below uint64. */
export const MAX_DURATION = 10n * 365n * 86_400n;

/** Parses "90s", "15m", "2h", "7d" (or plain seconds) into seconds, at most `max`. */
export function parseDuration(argument: string, value: string, max: bigint = MAX_DURATION): bigint {
  const match = /^(\d{1,12})([smhd]?)$/.exec(value);
  if (match === null) {
    throw new InvalidArgumentError(argument, `--${argument} "${value}" is not a duration like 90s, 15m, 2h or 7d`);
  }
  const unit = { "": 1n, s: 1n, m: 60n, h: 3600n, d: 86400n }[match[2] as "" | "s" | "m" | "h" | "d"];
  const seconds = BigInt(match[1]!) * unit;
  if (seconds > max) throw new InvalidArgumentError(argument, `--${argument} ${value} is longer than ${max}s`);
  return seconds;
}

/** The platform fee of a corridor on `sourceAmount`: `feeFixed + sourceAmount * feeBps / 10000`. */
export function corridorFee(corridor: { feeFixed: bigint; feeBps: bigint | number }, sourceAmount: bigint): bigint {
  return corridor.feeFixed + (sourceAmount * BigInt(corridor.feeBps)) / BPS;
}

/** A token with its address, as readers show it. */
export interface TokenInfo extends TokenUnits {
  address: string;
}
