import { randomUUID } from "node:crypto";

import type { Sql } from "../core/store/store.js";
import { InsufficientFundsError, UnknownAccountError } from "./errors.js";

/**
 * Account kinds. Debit-normal kinds are the wallet's assets and costs; credit-normal kinds are what it
 * owes. A posting's amount is signed (debit +, credit −); an account's shown balance is its normal side.
 */
export type AccountKind = "user" | "in_transit" | "settlement" | "cash" | "fees";

const CREDIT_NORMAL: ReadonlySet<AccountKind> = new Set(["user", "in_transit"]);

/**
 * The wallet's own accounts, one per instance (one currency each):
 * - `settlement`: the omnibus account mirroring the operator's position in the on-chain settlement ledger;
 * - `in_transit`: user money sent abroad and not yet paid out or refunded;
 * - `cash`: money that entered or left the wallet from outside (deposits, settlement funding);
 * - `fees`: platform fees the operator's on-chain position was charged.
 */
export const SYSTEM_ACCOUNTS = {
  settlement: "sys:settlement",
  inTransit: "sys:in_transit",
  cash: "sys:cash",
  fees: "sys:fees",
} as const;

export interface Account {
  id: string;
  kind: AccountKind;
  ref: string | null;
  name: string | null;
  currency: string;
  /** On the account's normal side, base units. */
  balance: bigint;
}

interface AccountRow {
  id: string;
  kind: AccountKind;
  ref: string | null;
  name: string | null;
  currency: string;
  balance: string;
}

/** The balance as shown: positive when a user holds money, when the settlement position is long, ... */
export function shownBalance(kind: AccountKind, raw: bigint): bigint {
  return CREDIT_NORMAL.has(kind) ? -raw : raw;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    kind: row.kind,
    ref: row.ref,
    name: row.name,
    currency: row.currency,
    balance: shownBalance(row.kind, BigInt(row.balance)),
  };
}

/** Creates the system accounts of this wallet's currency when missing (every start). */
export async function ensureSystemAccounts(q: Sql, currency: string, now = Date.now()): Promise<void> {
  const kinds: [string, AccountKind][] = [
    [SYSTEM_ACCOUNTS.settlement, "settlement"],
    [SYSTEM_ACCOUNTS.inTransit, "in_transit"],
    [SYSTEM_ACCOUNTS.cash, "cash"],
    [SYSTEM_ACCOUNTS.fees, "fees"],
  ];
  for (const [id, kind] of kinds) {
    await q.run(
      `INSERT INTO wallet_accounts (id, kind, ref, name, currency, balance, created_at)
       VALUES (?, ?, NULL, ?, ?, '0', ?) ON CONFLICT (id) DO NOTHING`,
      [id, kind, kind, currency, now],
    );
  }
  const other = await q.get<{ currency: string }>("SELECT currency FROM wallet_accounts WHERE currency <> ? LIMIT 1", [
    currency,
  ]);
  // One database, one currency: a config pointing an HKD wallet at a PHP database is refused at start.
  if (other !== undefined) {
    throw new Error(`this database holds ${other.currency} accounts; the configured currency is ${currency}`);
  }
}

export async function getAccount(q: Sql, id: string): Promise<Account | undefined> {
  const row = await q.get<AccountRow>(
    "SELECT id, kind, ref, name, currency, balance FROM wallet_accounts WHERE id = ?",
    [id],
  );
  return row === undefined ? undefined : toAccount(row);
}

export async function getUserAccountByRef(q: Sql, ref: string): Promise<Account | undefined> {
  const row = await q.get<AccountRow>(
    "SELECT id, kind, ref, name, currency, balance FROM wallet_accounts WHERE ref = ? AND kind = 'user'",
    [ref],
  );
  return row === undefined ? undefined : toAccount(row);
}

export async function createUserAccount(
  q: Sql,
  params: { ref: string; name: string | null; currency: string; now?: number },
): Promise<Account> {
  const id = `acc_${randomUUID().replaceAll("-", "")}`;
  await q.run(
    "INSERT INTO wallet_accounts (id, kind, ref, name, currency, balance, created_at) VALUES (?, 'user', ?, ?, ?, '0', ?)",
    [id, params.ref, params.name, params.currency, params.now ?? Date.now()],
  );
  return { id, kind: "user", ref: params.ref, name: params.name, currency: params.currency, balance: 0n };
}

