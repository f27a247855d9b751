/**
 * The demo's remittances, through the services: HK wallet users send money to PH wallet users through the
 * HK wallet ledger's HTTP API (`POST /transfers`), which hands them to the HK operator relayer; the quote
 * service prices them, the relayers initiate and confirm on chain, the PH wallet credits the recipient.
 * Each transfer is followed through the wallet's API, its status path and end-to-end time recorded.
 */
import { DatabaseSync } from "node:sqlite";

import { formatAmount, type TokenUnits } from "../../client/amounts.js";
import { listRemittances, type RemittanceHistory } from "../../client/remittance.js";
import { AMOUNTS, type CorridorSetup } from "../../fixtures/corridor.js";
import type { DemoWorld } from "../../fixtures/world.js";
import type { Stack } from "../../fixtures/stack.js";
import { call, eventually, expectCall, sleep } from "./http.js";

/** The public mark a remittance is known for: paid out and settled in about three seconds. */
export const PUBLIC_MARK_MS = 3_000;

export type RemittanceKind = "payout" | "rejected" | "expired";

/** One remittance as the demo saw it, and as demo-report.json records it. */
export interface DemoRemittance {
  label: string;
  kind: RemittanceKind;
  from: string;
  to: string;
  /** Source amount in HKD base units. */
  amount: string;
  /** The HK wallet's transfer id, the HK relayer's remittance id and the on-chain remittance id. */
  transferId: string;
  relayerId: string | null;
  remittanceId: string | null;
  /** What the wallet should end in: paid_out, or refunded for the rejected and the expired ones. */
  expected: "paid_out" | "refunded";
  /** The wallet's final state, the relayer's and the chain's. */
  finalStatus: string;
  relayerStatus: string | null;
  chainStatus: string | null;
  refundReason: string | null;
  /** Destination amount the recipient was credited (PHP base units), from the chain record. */
  destinationAmount: string | null;
  /** From the wallet's request to the wallet's final state (paid out: the recipient credited and settled on chain). */
  endToEndMs: number;
  /**
   * Each status the wallet's API showed, first seen at ms after the request (polled every 200 ms); the last
   * one is the wallet's own time of the final state.
   */
  statusPath: { status: string; ms: number }[];
  problems: string[];
}

interface Transfer {
  id: string;
  state: string;
  remoteStatus: string | null;
  remittanceId: string | null;
  refundReason: string | null;
  amount: string;
  updatedAt: number;
}

export interface Parties {
  /** HK wallet accounts by name, PH wallet accounts by ref. */
  hk: Map<string, string>;
  ph: Map<string, string>;
  /** What each HK sender was funded with. */
  funded: Map<string, bigint>;
}

export const SENDERS = ["alice", "ben", "chloe"];
export const RECIPIENTS = ["maria", "jose", "ana", "luz"];

/** Opens the wallets' accounts: the HK senders, each funded, and the PH recipients. */
export async function openAccounts(stack: Stack, perSender: bigint): Promise<Parties> {
  const parties: Parties = { hk: new Map(), ph: new Map(), funded: new Map() };
  for (const ref of RECIPIENTS) {
    const account = await expectCall<{ id: string }>(201, stack.urls.phWallet, "POST", "/accounts", {
      key: stack.keys.phApp,
      body: { ref, name: `${ref} (PH wallet user)` },
    });
    parties.ph.set(ref, account.id);
  }
  for (const name of SENDERS) {
    const account = await expectCall<{ id: string }>(201, stack.urls.hkWallet, "POST", "/accounts", {
      key: stack.keys.hkApp,
      body: { ref: name, name: `${name} (HK wallet user)` },
    });
    await expectCall(201, stack.urls.hkWallet, "POST", `/accounts/${account.id}/deposits`, {
      key: stack.keys.hkApp,
      headers: { "idempotency-key": `demo-fund-${name}` },
      body: { amount: perSender.toString() },
    });
    parties.hk.set(name, account.id);
    parties.funded.set(name, perSender);
  }
  return parties;
}

export async function balanceOf(url: string, key: string, account: string): Promise<bigint> {
  const body = await expectCall<{ balance: string }>(200, url, "GET", `/accounts/${account}`, { key });
  return BigInt(body.balance);
}

const statusLabel = (t: Transfer) =>
  t.state === "refunded"
    ? `refunded (${t.remoteStatus ?? "refused"})`
    : t.state === "paid_out"
      ? "paid_out"
      : (t.remoteStatus ?? t.state);

