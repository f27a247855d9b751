import { JsonRpcProvider, encodeBytes32String, isHexString, toUtf8Bytes } from "ethers";

import { RemittanceSettlement__factory } from "../../typechain-types/factories/remittance/RemittanceSettlement__factory.js";
import type { Store } from "../core/store/store.js";
import { SYSTEM_ACCOUNTS, checkLedger, shownBalance, type AccountKind } from "./ledger.js";

export interface ChainSource {
  rpcUrl: string;
  chainId: number;
  settlement: string;
  tenantId: string;
  token: string;
  timeoutMs: number;
}

export interface Difference {
  check: string;
  expected: string;
  actual: string;
  difference: string;
}

export interface ReconciliationReport {
  currency: string;
  reconciled: boolean;
  totals: {
    userBalances: string;
    inTransit: string;
    /** Of which the relayer reported initiated on chain (locked in the settlement contract). */
    inTransitOnChain: string;
    paidOut: string;
    refunded: string;
    payoutsCredited: string;
    feesCharged: string;
    settlementMirror: string;
  };
  counts: { transfers: Record<string, number>; payouts: Record<string, number>; conflicts: number };
  ledger: { balanced: boolean; accountsInStep: boolean; problems: string[] };
  chain?: {
    tenantId: string;
    token: string;
    settlement: string;
    ledgerBalance?: string;
    expected: string;
    error?: string;
  };
  differences: Difference[];
}

/** A tenant id as the contracts store it: bytes32 given as hex, or a short label in bytes32 string form. */
export function tenantIdBytes32(value: string): string {
  if (isHexString(value, 32)) return value.toLowerCase();
  if (toUtf8Bytes(value).length > 31) throw new Error(`tenant id "${value}" is longer than 31 bytes`);
  return encodeBytes32String(value);
}

async function chainBalance(source: ChainSource): Promise<bigint> {
  const provider = new JsonRpcProvider(source.rpcUrl, source.chainId, { staticNetwork: true, batchMaxCount: 1 });
  try {
    const settlement = RemittanceSettlement__factory.connect(source.settlement, provider);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`node did not answer in ${source.timeoutMs} ms`)), source.timeoutMs);
    });
    try {
      return await Promise.race([settlement.balanceOf(tenantIdBytes32(source.tenantId), source.token), timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    provider.destroy();
  }
}

/**
 * The wallet's totals and its invariants, and, given the chain, the operator's on-chain ledger balance
 * against what the wallet expects it to be: the settlement mirror less what is locked on chain for
 * remittances in flight (initiated, not yet final). Exact when no remittance is between a wallet step
 * and the matching chain step (a payout credited but not yet confirmed, say): run it at quiet times,
 * or read a difference that shrinks on the next run as timing, one that stays as a break.
 */
export async function reconcile(store: Store, currency: string, chain?: ChainSource): Promise<ReconciliationReport> {
  const snapshot = await store.read(async (q) => {
    const accounts = await q.all<{ id: string; kind: AccountKind; balance: string }>(
      "SELECT id, kind, balance FROM wallet_accounts",
    );
    const transfers = await q.all<{ state: string; remote_status: string | null; amount: string; fee: string | null }>(
      "SELECT state, remote_status, amount, fee FROM wallet_transfers",
    );
    const payouts = await q.all<{ outcome: string; amount: string }>("SELECT outcome, amount FROM wallet_payouts");
    const conflicts = await q.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM wallet_webhook_events WHERE outcome = 'conflict'",
    );
    return { accounts, transfers, payouts, conflicts: Number(conflicts?.n ?? 0), ledger: await checkLedger(q) };
  });

  const balanceOf = (id: string) => {
    const account = snapshot.accounts.find((a) => a.id === id);
    return account === undefined ? 0n : shownBalance(account.kind, BigInt(account.balance));
  };
  const userBalances = snapshot.accounts
    .filter((a) => a.kind === "user")
    .reduce((sum, a) => sum + shownBalance(a.kind, BigInt(a.balance)), 0n);
  const transferCounts: Record<string, number> = {};
  let paidOut = 0n;
  let refunded = 0n;
  let inTransitComputed = 0n;
  let inTransitOnChain = 0n;
  for (const t of snapshot.transfers) {
    transferCounts[t.state] = (transferCounts[t.state] ?? 0) + 1;
    const amount = BigInt(t.amount);
    if (t.state === "paid_out") paidOut += amount;
    else if (t.state === "refunded") refunded += amount;
    else {
      inTransitComputed += amount;
      if (t.remote_status === "initiated") inTransitOnChain += amount + BigInt(t.fee ?? "0");
    }
  }
  const payoutCounts: Record<string, number> = {};
  let payoutsCredited = 0n;
  for (const p of snapshot.payouts) {
    payoutCounts[p.outcome] = (payoutCounts[p.outcome] ?? 0) + 1;
    if (p.outcome === "paid") payoutsCredited += BigInt(p.amount);
  }
  const inTransit = balanceOf(SYSTEM_ACCOUNTS.inTransit);
  const settlementMirror = balanceOf(SYSTEM_ACCOUNTS.settlement);

  const differences: Difference[] = [];
  const compare = (check: string, expected: bigint, actual: bigint) => {
    if (expected !== actual) {
      differences.push({
        check,
        expected: expected.toString(),
        actual: actual.toString(),
        difference: (actual - expected).toString(),
      });
    }
  };
  compare("in-transit account equals the open transfers", inTransitComputed, inTransit);
  if (!snapshot.ledger.balanced || !snapshot.ledger.accountsInStep) {
    differences.push({
      check: "ledger invariants",
      expected: "balanced",
      actual: snapshot.ledger.problems.join("; "),
      difference: "",
    });
  }
  if (snapshot.conflicts > 0) {
    differences.push({
      check: "final-status conflicts reported by the relayer",
      expected: "0",
      actual: String(snapshot.conflicts),
      difference: String(snapshot.conflicts),
    });
  }

  let chainPart: ReconciliationReport["chain"];
  if (chain !== undefined) {
    const expected = settlementMirror - inTransitOnChain;
    chainPart = {
      tenantId: chain.tenantId,
      token: chain.token,
      settlement: chain.settlement,
      expected: expected.toString(),
    };
    try {
      const onChain = await chainBalance(chain);
      chainPart.ledgerBalance = onChain.toString();
      compare("on-chain ledger balance equals the settlement mirror less amounts locked on chain", expected, onChain);
    } catch (error) {
      chainPart.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      differences.push({
        check: "on-chain ledger balance readable",
        expected: "a balance",
        actual: chainPart.error,
        difference: "",
      });
    }
  }

  return {
    currency,
    reconciled: differences.length === 0,
    totals: {
      userBalances: userBalances.toString(),
      inTransit: inTransit.toString(),
      inTransitOnChain: inTransitOnChain.toString(),
      paidOut: paidOut.toString(),
      refunded: refunded.toString(),
      payoutsCredited: payoutsCredited.toString(),
      feesCharged: balanceOf(SYSTEM_ACCOUNTS.fees).toString(),
      settlementMirror: settlementMirror.toString(),
    },
    counts: { transfers: transferCounts, payouts: payoutCounts, conflicts: snapshot.conflicts },
    ledger: snapshot.ledger,
    ...(chainPart === undefined ? {} : { chain: chainPart }),
    differences,
  };
}
