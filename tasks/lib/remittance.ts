/**
 * Remittance records, statuses and events as the tasks, the demo and the operator relayers read them.
 *
 * The contract stores only a hash of each remittance; its fields live in `RemittanceInitiated`. This
 * module rebuilds a record from that event (what `confirmPayout`, `reject` and `refundExpired` take
 * back), follows a remittance to its final event, and builds `initiate` arguments from a signed quote:
 * that first part works on any ethers connection. The part after "tasks" serves the `remit` tasks: it
 * reads the deployment through a task context and explains refusals as `TaskUserError`s.
 */
import type { Interface, Log, Provider, TransactionReceipt } from "ethers";
import { getAddress } from "ethers";

import type { RemittanceSettlement, TenantRegistry } from "../../typechain-types/index.js";
import type { IRemittanceSettlement } from "../../typechain-types/remittance/RemittanceSettlement.js";
import { parseAmount, parseDuration, parseId, parseUint } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";
import { compactSignature, quoteTerms, type SignedQuote } from "./quotes.js";
import { formatId, formatStatus, Roles } from "./registry.js";
import { formatAmount, type TokenInfo } from "./tokens.js";

export const REMITTANCE_FUTURE = "RemittanceSettlementModule#RemittanceSettlement";

/** `RemittanceStatus`, in enum order. */
export const RemittanceStatus = ["None", "Initiated", "PaidOut", "Rejected", "Expired"] as const;
export type RemittanceStatusName = (typeof RemittanceStatus)[number];

/** `Funding`, in enum order. */
export const Funding = { Ledger: 0, Pull: 1 } as const;

export type InitiateParams = IRemittanceSettlement.InitiateParamsStruct;
export type CorridorConfig = IRemittanceSettlement.CorridorStruct;

/** The record of a remittance: what settles it, exactly as the contract hashed it. */
export interface RemittanceRecord {
  id: string;
  sendingTenant: string;
  receivingTenant: string;
  provider: string;
  sourceToken: string;
  destinationToken: string;
  sourceAmount: bigint;
  destinationAmount: bigint;
  fee: bigint;
  deadline: bigint;
}

/** A remittance as its events tell it. */
export interface RemittanceHistory {
  record: RemittanceRecord;
  corridorId: string;
  recipientHash: string;
  complianceHash: string;
  initiated: { blockNumber: number; txHash: string };
  /** The final event, when there is one. */
  final?: {
    status: Exclude<RemittanceStatusName, "None" | "Initiated">;
    blockNumber: number;
    txHash: string;
    payoutRef?: string;
    reasonCode?: bigint;
  };
}

export function formatRemittanceStatus(status: bigint | number): string {
  return RemittanceStatus[Number(status)] ?? `Unknown(${status})`;
}

/** Rebuilds record and context from a `RemittanceInitiated` log, or undefined for another log. */
export function parseInitiated(
  contract: RemittanceSettlement,
  log: Log,
): Omit<RemittanceHistory, "final" | "initiated"> | undefined {
  let parsed;
  try {
    parsed = contract.interface.parseLog(log);
  } catch {
    return undefined;
  }
  if (parsed === null || parsed.name !== "RemittanceInitiated") return undefined;
  const a = parsed.args;
  return {
    record: {
      id: a.id,
      sendingTenant: a.sendingTenant,
      receivingTenant: a.receivingTenant,
      provider: a.provider,
      sourceToken: a.sourceToken,
      destinationToken: a.destinationToken,
      sourceAmount: a.sourceAmount,
      destinationAmount: a.destinationAmount,
      fee: a.fee,
      deadline: a.deadline,
    },
    corridorId: a.corridorId,
    recipientHash: a.recipientHash,
    complianceHash: a.complianceHash,
  };
}

/** The records a transaction initiated, in order (one for `initiate`, one per item for a batch). */
export function recordsFromReceipt(contract: RemittanceSettlement, receipt: TransactionReceipt): RemittanceRecord[] {
  const address = getAddress(String(contract.target));
  return receipt.logs
    .filter((log) => getAddress(log.address) === address)
    .map((log) => parseInitiated(contract, log)?.record)
    .filter((record): record is RemittanceRecord => record !== undefined);
}

