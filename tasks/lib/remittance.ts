/**
 * What the `remit` tasks add to the client's remittance module: reading through a task context, corridor
 * terms from options, and refusals as readable errors.
 */
import type { RemittanceSettlement, TenantRegistry } from "../../typechain-types/index.js";
import {
  checkLedgerMember,
  checkPending,
  checkReceiver,
  checkWithdrawer,
  readMember,
  unwrap,
} from "../../client/preflight.js";
import {
  chainNow,
  findRemittance,
  MAX_FEE_BPS,
  MAX_FEE_FIXED,
  MAX_RECEIVER_WINDOW,
  MAX_SETTLEMENT_WINDOW,
  readCorridor,
  type Corridor,
  type HistorySource,
  type RemittanceHistory,
} from "../../client/remittance.js";
import { UINT_MAX } from "../../client/amounts.js";
import { nameOf, RemittanceStatus } from "../../client/enums.js";
import { parseAmount, parseDuration, parseId, parseUint } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";
import { formatId, formatStatus, Roles } from "./registry.js";
import { formatAmount, type TokenInfo } from "./tokens.js";

export {
  buildInitiateParams,
  chainNow,
  recordsFromReceipt,
  statusPath,
  type Corridor,
  type RemittanceHistory,
  type RemittanceRecord,
} from "../../client/remittance.js";
export { formatTime } from "../../client/text.js";
export { parseBool } from "./args.js";

export function formatRemittanceStatus(status: bigint | number): string {
  return nameOf(RemittanceStatus, status);
}

/** The deployed settlement contract, connected to the task's signer. */
export async function remittanceOf(ctx: TaskContext): Promise<RemittanceSettlement> {
  return ctx.platform.remittance;
}

/** Where the remittance history of the task's deployment starts. */
export function historySource(ctx: TaskContext): HistorySource {
  return {
    contract: ctx.platform.remittance,
    provider: ctx.platform.provider,
    fromBlock: ctx.platform.deploymentBlock("remittance"),
  };
}

/** Parses a remittance id (32-byte hex). */
export function parseRemittanceId(value: string): string {
  if (value === "") throw new TaskUserError("--id is required (the remittance id `remit send` printed)");
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new TaskUserError(`--id "${value}" is not a 32-byte hex id`);
  return value.toLowerCase();
}

/** The remittance with this id, from its events, or a readable error when there is none. */
export async function requireRemittance(ctx: TaskContext, id: string): Promise<RemittanceHistory> {
  const found = await findRemittance(historySource(ctx), id);
  if (found === undefined) throw new TaskUserError(`no remittance has id ${id}`);
  return found;
}

/** Fails with a readable message when a remittance already reached a final status. */
export function requirePending(history: RemittanceHistory): void {
  unwrap(checkPending(history, history.record.id));
}

/** Corridor terms as task options give them (empty: required for `open`, kept for `update`). */
export interface CorridorTermArgs {
  provider: string;
  min: string;
  max: string;
  dailyCap: string;
  feeFixed: string;
  feeBps: string;
  window: string;
  receiverWindow: string;
}

/** Reads a corridor; a readable error when no corridor has this id. */
export async function requireCorridor(contract: RemittanceSettlement, corridorId: string): Promise<Corridor> {
  const corridor = await readCorridor(contract, corridorId);
  if (corridor === undefined) {
    throw new TaskUserError(`unknown corridor ${formatId(corridorId)}: open it with \`remit corridor open\``);
  }
  return corridor;
}

/**
 * Parses corridor terms in the source token's units and checks what the contract would refuse:
 * `0 < min <= max <= daily cap`, fee at most 10 %, window from 1 s to 30 days, receiver window from 1 s to
 * the window (default: 10 minutes, or the window when shorter). With `current`, an empty option keeps the
 * current value.
 */
export function parseCorridorTerms(
  args: CorridorTermArgs,
  source: TokenInfo,
  current: Corridor | undefined,
): Pick<
  Corridor,
  "provider" | "minAmount" | "maxAmount" | "dailyCap" | "feeFixed" | "feeBps" | "settlementWindow" | "minReceiverWindow"
