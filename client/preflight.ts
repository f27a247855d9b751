/**
 * Pre-flight checks: every condition that can be checked off chain, before anything is signed or sent.
 * Each check is a pure function of a snapshot of chain state (unit-tested without a node) that returns a
 * typed `RefusalError`, or undefined when the request may go ahead; a reader takes the snapshot. Tasks
 * print the refusal; the HTTP services map `reason` to a 4xx status.
 */
import { getAddress } from "ethers";

import type { TenantRegistry } from "../typechain-types/index.js";
import { formatAmount, type TokenUnits } from "./amounts.js";
import type { SignedQuote } from "./eip712/quote.js";
import { nameOf, RemittanceStatus, TenantStatus, valueOf } from "./enums.js";
import { RefusalError } from "./errors.js";
import type { Platform } from "./platform.js";
import type { Corridor, RemittanceHistory } from "./remittance.js";
import { chainNow, readCorridor } from "./remittance.js";
import { Roles, type RoleName } from "./roles.js";
import { formatDuration, formatId, formatTime, ZERO_ID } from "./text.js";

const ACTIVE = valueOf(TenantStatus, "Active");
const OFFBOARDED = valueOf(TenantStatus, "Offboarded");
const FROZEN = valueOf(TenantStatus, "Frozen");

/** What the registry says about an account (`memberOf`). */
export interface MemberSnapshot {
  account: string;
  tenantId: string;
  tenantRoles: bigint;
  memberRoles: bigint;
  status: bigint;
}

/** What the registry says about a tenant. */
export interface TenantSnapshot {
  tenantId: string;
  status: bigint;
  roles: bigint;
}

export async function readMember(registry: TenantRegistry, account: string): Promise<MemberSnapshot> {
  const m = await registry.memberOf(account);
  return {
    account: getAddress(account),
    tenantId: m.tenantId,
    tenantRoles: m.tenantRoles,
    memberRoles: m.memberRoles,
    status: m.status,
  };
}

export async function readTenant(registry: TenantRegistry, tenantId: string): Promise<TenantSnapshot> {
  const status = await registry.statusOf(tenantId);
  if (status === 0n) return { tenantId, status, roles: 0n };
  const t = await registry.getTenant(tenantId);
  return { tenantId, status, roles: BigInt(t.roles) };
}

const statusName = (s: bigint) => nameOf(TenantStatus, s);
const actsFor = (m: MemberSnapshot) => (m.tenantId === ZERO_ID ? "no tenant" : formatId(m.tenantId));

/** Throws the refusal, if any: for callers that stop at the first one (tasks). */
export function unwrap(refusal: RefusalError | undefined): void {
  if (refusal !== undefined) throw refusal;
}

/** Refuses unless the tenant exists, is active and holds `role`. */
export function checkActiveTenant(t: TenantSnapshot, role: RoleName, what = "tenant"): RefusalError | undefined {
  if (t.status === 0n) return new RefusalError("UNKNOWN_TENANT", `unknown ${what} ${formatId(t.tenantId)}`);
  if (t.status !== ACTIVE) {
    return new RefusalError(
      "TENANT_NOT_ACTIVE",
      `${what} ${formatId(t.tenantId)} is ${statusName(t.status)}, not Active`,
    );
  }
  if ((Number(t.roles) & Roles[role]) === 0) {
    return new RefusalError("MISSING_ROLE", `${what} ${formatId(t.tenantId)} does not hold the ${role} role`);
  }
  return undefined;
}

/** Refuses unless the account acts for `tenantId` (any tenant when undefined) with `role` held by both. */
export function checkMember(
  m: MemberSnapshot,
  role: RoleName,
  options: { tenantId?: string; requireActive?: boolean } = {},
): RefusalError | undefined {
  if (m.tenantId === ZERO_ID) return new RefusalError("NOT_A_MEMBER", `${m.account} is not a member of any tenant`);
  if (options.tenantId !== undefined && m.tenantId !== options.tenantId) {
    return new RefusalError(
      "WRONG_TENANT",
      `${m.account} acts for ${actsFor(m)}, not for ${formatId(options.tenantId)}`,
    );
  }
  if ((Number(m.tenantRoles) & Number(m.memberRoles) & Roles[role]) === 0) {
    return new RefusalError("MISSING_ROLE", `${m.account} does not hold the ${role} role for ${formatId(m.tenantId)}`);
  }
  if (options.requireActive !== false && m.status !== ACTIVE) {
    return new RefusalError("TENANT_NOT_ACTIVE", `${formatId(m.tenantId)} is ${statusName(m.status)}, not Active`);
  }
  return undefined;
}