/**
 * Sends one transfer through the HK wallet's API and follows it until it is final (paid out or refunded),
 * polling the wallet every 200 ms: the status path as the wallet's app sees it, and the time from the
 * request to the wallet's final state.
 */
export async function sendAndFollow(
  stack: Stack,
  parties: Parties,
  spec: { label: string; kind: RemittanceKind; from: string; to: string; amount: bigint; key: string },
  options: { timeoutMs: number; onAccepted?: (transferId: string) => Promise<void> },
): Promise<DemoRemittance> {
  const started = Date.now();
  const accepted = await expectCall<Transfer>(202, stack.urls.hkWallet, "POST", "/transfers", {
    key: stack.keys.hkApp,
    headers: { "idempotency-key": spec.key },
    body: {
      accountId: parties.hk.get(spec.from),
      amount: spec.amount.toString(),
      receivingOperator: "ph-wallet",
      recipientRef: spec.to,
      compliance: { sender: `${spec.from} (HK wallet user)`, purpose: "family support" },
    },
  });
  const path: { status: string; ms: number }[] = [{ status: statusLabel(accepted), ms: 0 }];
  const follow = (async () => {
    const until = started + options.timeoutMs;
    for (;;) {
      // A poll that fails (the wallet busy, or stopping on Ctrl-C) is retried until the timeout.
      const answer = await call<Transfer>(stack.urls.hkWallet, "GET", `/transfers/${accepted.id}`, {
        key: stack.keys.hkApp,
      }).catch(() => undefined);
      if (answer?.status === 200) {
        const t = answer.body;
        const label = statusLabel(t);
        const final = t.state === "paid_out" || t.state === "refunded";
        if (path.at(-1)!.status !== label)
          path.push({ status: label, ms: final ? t.updatedAt - started : Date.now() - started });
        if (final) return t;
      }
      if (Date.now() > until) return undefined;
      await sleep(200);
    }
  })();
  if (options.onAccepted !== undefined) await options.onAccepted(accepted.id);
  const final = await follow;
  const last = final ?? accepted;
  const expected = spec.kind === "payout" ? "paid_out" : "refunded";
  return {
    label: spec.label,
    kind: spec.kind,
    from: spec.from,
    to: spec.to,
    amount: spec.amount.toString(),
    transferId: accepted.id,
    relayerId: last.remittanceId,
    remittanceId: null,
    expected,
    finalStatus: final === undefined ? `${last.state} (not final after ${options.timeoutMs / 1000} s)` : final.state,
    relayerStatus: null,
    chainStatus: null,
    refundReason: last.refundReason,
    destinationAmount: null,
    endToEndMs: final === undefined ? Date.now() - started : final.updatedAt - started,
    statusPath: path,
    problems: [],
  };
}

export function formatRemittance(r: DemoRemittance, HKD: TokenUnits): string {
  const path = r.statusPath.map((s, i) => (i === 0 ? s.status : `${s.status} ${(s.ms / 1000).toFixed(1)} s`));
  const mark =
    r.kind === "payout"
      ? `  ${r.endToEndMs.toLocaleString("en-US")} ms (3 s mark: ${r.endToEndMs <= PUBLIC_MARK_MS ? "met" : "missed"})`
      : "";
  return (
    `  ${r.label.padEnd(4)} ${r.from.padEnd(6)} -> ${r.to.padEnd(16)} ${formatAmount(BigInt(r.amount), HKD).padStart(16)}  ` +
    `${path.join(" -> ")}${mark}`
  );
}

/** The amounts the demo sends, cycled (HKD). */
export function amountOf(i: number, HKD: TokenUnits): bigint {
  const [whole, fraction = ""] = AMOUNTS[i % AMOUNTS.length]!.split(".");
  return (
    BigInt(whole!) * 10n ** BigInt(HKD.decimals) +
    BigInt(fraction.padEnd(HKD.decimals, "0").slice(0, HKD.decimals) || "0")
  );
}

/**
 * The expired case: the transfer is sent, and the PH relayer crashes (SIGKILL) right after the HK relayer
 * handed it the recipient's details, before the remittance is initiated on chain; nobody confirms it, and
 * past its deadline the HK relayer refunds it. The PH relayer is started again later, on its database.
 */
