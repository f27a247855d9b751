import {
  AbiCoder,
  Interface,
  concat,
  isHexString,
  keccak256,
  sha256,
  toBeHex,
  ZeroHash,
  type Result,
  type TransactionReceipt,
} from "ethers";

import type { SettlementToken, TokenEscrow } from "../../typechain-types/index.js";
import { parseAmount } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";
import { checkDecimal, formatAmount, tokenAt } from "./tokens.js";

export const ESCROW_FUTURE = "TokenEscrowModule#TokenEscrow";

/** Deal statuses, in the order of the `DealStatus` enum. */
export const DealStatus = ["None", "Funded", "Disputed", "Released", "Refunded", "Resolved"] as const;
export type DealStatusName = (typeof DealStatus)[number];

/** `HashFunction` enum values. */
export const HashFunction = { keccak256: 0, sha256: 1 } as const;
export type HashFunctionName = keyof typeof HashFunction;

/** The highest number of milestones a deal can have (`MAX_MILESTONES`). */
export const MAX_MILESTONES = 16;

/** The immutable terms of a deal, as `ITokenEscrow.DealTerms` lays them out. */
export interface DealTerms {
  payer: string;
  payee: string;
  arbiter: string;
  token: string;
  amount: bigint;
  deadline: bigint;
  feeBps: bigint;
  hashFunction: bigint;
  hashlock: string;
  milestones: string;
  ref: string;
  salt: bigint;
}

const TERMS_TUPLE =
  "tuple(address payer, address payee, address arbiter, address token, uint128 amount, uint64 deadline, " +
  "uint16 feeBps, uint8 hashFunction, bytes32 hashlock, bytes32 milestones, bytes32 ref, uint64 salt)";

/** The deal id the escrow derives from the terms: `keccak256(abi.encode(terms))`. */
export function dealIdOf(terms: DealTerms): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]));
}

/** The commitment to milestone amounts (`keccak256` of the amounts as 32-byte words); zero for none. */
export function milestonesCommitment(amounts: readonly bigint[]): string {
  if (amounts.length === 0) return ZeroHash;
  return keccak256(concat(amounts.map((a) => toBeHex(a, 32))));
}

/** The hashlock of a 32-byte secret, as the escrow checks it. */
export function hashSecret(secret: string, fn: HashFunctionName): string {
  return fn === "sha256" ? sha256(secret) : keccak256(secret);
}

/** Plain terms from the decoded `DealOpened` tuple (ethers `Result`), usable as call arguments again. */
export function termsFromEvent(t: DealTerms): DealTerms {
  return {
    payer: t.payer,
    payee: t.payee,
    arbiter: t.arbiter,
    token: t.token,
    amount: t.amount,
    deadline: t.deadline,
    feeBps: t.feeBps,
    hashFunction: t.hashFunction,
    hashlock: t.hashlock,
    milestones: t.milestones,
    ref: t.ref,
    salt: t.salt,
  };
}

/** A deal as an off-chain reader sees it: the terms from `DealOpened`, the record from the escrow. */
export interface LoadedDeal {
  id: string;
  terms: DealTerms;
  milestones: bigint[];
  payerTenant: string;
  payeeTenant: string;
  openedInBlock: number;
  status: DealStatusName;
  milestonesReleased: number;
  released: bigint;
}

/** Rebuilds a deal from its `DealOpened` (and `MilestonesScheduled`) events and its on-chain record. */
export async function loadDeal(escrow: TokenEscrow, id: string): Promise<LoadedDeal> {
  const fromBlock = Number(await escrow.deploymentBlock());
  const [opened] = await escrow.queryFilter(escrow.filters.DealOpened(id), fromBlock);
  if (opened === undefined) throw new TaskUserError(`no deal ${id} was opened on this escrow`);
  const [scheduled] = await escrow.queryFilter(escrow.filters.MilestonesScheduled(id), opened.blockNumber);
  const record = await escrow.getDeal(id);
  return {
    id,
    terms: termsFromEvent(opened.args.terms),
    milestones: scheduled === undefined ? [] : [...scheduled.args.amounts],
    payerTenant: opened.args.payerTenant,
    payeeTenant: opened.args.payeeTenant,
    openedInBlock: opened.blockNumber,
    status: formatDealStatus(record.status),
    milestonesReleased: Number(record.milestonesReleased),
    released: record.released,
  };
}

export function formatDealStatus(status: bigint | number): DealStatusName {
  const name = DealStatus[Number(status)];
  if (name === undefined) throw new Error(`unknown deal status ${status}`);
  return name;
}

/** Whether a status is one a deal never leaves. */
export function isFinal(status: DealStatusName): boolean {
  return status === "Released" || status === "Refunded" || status === "Resolved";
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
  return (await ctx.ethers.getContractAt(
    "TokenEscrow",
    ctx.address(ESCROW_FUTURE),
    ctx.signer,
  )) as unknown as TokenEscrow;
}

/** Interfaces whose custom errors can surface through an escrow call: the registry's and the token's. */
export async function escrowErrorSources(ctx: TaskContext): Promise<Interface[]> {
  const registry = await ctx.ethers.getContractFactory("TenantRegistry");
  const token = await ctx.ethers.getContractFactory("SettlementToken");
  return [registry.interface, token.interface];
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
  errorSources: Interface[];
  /** Formats base units of the deal's token. */
  format(amount: bigint): string;
}

export async function dealContext(ctx: TaskContext, dealId: string): Promise<DealContext> {
  const escrow = await escrowOf(ctx);
  const deal = await loadDeal(escrow, dealId);
  const token = await tokenAt(ctx, deal.terms.token);
  const [decimals, symbol] = await Promise.all([token.decimals(), token.symbol()]);
  return {
    ctx,
    escrow,
    deal,
    token,
    decimals: Number(decimals),
    symbol,
    errorSources: await escrowErrorSources(ctx),
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

/** The remaining amount of a deal: what it still holds for payer and payee. */
export function remainingOf(deal: LoadedDeal): bigint {
  return isFinal(deal.status) ? 0n : deal.terms.amount - deal.released;
}