> {
  const required = (option: string) => {
    throw new TaskUserError(`--${option} is required`);
  };
  const amount = (option: string, value: string, kept: bigint | undefined, fallback?: bigint): bigint => {
    if (value === "") return kept ?? fallback ?? required(option);
    return parseAmount(option, value, source.decimals, { allowZero: true, max: UINT_MAX[96] });
  };
  const provider =
    args.provider === "" ? (current?.provider ?? required("provider")) : parseId("provider", args.provider);
  const minAmount = amount("min", args.min, current?.minAmount);
  const maxAmount = amount("max", args.max, current?.maxAmount);
  const dailyCap = amount("daily-cap", args.dailyCap, current?.dailyCap);
  const feeFixed = amount("fee-fixed", args.feeFixed, current?.feeFixed, 0n);
  const feeBps = args.feeBps === "" ? (current?.feeBps ?? 0n) : parseUint("fee-bps", args.feeBps, MAX_FEE_BPS);
  const settlementWindow =
    args.window === "" ? (current?.settlementWindow ?? 3600n) : parseDuration("window", args.window);
  if (minAmount === 0n) throw new TaskUserError("--min must be greater than zero");
  if (minAmount > maxAmount) throw new TaskUserError("--min is above --max");
  if (maxAmount > dailyCap)
    throw new TaskUserError("--max is above --daily-cap: no remittance of the maximum would fit a day");
  if (feeFixed > MAX_FEE_FIXED)
    throw new TaskUserError(`--fee-fixed ${args.feeFixed} is above what a corridor can hold`);
  if (settlementWindow === 0n || settlementWindow > MAX_SETTLEMENT_WINDOW) {
    throw new TaskUserError("--window must be from 1s to 30d");
  }
  const defaultReceiverWindow = settlementWindow < 600n ? settlementWindow : 600n;
  const minReceiverWindow =
    args.receiverWindow === ""
      ? (current?.minReceiverWindow ?? defaultReceiverWindow)
      : parseDuration("receiver-window", args.receiverWindow);
  if (minReceiverWindow === 0n || minReceiverWindow > settlementWindow || minReceiverWindow > MAX_RECEIVER_WINDOW) {
    throw new TaskUserError("--receiver-window must be from 1s to the settlement window, and at most 65535s");
  }
  return { provider, minAmount, maxAmount, dailyCap, feeFixed, feeBps, settlementWindow, minReceiverWindow };
}

/** Fails with a readable message unless `provider` is an active liquidity provider. */
export async function checkProvider(registry: TenantRegistry, provider: string): Promise<void> {
  const status = await registry.statusOf(provider);
  if (status === 0n) throw new TaskUserError(`unknown provider tenant ${formatId(provider)}`);
  if (status !== 2n) {
    throw new TaskUserError(`provider ${formatId(provider)} is ${formatStatus(status)}, not Active`);
  }
  if (!(await registry.tenantHasRole(provider, Roles["liquidity-provider"]))) {
    throw new TaskUserError(`provider ${formatId(provider)} does not hold the liquidity-provider role`);
  }
}

/** A corridor, line by line, as tasks print it. */
export function describeCorridor(corridor: Corridor, source: TokenInfo, destination: TokenInfo): string[] {
  return [
    `legs          ${source.symbol} -> ${destination.symbol} (${source.address} -> ${destination.address})`,
    `provider      ${formatId(corridor.provider)}`,
    `limits        ${formatAmount(corridor.minAmount, source)} to ${formatAmount(corridor.maxAmount, source)} per remittance`,
    `daily cap     ${formatAmount(corridor.dailyCap, source)} per sending operator`,
    `platform fee  ${formatAmount(corridor.feeFixed, source)} + ${corridor.feeBps} bps of the amount`,
    `window        ${corridor.settlementWindow}s after a quote expires`,
    `receiver      at least ${corridor.minReceiverWindow}s between initiation and the deadline`,
    `status        ${corridor.enabled ? "enabled" : "disabled"}`,
  ];
}

/** The tenant whose ledger `account` may use; deposits also need the tenant active. */
export async function requireLedgerMember(
  registry: TenantRegistry,
  account: string,
  requireActive: boolean,
): Promise<string> {
  const member = await readMember(registry, account);
  unwrap(checkLedgerMember(member, requireActive));
  return member.tenantId;
}

/** The tenant whose ledger `account` may withdraw from: a ledger member holding treasury, not frozen. */
export async function requireWithdrawer(registry: TenantRegistry, account: string): Promise<string> {
  const member = await readMember(registry, account);
  unwrap(checkWithdrawer(member));
  return member.tenantId;
}

/** Fails with a refusal unless `account` may confirm or reject for the receiving operator now. */
export async function requireReceiverMember(
  ctx: TaskContext,
  history: RemittanceHistory,
  action: "confirm" | "reject",
): Promise<void> {
  const member = await readMember(ctx.platform.registry, ctx.signer.address);
  unwrap(checkReceiver(history, member, action, await chainNow(ctx.platform.provider)));
}
