/**
 * Remittance records and history. The contract stores only a hash of each remittance; its fields live in
 * `RemittanceInitiated`. This module rebuilds a record from that event (what `confirmPayout`, `reject` and
 * `refundExpired` take back), follows remittances to their final events from the deployment block in
 * bounded ranges, and builds `initiate` arguments from a signed quote.
 */
import type { Log, Provider, TransactionReceipt } from "ethers";
import { getAddress } from "ethers";

import type { RemittanceSettlement } from "../typechain-types/index.js";
import type { IRemittanceSettlement } from "../typechain-types/remittance/RemittanceSettlement.js";
import { compactSignature, quoteTerms, type SignedQuote } from "./eip712/quote.js";
import { Funding, valueOf, type FundingName, type RemittanceStatusName } from "./enums.js";
import { getLogsInRanges } from "./history.js";

export type InitiateParams = IRemittanceSettlement.InitiateParamsStruct;

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

export type FinalStatusName = Exclude<RemittanceStatusName, "None" | "Initiated">;

/** A remittance as its events tell it. */
export interface RemittanceHistory {
  record: RemittanceRecord;
  corridorId: string;
  recipientHash: string;
  complianceHash: string;
  initiated: { blockNumber: number; txHash: string };
  /** The final event, when there is one. */
  final?: { status: FinalStatusName; blockNumber: number; txHash: string; payoutRef?: string; reasonCode?: bigint };
}