/** Finds a remittance by id from its events; undefined when no remittance has this id. */
export async function findRemittance(
  contract: RemittanceSettlement,
  id: string,
  fromBlock = 0,
): Promise<RemittanceHistory | undefined> {
  const [initiated] = await contract.queryFilter(contract.filters.RemittanceInitiated(id), fromBlock);
  if (initiated === undefined) return undefined;
  const finals = await finalEvents(contract, [id], initiated.blockNumber);
  return historyOf(contract, initiated, finals);
}

/** Remittances a tenant sent or received (or both), oldest first, each followed to its final event. */
export async function listRemittances(
  contract: RemittanceSettlement,
  tenant: string,
  role: "sender" | "receiver" | "any",
  fromBlock = 0,
): Promise<RemittanceHistory[]> {
  const logs: Log[] = [];
  if (role !== "receiver")
    logs.push(...(await contract.queryFilter(contract.filters.RemittanceInitiated(undefined, tenant), fromBlock)));
  if (role !== "sender") {
    logs.push(
      ...(await contract.queryFilter(contract.filters.RemittanceInitiated(undefined, undefined, tenant), fromBlock)),
    );
  }
  const unique = new Map<string, Log>();
  for (const log of logs) unique.set(`${log.transactionHash}:${log.index}`, log);
  const ordered = [...unique.values()].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  if (ordered.length === 0) return [];
  const finals = await finalEvents(contract, undefined, ordered[0]!.blockNumber);
  return ordered.map((log) => historyOf(contract, log, finals));
}

/** Pending remittances in which `tenant` locked funds (as sender) or reserved liquidity (as provider). */
export async function pendingInvolving(
  contract: RemittanceSettlement,
  tenant: string,
): Promise<{ sent: RemittanceRecord[]; provided: RemittanceRecord[] }> {
  const logs = await contract.queryFilter(contract.filters.RemittanceInitiated(), 0);
  const finals = logs.length === 0 ? new Map() : await finalEvents(contract, undefined, logs[0]!.blockNumber);
  const sent: RemittanceRecord[] = [];
  const provided: RemittanceRecord[] = [];
  for (const log of logs) {
    const record = parseInitiated(contract, log)?.record;
    if (record === undefined || finals.has(record.id)) continue;
    if (record.sendingTenant === tenant) sent.push(record);
    if (record.provider === tenant) provided.push(record);
  }
  return { sent, provided };
}

type FinalEvent = NonNullable<RemittanceHistory["final"]>;

/**
 * The final events (PaidOut, Rejected, Expired) by remittance id, from one log query: the three event
 * topics OR-ed, narrowed to `ids` when given. A remittance has at most one, so the map is exact.
 */
async function finalEvents(
  contract: RemittanceSettlement,
  ids: string[] | undefined,
  fromBlock: number,
): Promise<Map<string, FinalEvent>> {
  const iface = contract.interface;
  const names = ["RemittancePaidOut", "RemittanceRejected", "RemittanceExpired"] as const;
  const logs = await contract.runner!.provider!.getLogs({
    address: await contract.getAddress(),
    topics: [names.map((name) => iface.getEvent(name).topicHash), ids ?? null],
    fromBlock,
  });
  const finals = new Map<string, FinalEvent>();
  for (const log of logs) {
    const parsed = iface.parseLog(log);
    if (parsed === null) continue;
    const at = { blockNumber: log.blockNumber, txHash: log.transactionHash };
    const id: string = parsed.args.id;
    if (parsed.name === "RemittancePaidOut")
      finals.set(id, { status: "PaidOut", ...at, payoutRef: parsed.args.payoutRef });
    else if (parsed.name === "RemittanceRejected")
      finals.set(id, { status: "Rejected", ...at, reasonCode: parsed.args.reasonCode });
    else finals.set(id, { status: "Expired", ...at });
  }
  return finals;
}

function historyOf(contract: RemittanceSettlement, log: Log, finals: Map<string, FinalEvent>): RemittanceHistory {
  const parsed = parseInitiated(contract, log);
  if (parsed === undefined) throw new Error(`log ${log.transactionHash}:${log.index} is not RemittanceInitiated`);
  const history: RemittanceHistory = {
    ...parsed,
    initiated: { blockNumber: log.blockNumber, txHash: log.transactionHash },
  };
  const final = finals.get(parsed.record.id);
  if (final !== undefined) history.final = final;
  return history;
}

