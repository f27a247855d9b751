/**
 * Where a remittance's time goes, read after the run from the services' own stores (read-only): every
 * service stamps its status changes with the wall clock of the same machine, so the milestones of one
 * remittance line up across processes. Nothing here runs during the measure.
 */
import { DatabaseSync } from "node:sqlite";

/** The milestones of one remittance, in ms since the epoch; undefined when a store did not record it. */
export interface Milestones {
  /** The HK wallet accepted the transfer (its `created_at`). */
  walletAccepted: number;
  /** The HK relayer stored the remittance (`POST /remittances` answered). */
  relayerAccepted?: number;
  /** The initiate batch was simulated and queued in the HK relayer's transaction manager. */
  initiateQueued?: number;
  /** The initiate batch was broadcast. */
  initiateBroadcast?: number;
  /** The HK relayer's listener recorded `initiated`. */
  initiatedSeen?: number;
  /** The PH relayer's listener stored the payout intent from `RemittanceInitiated`. */
  payoutIntent?: number;
  /** The PH wallet paid the recipient. */
  walletPaid?: number;
  /** The confirm batch was simulated and queued in the PH relayer's transaction manager. */
  confirmQueued?: number;
  /** The confirm batch was broadcast. */
  confirmBroadcast?: number;
  /** The HK relayer's listener recorded `paid_out`. */
  paidOutSeen?: number;
  /** The HK wallet applied the `paid_out` webhook: the sender sees it settled. */
  walletPaidOut?: number;
}

export interface StorePaths {
  hkWallet: string;
  hkOperator: string;
  phOperator: string;
  phWallet: string;
}

/** Named segments between consecutive milestones, in the order a remittance travels. */
export const SEGMENTS: ReadonlyArray<{ name: string; from: keyof Milestones; to: keyof Milestones }> = [
  { name: "HK wallet → HK relayer accepted", from: "walletAccepted", to: "relayerAccepted" },
  { name: "quote, handover, batch, simulate", from: "relayerAccepted", to: "initiateQueued" },
  { name: "sign + broadcast initiate", from: "initiateQueued", to: "initiateBroadcast" },
  { name: "initiate: wait for its block, PH listener sees it", from: "initiateBroadcast", to: "payoutIntent" },
  { name: "PH wallet payout", from: "payoutIntent", to: "walletPaid" },
  { name: "confirm batch, simulate", from: "walletPaid", to: "confirmQueued" },
  { name: "sign + broadcast confirm", from: "confirmQueued", to: "confirmBroadcast" },
  { name: "confirm: wait for its block, HK listener sees it", from: "confirmBroadcast", to: "paidOutSeen" },
  { name: "webhook to the HK wallet", from: "paidOutSeen", to: "walletPaidOut" },
];

function open(file: string): DatabaseSync {
  return new DatabaseSync(file, { readOnly: true });
}

/** Milestones of every transfer of the HK wallet that reached `paid_out`, keyed by transfer id. */
export function readMilestones(paths: StorePaths): Map<string, Milestones> {
  const out = new Map<string, Milestones>();
  const hkWallet = open(paths.hkWallet);
  const hkOp = open(paths.hkOperator);
  const phOp = open(paths.phOperator);
  const phWallet = open(paths.phWallet);
  try {
    const transfers = hkWallet
      .prepare(
        `SELECT t.id, t.remittance_id, t.created_at, e.received_at FROM wallet_transfers t
         LEFT JOIN wallet_webhook_events e ON e.remittance_id = t.remittance_id AND e.status = 'paid_out'
         WHERE t.state = 'paid_out'`,
      )
      .all() as Array<{ id: string; remittance_id: string; created_at: number; received_at: number | null }>;
    const remittance = hkOp.prepare("SELECT remittance_id, created_at FROM op_remittances WHERE id = ?");
    const status = hkOp.prepare("SELECT MIN(at) AS at FROM op_status_history WHERE id = ? AND status = ?");
    const batchOf = (db: DatabaseSync) =>
      db.prepare(
        `SELECT r.created_at, r.submitted_at FROM tx_batch_items i JOIN tx_requests r ON r.id = i.batch_request_id
         WHERE i.idempotency_key = ?`,
      );
    const initiateBatch = batchOf(hkOp);
    const confirmBatch = batchOf(phOp);
    const intent = phOp.prepare("SELECT created_at FROM op_payouts WHERE remittance_id = ?");
    const paid = phWallet.prepare("SELECT created_at FROM wallet_payouts WHERE remittance_id = ?");
    type At = { at: number | null } | undefined;
    type Batch = { created_at: number; submitted_at: number | null } | undefined;
    type Created = { created_at: number } | undefined;
    for (const t of transfers) {
      const m: Milestones = { walletAccepted: Number(t.created_at) };
      if (t.received_at !== null) m.walletPaidOut = Number(t.received_at);
      const r = remittance.get(t.remittance_id) as { remittance_id: string | null; created_at: number } | undefined;
      if (r !== undefined) {
        m.relayerAccepted = Number(r.created_at);
        const initiated = status.get(t.remittance_id, "initiated") as At;
        const paidOut = status.get(t.remittance_id, "paid_out") as At;
        if (initiated?.at != null) m.initiatedSeen = Number(initiated.at);
        if (paidOut?.at != null) m.paidOutSeen = Number(paidOut.at);
        const chainId = r.remittance_id;
        if (chainId !== null) {
          const i = initiateBatch.get(`initiate-${chainId}`) as Batch;
          if (i !== undefined) {
            m.initiateQueued = Number(i.created_at);
            if (i.submitted_at !== null) m.initiateBroadcast = Number(i.submitted_at);
          }
          const c = confirmBatch.get(`confirm-${chainId}`) as Batch;
          if (c !== undefined) {
            m.confirmQueued = Number(c.created_at);
            if (c.submitted_at !== null) m.confirmBroadcast = Number(c.submitted_at);
          }
          const p = intent.get(chainId) as Created;
          if (p !== undefined) m.payoutIntent = Number(p.created_at);
          const w = paid.get(chainId) as Created;
          if (w !== undefined) m.walletPaid = Number(w.created_at);
        }
      }
      out.set(t.id, m);
    }
  } finally {
    for (const db of [hkWallet, hkOp, phOp, phWallet]) db.close();
  }
  return out;
}

/** Each segment's durations (ms) over the remittances that recorded both of its ends. */
export function segmentDurations(milestones: Iterable<Milestones>): Map<string, number[]> {
  const out = new Map<string, number[]>(SEGMENTS.map((s) => [s.name, []]));
  for (const m of milestones) {
    for (const s of SEGMENTS) {
      const from = m[s.from];
      const to = m[s.to];
      if (from !== undefined && to !== undefined) out.get(s.name)!.push(to - from);
    }
  }
  return out;
}