export interface PostingLine {
  account: string;
  /** Debit positive, credit negative, base units. */
  amount: bigint;
}

export interface JournalParams {
  kind: string;
  /** What the journal is about: a transfer id, a remittance id, a deposit's idempotency key. */
  ref: string;
  lines: readonly PostingLine[];
  now?: number;
}

/**
 * Writes one balanced journal inside the caller's transaction and moves the balances in step. Refuses
 * an unbalanced set of lines (a bug, never a user error) and a user account driven below zero.
 */
export async function postJournal(q: Sql, params: JournalParams): Promise<string> {
  const sum = params.lines.reduce((total, line) => total + line.amount, 0n);
  if (sum !== 0n || params.lines.length < 2) {
    throw new Error(`journal ${params.kind}/${params.ref} does not balance (sum ${sum})`);
  }
  const id = `jnl_${randomUUID().replaceAll("-", "")}`;
  const now = params.now ?? Date.now();
  await q.run("INSERT INTO wallet_journals (id, kind, ref, created_at) VALUES (?, ?, ?, ?)", [
    id,
    params.kind,
    params.ref,
    now,
  ]);
  let line = 0;
  for (const posting of params.lines) {
    const row = await q.get<AccountRow>(
      "SELECT id, kind, ref, name, currency, balance FROM wallet_accounts WHERE id = ?",
      [posting.account],
    );
    if (row === undefined) throw new UnknownAccountError(posting.account);
    const balance = BigInt(row.balance) + posting.amount;
    if (row.kind === "user" && shownBalance(row.kind, balance) < 0n) {
      throw new InsufficientFundsError(row.id, shownBalance(row.kind, BigInt(row.balance)), posting.amount);
    }
    await q.run("INSERT INTO wallet_postings (journal_id, line, account_id, currency, amount) VALUES (?, ?, ?, ?, ?)", [
      id,
      ++line,
      posting.account,
      row.currency,
      posting.amount.toString(),
    ]);
    await q.run("UPDATE wallet_accounts SET balance = ? WHERE id = ?", [balance.toString(), posting.account]);
  }
  return id;
}

/** A debit line (raises assets and costs, lowers what the wallet owes). */
export const debit = (account: string, amount: bigint): PostingLine => ({ account, amount });
/** A credit line (lowers assets, raises what the wallet owes, e.g. a user's balance). */
export const credit = (account: string, amount: bigint): PostingLine => ({ account, amount: -amount });

export interface LedgerCheck {
  /** Every journal sums to zero per currency, and so does the whole ledger. */
  balanced: boolean;
  /** Every account's stored balance equals the sum of its postings. */
  accountsInStep: boolean;
  problems: string[];
}

/**
 * The ledger's invariants, read from the postings themselves: used by the reconciliation report and by
 * the tests after every step. Sums are done in bigint here, not in SQL, so no database rounding applies.
 */
export async function checkLedger(q: Sql): Promise<LedgerCheck> {
  const postings = await q.all<{ journal_id: string; account_id: string; currency: string; amount: string }>(
    "SELECT journal_id, account_id, currency, amount FROM wallet_postings",
  );
  const byJournal = new Map<string, bigint>();
  const byAccount = new Map<string, bigint>();
  const byCurrency = new Map<string, bigint>();
  for (const p of postings) {
    const amount = BigInt(p.amount);
    const journalKey = `${p.journal_id}/${p.currency}`;
    byJournal.set(journalKey, (byJournal.get(journalKey) ?? 0n) + amount);
    byAccount.set(p.account_id, (byAccount.get(p.account_id) ?? 0n) + amount);
    byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0n) + amount);
  }
  const problems: string[] = [];
  for (const [key, sum] of byJournal) if (sum !== 0n) problems.push(`journal ${key} sums to ${sum}`);
  for (const [currency, sum] of byCurrency) if (sum !== 0n) problems.push(`ledger in ${currency} sums to ${sum}`);
  const balanced = problems.length === 0;
  const accounts = await q.all<{ id: string; balance: string }>("SELECT id, balance FROM wallet_accounts");
  let accountsInStep = true;
  for (const account of accounts) {
    const sum = byAccount.get(account.id) ?? 0n;
    if (BigInt(account.balance) !== sum) {
      accountsInStep = false;
      problems.push(`account ${account.id} stores ${account.balance}, its postings sum to ${sum}`);
    }
  }
  return { balanced, accountsInStep, problems };
}