/** The arguments of `initiate` for a signed quote. */
export function buildInitiateParams(
  signed: SignedQuote,
  options: {
    recipientHash: string;
    complianceHash: string;
    deadline: bigint;
    funding?: (typeof Funding)[keyof typeof Funding];
  },
): InitiateParams {
  const { r, vs } = compactSignature(signed.signature);
  return {
    quote: quoteTerms(signed.quote),
    signatureR: r,
    signatureVS: vs,
    clientRef: signed.clientRef,
    recipientHash: options.recipientHash,
    complianceHash: options.complianceHash,
    deadline: options.deadline,
    funding: options.funding ?? Funding.Ledger,
  };
}

/** The latest block's timestamp: the chain's clock, which quotes and deadlines are checked against. */
export async function chainNow(provider: Provider): Promise<bigint> {
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

// ---------------------------------------------------------------------------------------------- tasks

/** The deployed settlement contract, connected to the task's signer. */
export async function remittanceOf(ctx: TaskContext): Promise<RemittanceSettlement> {
  return (await ctx.ethers.getContractAt(
    "RemittanceSettlement",
    ctx.address(REMITTANCE_FUTURE),
    ctx.signer,
  )) as unknown as RemittanceSettlement;
}

/** A unix time as an ISO date. */
export function formatTime(unix: bigint | number): string {
  return new Date(Number(unix) * 1000).toISOString();
}

/** Parses "true" or "false". */
export function parseBool(option: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new TaskUserError(`--${option} "${value}" is neither true nor false`);
}

/** Parses a remittance id (32-byte hex). */
export function parseRemittanceId(value: string): string {
  if (value === "") throw new TaskUserError("--id is required (the remittance id `remit send` printed)");
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new TaskUserError(`--id "${value}" is not a 32-byte hex id`);
  return value.toLowerCase();
}

/** The remittance with this id, from its events, or a readable error when there is none. */
export async function requireRemittance(contract: RemittanceSettlement, id: string): Promise<RemittanceHistory> {
  const found = await findRemittance(contract, id);
  if (found === undefined) throw new TaskUserError(`no remittance has id ${id}`);
  return found;
}

/** Fails with a readable message when a remittance already reached a final status. */
export function requirePending(history: RemittanceHistory): void {
  if (history.final !== undefined) {
    throw new TaskUserError(
      `remittance ${history.record.id} is already ${history.final.status} (block ${history.final.blockNumber}, ` +
        `tx ${history.final.txHash}): a final status never changes`,
    );
  }
}

/** The status path of a remittance, e.g. "Initiated (block 12) -> PaidOut (block 13)". */
export function statusPath(history: RemittanceHistory): string {
  const start = `Initiated (block ${history.initiated.blockNumber})`;
  return history.final === undefined
    ? `${start} -> pending`
    : `${start} -> ${history.final.status} (block ${history.final.blockNumber})`;
}

// ------------------------------------------------------------------------------------------ corridors

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

/** A corridor as the contract stores it, with its values decoded. */
export interface Corridor {
  sourceToken: string;
  minAmount: bigint;
  destinationToken: string;
  maxAmount: bigint;
  provider: string;
  dailyCap: bigint;
  feeFixed: bigint;
  feeBps: bigint;
  settlementWindow: bigint;
  minReceiverWindow: bigint;
  enabled: boolean;
}

/** Limits the contract enforces, mirrored so tasks can refuse bad terms before sending. */
export const MAX_FEE_BPS = 1_000n;
export const MAX_SETTLEMENT_WINDOW = 30n * 86_400n;
const UINT96_MAX = 2n ** 96n - 1n;
const UINT88_MAX = 2n ** 88n - 1n;
/** Longest receiver window a corridor can hold (a uint16 of seconds). */
export const MAX_RECEIVER_WINDOW = 65_535n;

/** Reads a corridor; a readable error when no corridor has this id. */
export async function requireCorridor(contract: RemittanceSettlement, corridorId: string): Promise<Corridor> {
  const c = await contract.getCorridor(corridorId);
  if (c.sourceToken === "0x0000000000000000000000000000000000000000") {
    throw new TaskUserError(`unknown corridor ${formatId(corridorId)}: open it with \`remit corridor open\``);
  }
  return {
    sourceToken: c.sourceToken,
    minAmount: c.minAmount,
    destinationToken: c.destinationToken,
    maxAmount: c.maxAmount,
    provider: c.provider,
    dailyCap: c.dailyCap,
    feeFixed: c.feeFixed,
    feeBps: c.feeBps,
    settlementWindow: c.settlementWindow,
    minReceiverWindow: c.minReceiverWindow,
    enabled: c.enabled,
  };
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
    const parsed = /^0+(\.0+)?$/.test(value) ? 0n : parseAmount(option, value, source.decimals);
    if (parsed > UINT96_MAX) throw new TaskUserError(`--${option} ${value} is above what a corridor can hold`);
    return parsed;
  };
  const provider =
    args.provider === "" ? (current?.provider ?? required("provider")) : parseId("provider", args.provider);
  const minAmount = amount("min", args.min, current?.minAmount);
  const maxAmount = amount("max", args.max, current?.maxAmount);
  const dailyCap = amount("daily-cap", args.dailyCap, current?.dailyCap);
  const feeFixed = amount("fee-fixed", args.feeFixed, current?.feeFixed, 0n);
  if (feeFixed > UINT88_MAX) throw new TaskUserError(`--fee-fixed ${args.feeFixed} is above what a corridor can hold`);
  const feeBps = args.feeBps === "" ? (current?.feeBps ?? 0n) : parseUint("fee-bps", args.feeBps, MAX_FEE_BPS);
  const settlementWindow =
    args.window === "" ? (current?.settlementWindow ?? 3600n) : parseDuration("window", args.window);
  if (minAmount === 0n) throw new TaskUserError("--min must be greater than zero");
  if (minAmount > maxAmount) throw new TaskUserError("--min is above --max");
  if (maxAmount > dailyCap)
    throw new TaskUserError("--max is above --daily-cap: no remittance of the maximum would fit a day");
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

/** The decoding sources of a remittance call's errors: the registry's, besides the contract's own. */
export function errorSources(registry: TenantRegistry): Interface[] {
  return [registry.interface];
}

/**
 * The tenant whose ledger `account` may use, as the contract decides it (a member holding, with its
 * tenant, the payment-operator or liquidity-provider role), with readable errors. Deposits also need
 * the tenant active.
 */
export async function requireLedgerMember(
  registry: TenantRegistry,
  account: string,
  requireActive: boolean,
): Promise<string> {
  const member = await registry.memberOf(account);
  if (member.tenantId === "0x" + "00".repeat(32)) throw new TaskUserError(`${account} is not a member of any tenant`);
  const ledgerRoles = Roles["payment-operator"] | Roles["liquidity-provider"];
  if ((Number(member.tenantRoles) & Number(member.memberRoles) & ledgerRoles) === 0) {
    throw new TaskUserError(
      `${account} acts for ${formatId(member.tenantId)} without the payment-operator or liquidity-provider role: ` +
        "it cannot use the settlement ledger",
    );
  }
  if (requireActive && member.status !== 2n) {
    throw new TaskUserError(
      `${formatId(member.tenantId)} is ${formatStatus(member.status)}: it can withdraw, not deposit`,
    );
  }
  return member.tenantId;
}

/** Fails with a readable message unless `account` may confirm or reject for the receiving operator. */
export async function requireReceiverMember(
  registry: TenantRegistry,
  account: string,
  receivingTenant: string,
  action: "confirm" | "reject",
): Promise<void> {
  const member = await registry.memberOf(account);
  const po = Roles["payment-operator"];
  if (member.tenantId !== receivingTenant || (Number(member.tenantRoles) & Number(member.memberRoles) & po) === 0) {
    const actsFor = member.tenantId === "0x" + "00".repeat(32) ? "no tenant" : formatId(member.tenantId);
    throw new TaskUserError(
      `only payment operators of the receiver ${formatId(receivingTenant)} can ${action} it; ${account} acts for ${actsFor}`,
    );
  }
  if (action === "confirm" && member.status === 4n) {
    throw new TaskUserError(
      `${formatId(receivingTenant)} is offboarded: it can only reject, or let the remittance expire`,
    );
  }
}