export async function sendExpiring(
  stack: Stack,
  parties: Parties,
  spec: { label: string; from: string; to: string; amount: bigint; key: string },
  timeoutMs: number,
): Promise<DemoRemittance> {
  const inbound = () => {
    const db = new DatabaseSync(stack.services.phOperator.storePath, { readOnly: true });
    try {
      db.exec("PRAGMA busy_timeout = 2000");
      return Number((db.prepare("SELECT COUNT(*) AS n FROM op_inbound").get() as { n: number }).n);
    } finally {
      db.close();
    }
  };
  const before = inbound();
  return sendAndFollow(
    stack,
    parties,
    { ...spec, kind: "expired" },
    {
      timeoutMs,
      onAccepted: async () => {
        await eventually(
          "the recipient details handed to the PH relayer",
          async () => (inbound() > before ? true : undefined),
          30_000,
          20,
        );
        await stack.kill("phOperator");
      },
    },
  );
}

/**
 * Fills in each remittance's relayer and chain view and checks it: the final state the wallet should
 * reach, the relayer's status, the chain's final event, and each PH recipient credited exactly what the
 * chain says was paid out to it. Returns the problems found (none: all as expected).
 */
export async function verifyRemittances(
  stack: Stack,
  world: DemoWorld,
  setup: CorridorSetup,
  parties: Parties,
  remittances: DemoRemittance[],
  fromBlock: number,
): Promise<{ problems: string[]; history: RemittanceHistory[] }> {
  const problems: string[] = [];
  const history = await listRemittances(
    { contract: setup.remittance, provider: world.ethers.provider, fromBlock },
    world.tenants.hkWallet,
    "sender",
  );
  const byId = new Map(history.map((h) => [h.record.id.toLowerCase(), h]));
  const relayerStatus: Record<RemittanceKind, string> = {
    payout: "paid_out",
    rejected: "rejected",
    expired: "expired",
  };
  const chainStatus: Record<RemittanceKind, string> = { payout: "PaidOut", rejected: "Rejected", expired: "Expired" };
  const credited = new Map<string, bigint>();
  for (const r of remittances) {
    if (r.finalStatus !== r.expected) r.problems.push(`wallet state ${r.finalStatus}, expected ${r.expected}`);
    if (r.relayerId !== null) {
      const relayed = await call<{ status: string; remittanceId: string | null }>(
        stack.urls.hkOperator,
        "GET",
        `/remittances/${r.relayerId}`,
        { key: stack.keys.hkOperatorClient },
      );
      if (relayed.status === 200) {
        r.relayerStatus = relayed.body.status;
        r.remittanceId = relayed.body.remittanceId;
      }
    }
    if (r.relayerStatus !== relayerStatus[r.kind]) {
      r.problems.push(`relayer status ${r.relayerStatus}, expected ${relayerStatus[r.kind]}`);
    }
    if (r.kind === "rejected" && !/unknown_recipient/.test(r.refundReason ?? "")) {
      r.problems.push(`refund reason ${r.refundReason}, expected unknown_recipient`);
    }
    const h = r.remittanceId === null ? undefined : byId.get(r.remittanceId.toLowerCase());
    r.chainStatus = h?.final?.status ?? (h === undefined ? null : "Initiated");
    if (r.chainStatus !== chainStatus[r.kind])
      r.problems.push(`on chain ${r.chainStatus}, expected ${chainStatus[r.kind]}`);
    if (h !== undefined) {
      if (h.record.sourceAmount !== BigInt(r.amount))
        r.problems.push(`on-chain source amount ${h.record.sourceAmount}`);
      r.destinationAmount = h.record.destinationAmount.toString();
      if (h.final?.status === "PaidOut") credited.set(r.to, (credited.get(r.to) ?? 0n) + h.record.destinationAmount);
    }
    problems.push(...r.problems.map((p) => `remittance ${r.label}: ${p}`));
  }
  // Each recipient holds exactly what the chain paid out to it: the expired one was not paid late.
  for (const [ref, account] of parties.ph) {
    const balance = await balanceOf(stack.urls.phWallet, stack.keys.phApp, account);
    const expected = credited.get(ref) ?? 0n;
    if (balance !== expected)
      problems.push(`PH wallet user ${ref}: balance ${balance}, the chain paid out ${expected}`);
  }
  // Each sender paid exactly its paid-out transfers: the rejected and the expired ones came back whole.
  for (const [name, account] of parties.hk) {
    const balance = await balanceOf(stack.urls.hkWallet, stack.keys.hkApp, account);
    const sent = remittances
      .filter((r) => r.from === name && r.finalStatus === "paid_out")
      .reduce((sum, r) => sum + BigInt(r.amount), 0n);
    const expected = parties.funded.get(name)! - sent;
    if (balance !== expected) problems.push(`HK wallet user ${name}: balance ${balance}, expected ${expected}`);
  }
  return { problems, history };
}