/** Refuses unless the account may use the settlement ledger (payment-operator or liquidity-provider). */
export function checkLedgerMember(m: MemberSnapshot, requireActive: boolean): RefusalError | undefined {
  if (m.tenantId === ZERO_ID) return new RefusalError("NOT_A_MEMBER", `${m.account} is not a member of any tenant`);
  const ledgerRoles = Roles["payment-operator"] | Roles["liquidity-provider"];
  if ((Number(m.tenantRoles) & Number(m.memberRoles) & ledgerRoles) === 0) {
    return new RefusalError(
      "MISSING_ROLE",
      `${m.account} acts for ${formatId(m.tenantId)} without the payment-operator or liquidity-provider role: ` +
        "it cannot use the settlement ledger",
    );
  }
  if (requireActive && m.status !== ACTIVE) {
    return new RefusalError(
      "TENANT_NOT_ACTIVE",
      `${formatId(m.tenantId)} is ${statusName(m.status)}: it can withdraw, not deposit`,
    );
  }
  return undefined;
}

/**
 * Refuses unless the account may withdraw from its tenant's ledger: a ledger member (whatever the
 * tenant's status) holding the member-only `treasury` permission, its tenant not frozen.
 */
export function checkWithdrawer(m: MemberSnapshot): RefusalError | undefined {
  const ledger = checkLedgerMember(m, false);
  if (ledger !== undefined) return ledger;
  if ((Number(m.memberRoles) & Roles.treasury) === 0) {
    return new RefusalError(
      "NOT_TREASURER",
      `${m.account} does not hold the treasury permission of ${formatId(m.tenantId)}: withdrawals need it ` +
        "(a tenant admin grants it: an invitation with the treasury role, or setMemberRoles)",
    );
  }
  if (m.status === FROZEN) {
    return new RefusalError("TENANT_FROZEN", `${formatId(m.tenantId)} is frozen: nothing leaves its ledger`);
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------ remit send

/** What `remit send` asks for. */
export interface SendRequest {
  signed: SignedQuote;
  /** The receiving operator the caller expects; the quote binds the receiver, so this is only checked. */
  receivingTenant?: string;
  /** Seconds from now to the remittance's deadline. */
  deadlineIn: bigint;
  funding: "Ledger" | "Pull";
}

/** The chain state a send is checked against, read at one moment. */
export interface SendSnapshot {
  chainId: bigint;
  remittanceAddress: string;
  now: bigint;
  corridor: Corridor | undefined;
  source: TokenUnits;
  sender: MemberSnapshot;
  receiver: TenantSnapshot;
  /** `statusOf(quoteId)`: nonzero once the client reference was used. */
  quoteStatus: bigint;
  usedToday: bigint;
  /** Ledger balance of the sending tenant (Ledger) or the sender's wallet balance (Pull). */
  funds: bigint;
  /** The sender's allowance to the settlement contract (Pull only). */
  allowance: bigint;
}

/** Every check `initiate` makes that can be made off chain, in the order a person would fix them. */
export function checkSend(req: SendRequest, s: SendSnapshot): RefusalError | undefined {
  const { quote, domain } = req.signed;
  if (domain.chainId !== s.chainId || getAddress(domain.verifyingContract) !== getAddress(s.remittanceAddress)) {
    return new RefusalError("QUOTE_OTHER_DEPLOYMENT", "the quote was signed for another network or deployment");
  }
  if (s.now >= quote.expiry) {
    return new RefusalError(
      "QUOTE_EXPIRED",
      `the quote expired at ${formatTime(quote.expiry)} (${formatDuration(s.now - quote.expiry)} ago): ask the provider for a new one`,
    );
  }
  const c = s.corridor;
  if (c === undefined) return new RefusalError("UNKNOWN_CORRIDOR", `unknown corridor ${formatId(quote.corridorId)}`);
  if (!c.enabled) return new RefusalError("CORRIDOR_DISABLED", `corridor ${formatId(quote.corridorId)} is disabled`);
  const fmt = (a: bigint) => formatAmount(a, s.source);
  if (quote.sourceAmount < c.minAmount || quote.sourceAmount > c.maxAmount) {
    return new RefusalError(
      "AMOUNT_OUT_OF_RANGE",
      `${fmt(quote.sourceAmount)} is outside the corridor's limits: ${fmt(c.minAmount)} to ${fmt(c.maxAmount)} per remittance`,
    );
  }
  const expectedFee = c.feeFixed + (quote.sourceAmount * c.feeBps) / 10_000n;
  if (quote.fee !== expectedFee) {
    return new RefusalError(
      "QUOTE_FEE_MISMATCH",
      `the quote's fee ${fmt(quote.fee)} is not the corridor's fee ${fmt(expectedFee)}: ask the provider for a new quote`,
    );
  }
  if (quote.receivingTenant === quote.sendingTenant) {
    return new RefusalError(
      "RECEIVER_IS_SENDER",
      `the quote names ${formatId(quote.sendingTenant)} as both sender and receiver: an operator cannot pay itself out`,
    );
  }
  if (req.receivingTenant !== undefined && req.receivingTenant !== quote.receivingTenant) {
    return new RefusalError(
      "RECEIVER_MISMATCH",
      `the quote pays out to ${formatId(quote.receivingTenant)}, not to ${formatId(req.receivingTenant)}`,
    );
  }
  if (s.sender.tenantId !== quote.sendingTenant) {
    return new RefusalError(
      "WRONG_TENANT",
      `the quote was issued to ${formatId(quote.sendingTenant)}, but ${s.sender.account} acts for ${actsFor(s.sender)}`,
    );
  }
  const member = checkMember(s.sender, "payment-operator");
  if (member !== undefined) return member;
  const receiver = checkActiveTenant(s.receiver, "payment-operator", "receiver");
  if (receiver !== undefined) return receiver;
  if (s.quoteStatus !== 0n) {
    return new RefusalError(
      "ALREADY_USED",
      `client reference already used: remittance ${quote.quoteId} is ${nameOf(RemittanceStatus, s.quoteStatus)} ` +
        "(one client reference, one remittance)",
    );
  }
  if (s.usedToday + quote.sourceAmount > c.dailyCap) {
    return new RefusalError(
      "DAILY_CAP_EXCEEDED",
      `over the daily cap: ${formatId(quote.sendingTenant)} sent ${fmt(s.usedToday)} of ${fmt(c.dailyCap)} today in ` +
        formatId(quote.corridorId),
      { retryable: true },
    );
  }
  // The receiver is guaranteed the corridor's minimum window; the provider holds its rate until the
  // quote's latest deadline at most, and the corridor allows the window after the quote's expiry.
  const windowEnd = quote.expiry + c.settlementWindow;
  const latest = quote.latestDeadline < windowEnd ? quote.latestDeadline : windowEnd;
  if (req.deadlineIn < c.minReceiverWindow || s.now + req.deadlineIn > latest) {
    return new RefusalError(
      "DEADLINE_OUT_OF_RANGE",
      latest < s.now + c.minReceiverWindow
        ? `the quote leaves no valid deadline: its latest deadline ${formatTime(latest)} is less than the receiver's ` +
            `minimum window (${c.minReceiverWindow}s) from now: ask the provider for a new quote`
        : `the deadline must be from ${c.minReceiverWindow}s (the receiver's minimum window) to ${latest - s.now}s from now ` +
            "(the quote's latest deadline, and its expiry plus the corridor's window)",
    );
  }
  const locked = quote.sourceAmount + quote.fee;
  if (s.funds < locked) {
    return new RefusalError(
      "INSUFFICIENT_BALANCE",
      req.funding === "Ledger"
        ? `${formatId(quote.sendingTenant)} has ${fmt(s.funds)} available in its ledger, not ${fmt(locked)} (amount and fee): deposit first, or pull from the wallet`
        : `${s.sender.account} holds ${fmt(s.funds)}, not ${fmt(locked)} (amount and fee)`,
    );
  }
  if (req.funding === "Pull" && s.allowance < locked) {
    return new RefusalError(
      "INSUFFICIENT_ALLOWANCE",
      `${s.sender.account} allows the settlement contract ${fmt(s.allowance)}, not ${fmt(locked)}: ` +
        `approve it first (token approve --spender remittance --amount ${formatAmount(locked, { ...s.source, symbol: "" }).trim()})`,
    );
  }
  return undefined;
}

/** Reads the snapshot `checkSend` needs, for `account` sending through `platform`. */
export async function readSendSnapshot(platform: Platform, account: string, req: SendRequest): Promise<SendSnapshot> {
  const { remittance, registry, provider } = platform;
  const { quote } = req.signed;
  const [network, now, corridor, sender, receiver, quoteStatus, usedToday] = await Promise.all([
    provider.getNetwork(),
    chainNow(provider),
    readCorridor(remittance, quote.corridorId),
    readMember(registry, account),
    readTenant(registry, quote.receivingTenant),
    remittance.statusOf(quote.quoteId),
    remittance.usedToday(quote.corridorId, quote.sendingTenant),
  ]);
  let source: TokenUnits = { symbol: "", decimals: 0 };
  let funds = 0n;
  let allowance = 0n;
  if (corridor !== undefined) {
    const token = await platform.tokenAt(corridor.sourceToken);
    const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
    source = { symbol, decimals: Number(decimals) };
    if (req.funding === "Ledger") funds = await remittance.balanceOf(quote.sendingTenant, corridor.sourceToken);
    else {
      [funds, allowance] = await Promise.all([
        token.balanceOf(account),
        token.allowance(account, platform.address("remittance")),
      ]);
    }
  }
  return {
    chainId: network.chainId,
    remittanceAddress: platform.address("remittance"),
    now,
    corridor,
    source,
    sender,
    receiver,
    quoteStatus,
    usedToday,
    funds,
    allowance,
  };
}

// --------------------------------------------------------------------- confirm, reject, refund

/** Refuses unless the remittance is pending. */
export function checkPending(history: RemittanceHistory | undefined, id: string): RefusalError | undefined {
  if (history === undefined) return new RefusalError("UNKNOWN_REMITTANCE", `no remittance has id ${id}`);
  if (history.final !== undefined) {
    return new RefusalError(
      "ALREADY_FINAL",
      `remittance ${id} is already ${history.final.status} (block ${history.final.blockNumber}, tx ${history.final.txHash}): ` +
        "a final status never changes",
    );
  }
  return undefined;
}

/** Refuses unless `member` may confirm or reject a pending remittance as its receiving operator. */
export function checkReceiver(
  history: RemittanceHistory,
  member: MemberSnapshot,
  action: "confirm" | "reject",
  now: bigint,
): RefusalError | undefined {
  const receivingTenant = history.record.receivingTenant;
  const po = Roles["payment-operator"];
  if (member.tenantId !== receivingTenant || (Number(member.tenantRoles) & Number(member.memberRoles) & po) === 0) {
    return new RefusalError(
      "NOT_RECEIVER",
      `only payment operators of the receiver ${formatId(receivingTenant)} can ${action} it; ${member.account} acts for ${actsFor(member)}`,
    );
  }
  if (action === "confirm" && member.status === FROZEN) {
    return new RefusalError(
      "TENANT_FROZEN",
      `${formatId(receivingTenant)} is frozen: it cannot confirm payouts; it can reject, or let the remittance expire`,
    );
  }
  if (action === "confirm" && member.status === OFFBOARDED) {
    return new RefusalError(
      "RECEIVER_OFFBOARDED",
      `${formatId(receivingTenant)} is offboarded: it can only reject, or let the remittance expire`,
    );
  }
  // The next block is later than the latest: once the latest reached the deadline, a confirm would be late.
  if (action === "confirm" && now >= history.record.deadline) {
    return new RefusalError(
      "DEADLINE_PASSED",
      `the deadline passed at ${formatTime(history.record.deadline)}: the remittance can only be refunded now (remit refund)`,
    );
  }
  return undefined;
}

/**
 * Refuses a refund of a remittance whose deadline has not passed. The next block is later than the
 * latest, so a refund is possible once the latest block reached the deadline.
 */
export function checkRefundable(history: RemittanceHistory, now: bigint): RefusalError | undefined {
  if (now < history.record.deadline) {
    return new RefusalError(
      "DEADLINE_NOT_REACHED",
      `the deadline has not passed yet: refundable after ${formatTime(history.record.deadline)} ` +
        `(in ${history.record.deadline - now + 1n}s); until then the receiver may still confirm or reject`,
      { retryable: true },
    );
  }
  return undefined;
}
