/** What the `escrow` tasks add to the client's escrow module: option parsers and a deal's task context. */
import { isHexString, ZeroHash, type Result, type TransactionReceipt } from "ethers";

import type { SettlementToken, TokenEscrow } from "../../typechain-types/index.js";
import { HashFunction as HashFunctionTable, valueOf, type HashFunctionName } from "../../client/enums.js";
import { isFinalDeal, loadDeal as loadDealFromLogs, MAX_MILESTONES, type LoadedDeal } from "../../client/escrow.js";
import { parseAmount } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";
import { checkDecimal, formatAmount, tokenAt } from "./tokens.js";

export {
  dealIdOf,
  hashSecret,
  milestonesCommitment,
  remainingOf,
  termsFromEvent,
  type DealTerms,
  type LoadedDeal,
} from "../../client/escrow.js";
export { DealStatus, type DealStatusName, type HashFunctionName } from "../../client/enums.js";

/** `HashFunction` enum values by name. */
export const HashFunction = {
  keccak256: Number(valueOf(HashFunctionTable, "keccak256")),
  sha256: Number(valueOf(HashFunctionTable, "sha256")),
} as const;

export const isFinal = isFinalDeal;

/** Rebuilds a deal from its events (from the escrow's deployment block) and its on-chain record. */
export async function loadDeal(ctx: TaskContext, id: string): Promise<LoadedDeal> {
  const deal = await loadDealFromLogs(
    ctx.platform.escrow,
    ctx.platform.provider,
    id,
    ctx.platform.deploymentBlock("escrow"),
  );
  if (deal === undefined) throw new TaskUserError(`no deal ${id} was opened on this escrow`);
  return deal;
}

// ---------------------------------------------------------------- argument parsers

/** Parses a deal id: 32-byte hex. */
export function parseDealId(option: string, value: string): string {
  if (value === "") throw new TaskUserError(`--${option} is required`);
  if (!isHexString(value, 32)) throw new TaskUserError(`--${option} "${value}" is not a deal id (32-byte hex)`);
  return value.toLowerCase();
}

/** Parses a hashlock secret: exactly 32 bytes of hex. */
export function parseSecret(option: string, value: string): string {
  if (value === "") throw new TaskUserError(`--${option} is required`);
  if (!isHexString(value, 32)) throw new TaskUserError(`--${option} must be 32 bytes of hex (0x and 64 hex digits)`);
  return value.toLowerCase();
}

/** Parses a hashlock: 32-byte hex, or empty for none. */
export function parseHashlock(option: string, value: string): string {
  if (value === "") return ZeroHash;
  if (!isHexString(value, 32) || BigInt(value) === 0n)
    throw new TaskUserError(`--${option} "${value}" is not a 32-byte hash (0x and 64 hex digits)`);
  return value.toLowerCase();
}

export function parseHashFunction(option: string, value: string): HashFunctionName {
  const name = value.toLowerCase();
  if (name !== "keccak256" && name !== "sha256")
    throw new TaskUserError(`--${option} "${value}" is not a hash function (keccak256 or sha256)`);
  return name;
}

/** Checks the shape of a comma-separated list of milestone amounts ("400,600.50"). */
export function checkMilestones(option: string, value: string): string[] {
  if (value === "") return [];
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length > MAX_MILESTONES)
    throw new TaskUserError(`--${option} has ${parts.length} milestones; at most ${MAX_MILESTONES}`);
  for (const part of parts) checkDecimal(option, part);
  return parts;
}

/** Parses milestone amounts with the token's decimals and checks they add up to the deal's amount. */
export function parseMilestones(
  option: string,
  parts: string[],
  decimals: number,
  amount: bigint,
  format: (value: bigint) => string,
): bigint[] {
  const amounts = parts.map((p) => parseAmount(option, p, decimals));
  const sum = amounts.reduce((a, b) => a + b, 0n);
  if (amounts.length > 0 && sum !== amount) {
    throw new TaskUserError(`--${option} add up to ${format(sum)}, not the deal's amount ${format(amount)}`);
  }
  return amounts;
}

// ---------------------------------------------------------------- contracts

/** The deployed escrow, connected to the task's signer. */
export async function escrowOf(ctx: TaskContext): Promise<TokenEscrow> {
  return ctx.platform.escrow;
}

// ---------------------------------------------------------------- actions on an existing deal

/** What an action on an existing deal works with: the deal rebuilt from events, its token and the escrow. */
export interface DealContext {
  ctx: TaskContext;
  escrow: TokenEscrow;
  deal: LoadedDeal;
  token: SettlementToken;
  decimals: number;
  symbol: string;
  /** Formats base units of the deal's token. */
  format(amount: bigint): string;
}

export async function dealContext(ctx: TaskContext, dealId: string): Promise<DealContext> {
  const escrow = await escrowOf(ctx);
  const deal = await loadDeal(ctx, dealId);
  const token = await tokenAt(ctx, deal.terms.token);
  const [decimals, symbol] = await Promise.all([token.decimals(), token.symbol()]);
  return {
    ctx,
    escrow,
    deal,
    token,
    decimals: Number(decimals),
    symbol,
    format: (amount) => formatAmount(amount, { decimals: Number(decimals), symbol }),
  };
}

/** Fails with a readable message when the deal is final: nothing can happen to it any more. */
export function requireNotFinal(deal: LoadedDeal, action: string): void {
  if (isFinal(deal.status))
    throw new TaskUserError(`deal ${deal.id} is ${deal.status}, which is final: cannot ${action}`);
}

/** The arguments of the first event `name` the escrow emitted in a transaction. */
export function eventIn(escrow: TokenEscrow, receipt: TransactionReceipt, name: string): Result {
  const address = String(escrow.target).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = escrow.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  throw new Error(`no ${name} event in transaction ${receipt.hash}`);
}