/** Rebuilds record and context from a `RemittanceInitiated` log, or undefined for another log. */
export function parseInitiated(
  contract: Pick<RemittanceSettlement, "interface">,
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
export function recordsFromReceipt(
  contract: Pick<RemittanceSettlement, "interface" | "target">,
  receipt: TransactionReceipt,
): RemittanceRecord[] {
  const address = getAddress(String(contract.target));
  return receipt.logs
    .filter((log) => getAddress(log.address) === address)
    .map((log) => parseInitiated(contract, log)?.record)
    .filter((record): record is RemittanceRecord => record !== undefined);
}

/** Where and how far back to read a settlement contract's history. */
export interface HistorySource {
  contract: RemittanceSettlement;
  provider: Provider;
  /** The contract's deployment block. */
  fromBlock: number;
}

/** Finds a remittance by id from its events; undefined when no remittance has this id. */
export async function findRemittance(source: HistorySource, id: string): Promise<RemittanceHistory | undefined> {
  const { contract } = source;
  const topic = contract.interface.getEvent("RemittanceInitiated").topicHash;
  const [initiated] = await getLogsInRanges(source.provider, {
    address: String(contract.target),
    topics: [topic, id],
    fromBlock: source.fromBlock,
  });
  if (initiated === undefined) return undefined;
  const finals = await finalEvents({ ...source, fromBlock: initiated.blockNumber }, [id]);
  return historyOf(contract, initiated, finals);
}

/** Remittances a tenant sent or received (or both), oldest first, each followed to its final event. */
export async function listRemittances(
  source: HistorySource,
  tenant: string | undefined,
  role: "sender" | "receiver" | "any",
): Promise<RemittanceHistory[]> {
  const { contract } = source;
  const topic = contract.interface.getEvent("RemittanceInitiated").topicHash;
  const query = (topics: Array<string | null>) =>
    getLogsInRanges(source.provider, { address: String(contract.target), topics, fromBlock: source.fromBlock });
  const logs: Log[] = [];
  if (tenant === undefined) logs.push(...(await query([topic])));
  else {
    if (role !== "receiver") logs.push(...(await query([topic, null, tenant])));
    if (role !== "sender") logs.push(...(await query([topic, null, null, tenant])));
  }
  const unique = new Map<string, Log>();
  for (const log of logs) unique.set(`${log.transactionHash}:${log.index}`, log);
  const ordered = [...unique.values()].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  if (ordered.length === 0) return [];
  const finals = await finalEvents({ ...source, fromBlock: ordered[0]!.blockNumber }, undefined);
  return ordered.map((log) => historyOf(contract, log, finals));
}

/** Pending remittances in which `tenant` locked funds (as sender) or reserved liquidity (as provider). */
export async function pendingInvolving(
  source: HistorySource,
  tenant: string,
): Promise<{ sent: RemittanceRecord[]; provided: RemittanceRecord[] }> {
  const all = await listRemittances(source, undefined, "any");
  const pending = all.filter((h) => h.final === undefined).map((h) => h.record);
  return {
    sent: pending.filter((r) => r.sendingTenant === tenant),
    provided: pending.filter((r) => r.provider === tenant),
  };
}

type FinalEvent = NonNullable<RemittanceHistory["final"]>;

/**
 * The final events (PaidOut, Rejected, Expired) by remittance id: the three event topics OR-ed, narrowed
 * to `ids` when given. A remittance has at most one, so the map is exact.
 */
async function finalEvents(source: HistorySource, ids: string[] | undefined): Promise<Map<string, FinalEvent>> {
  const iface = source.contract.interface;
  const names = ["RemittancePaidOut", "RemittanceRejected", "RemittanceExpired"] as const;
  const logs = await getLogsInRanges(source.provider, {
    address: String(source.contract.target),
    topics: [names.map((name) => iface.getEvent(name).topicHash), ids ?? null],
    fromBlock: source.fromBlock,
  });
  const finals = new Map<string, FinalEvent>();
  for (const log of logs) {
    const parsed = iface.parseLog(log);
    if (parsed === null) continue;
    const at = { blockNumber: log.blockNumber, txHash: log.transactionHash };
    const id: string = parsed.args.id;
    if (parsed.name === "RemittancePaidOut")
      finals.set(id, { status: "PaidOut", ...at, payoutRef: parsed.args.payoutRef });
    else if (parsed.name === "RemittanceRejected") {
      finals.set(id, { status: "Rejected", ...at, reasonCode: parsed.args.reasonCode });
    } else finals.set(id, { status: "Expired", ...at });
  }
  return finals;
}

function historyOf(
  contract: Pick<RemittanceSettlement, "interface">,
  log: Log,
  finals: Map<string, FinalEvent>,
): RemittanceHistory {
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

/** The status path of a remittance, e.g. "Initiated (block 12) -> PaidOut (block 13)". */
export function statusPath(history: RemittanceHistory): string {
  const start = `Initiated (block ${history.initiated.blockNumber})`;
  return history.final === undefined
    ? `${start} -> pending`
    : `${start} -> ${history.final.status} (block ${history.final.blockNumber})`;
}

/** The arguments of `initiate` for a signed quote. */
export function buildInitiateParams(
  signed: SignedQuote,
  options: {
    recipientHash: string;
    complianceHash: string;
    deadline: bigint;
    /** By name, or as its on-chain value; the ledger by default. */
    funding?: FundingName | bigint;
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
    funding: typeof options.funding === "bigint" ? options.funding : valueOf(Funding, options.funding ?? "Ledger"),
  };
}

/** The latest block's timestamp: the chain's clock, which quotes and deadlines are checked against. */
export async function chainNow(provider: Provider): Promise<bigint> {
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

/** A corridor as the contract stores it. */
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
  /** Seconds the receiving operator is guaranteed between initiation and the deadline. */
  minReceiverWindow: bigint;
  enabled: boolean;
}

/** Limits the contract enforces, mirrored so callers can refuse bad terms before sending. */
export const MAX_FEE_BPS = 1_000n;
export const MAX_SETTLEMENT_WINDOW = 30n * 86_400n;
/** Largest fixed fee a corridor can hold (a uint88). */
export const MAX_FEE_FIXED = 2n ** 88n - 1n;
/** Longest receiver window a corridor can hold (a uint16 of seconds). */
export const MAX_RECEIVER_WINDOW = 65_535n;

/** Reads a corridor; undefined when no corridor has this id. */
export async function readCorridor(contract: RemittanceSettlement, corridorId: string): Promise<Corridor | undefined> {
  const c = await contract.getCorridor(corridorId);
  if (c.sourceToken === "0x0000000000000000000000000000000000000000") return undefined;
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
