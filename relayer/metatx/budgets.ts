/**
 * Gas budgets live here, in the relayer's store, not in a contract: the budget bounds what the relayer's
 * own key spends and every charge names the transaction whose receipt priced it, so the chain already
 * proves each spend; an on-chain ledger would add writes to every forwarded call (reserve, settle) or
 * give up reserving before sending. History is append-only (`metatx_budget_events`). See README
 * "Gasless members".
 */
import type { Sql } from "../core/store/store.js";
import { budgetErrors, refuse } from "./errors.js";

/** A tenant's gas budget in wei. available = granted + sponsored − reserved − spent, never stored. */
export interface Budget {
  tenant: string;
  /** Set by the platform operator. */
  granted: bigint;
  /** Added by the tenant's sponsor (mentor) over time. */
  sponsored: bigint;
  /** Held for requests submitted and not yet settled. */
  reserved: bigint;
  /** Charged from receipts. */
  spent: bigint;
}

export const fundedOf = (b: Budget) => b.granted + b.sponsored;
export const availableOf = (b: Budget) => fundedOf(b) - b.reserved - b.spent;

export function budgetJson(b: Budget) {
  return {
    tenant: b.tenant,
    granted: b.granted.toString(),
    sponsored: b.sponsored.toString(),
    funded: fundedOf(b).toString(),
    reserved: b.reserved.toString(),
    spent: b.spent.toString(),
    available: availableOf(b).toString(),
  };
}

type Row = { tenant: string; granted: string; sponsored: string; reserved: string; spent: string };

export async function getBudget(q: Sql, tenant: string): Promise<Budget> {
  const row = await q.get<Row>("SELECT * FROM metatx_budgets WHERE tenant = ?", [tenant]);
  if (row === undefined) return { tenant, granted: 0n, sponsored: 0n, reserved: 0n, spent: 0n };
  return {
    tenant,
    granted: BigInt(row.granted),
    sponsored: BigInt(row.sponsored),
    reserved: BigInt(row.reserved),
    spent: BigInt(row.spent),
  };
}

/**
 * Reads a budget for a change, holding its row until the transaction ends. On SQLite the transaction
 * already holds the database's write lock; on PostgreSQL (several instances) two concurrent reservations
 * of one tenant would otherwise both read the same budget and one of them would abort as a serialization
 * conflict and run again; taking the row first makes the second wait for the first instead (the row is
 * created at zero if new: the change that follows writes it anyway, or the transaction rolls back).
 */
async function lockBudget(q: Sql, tenant: string): Promise<Budget> {
  await q.run(
    `INSERT INTO metatx_budgets (tenant, granted, sponsored, reserved, spent, updated_at) VALUES (?, '0', '0', '0', '0', ?)
     ON CONFLICT (tenant) DO UPDATE SET updated_at = metatx_budgets.updated_at`,
    [tenant, Date.now()],
  );
  return getBudget(q, tenant);
}

async function save(q: Sql, b: Budget, event: { kind: string; amount: bigint; actor: string; forwardId?: string }) {
  const now = Date.now();
  await q.run(
    `INSERT INTO metatx_budgets (tenant, granted, sponsored, reserved, spent, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant) DO UPDATE SET granted = excluded.granted, sponsored = excluded.sponsored,
       reserved = excluded.reserved, spent = excluded.spent, updated_at = excluded.updated_at`,
    [b.tenant, b.granted.toString(), b.sponsored.toString(), b.reserved.toString(), b.spent.toString(), now],
  );
  await q.run(
    "INSERT INTO metatx_budget_events (tenant, kind, amount, actor, forward_id, at) VALUES (?, ?, ?, ?, ?, ?)",
    [b.tenant, event.kind, event.amount.toString(), event.actor, event.forwardId ?? null, now],
  );
}

/** The operator sets the grant; refused when the new total would not cover what is already reserved or spent. */
export async function setGrant(q: Sql, tenant: string, amount: bigint): Promise<Budget> {
  const b = await lockBudget(q, tenant);
  const next = { ...b, granted: amount };
  if (availableOf(next) < 0n) throw budgetErrors.belowUsed(tenant, b.reserved + b.spent);
  await save(q, next, { kind: "grant_set", amount, actor: "operator" });
  return next;
}

/** A sponsor's top-up: only adds. */
export async function topUp(q: Sql, tenant: string, amount: bigint, sponsor: string): Promise<Budget> {
  const b = await lockBudget(q, tenant);
  const next = { ...b, sponsored: b.sponsored + amount };
  await save(q, next, { kind: "top_up", amount, actor: sponsor });
  return next;
}

/** Holds `amount` for a request before it is submitted; refused when the budget cannot cover it. */
export async function reserve(q: Sql, tenant: string, amount: bigint, forwardId: string): Promise<Budget> {
  const b = await lockBudget(q, tenant);
  if (availableOf(b) < amount) throw refuse.budgetExhausted(tenant, amount, availableOf(b));
  const next = { ...b, reserved: b.reserved + amount };
  await save(q, next, { kind: "reserve", amount, actor: "relayer", forwardId });
  return next;
}

/**
 * Ends a reservation: `charged` (gas used × effective price from the receipt; 0 when nothing was mined)
 * moves to spent, the rest of the reservation is released. `charged` never exceeds the reservation
 * (gas used ≤ gas limit, effective price ≤ the fee cap that priced the reservation); if it ever did, the
 * real cost is still recorded rather than hidden.
 */
export async function settle(q: Sql, tenant: string, reserved: bigint, charged: bigint, forwardId: string) {
  const b = await lockBudget(q, tenant);
  const next = { ...b, reserved: b.reserved - reserved, spent: b.spent + charged };
  await save(q, next, { kind: charged === 0n ? "release" : "charge", amount: charged, actor: "relayer", forwardId });
  return next;
}
