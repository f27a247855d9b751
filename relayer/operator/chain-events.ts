import type { RemittanceSettlement } from "../../typechain-types/index.js";
import type { ChainEvent, Subscription } from "../core/listener/event-listener.js";
import type { Sql } from "../core/store/store.js";
import { toJson } from "./chain-records.js";
import { changeStatus, getByChainId } from "./remittances.js";
import { reasonName } from "./statuses.js";

/**
 * The settlement contract's remittance events, as the operator's statuses and payout intents. Runs inside
 * the listener's transaction (handled-events record, checkpoint): a status change, its webhook and the
 * event's record commit together, so each event takes effect once, after restarts and reorgs alike.
 * - sent by this tenant: `RemittanceInitiated` → initiated (with the record, for a refund later);
 *   PaidOut / Rejected / Expired → paid_out / rejected / expired;
 * - addressed to this tenant: `RemittanceInitiated` → a payout intent; a final event closes it.
 */
export function settlementSubscription(options: {
  settlement: RemittanceSettlement;
  tenantId: string;
  startBlock: number;
  webhooks: boolean;
  onChange(): void;
  /** A sent remittance reached a final status; `createdAt` is when it was accepted (ms). */
  onFinal?(status: string, createdAt: number): void;
}): Subscription {
  const iface = options.settlement.interface;
  const names = ["RemittanceInitiated", "RemittancePaidOut", "RemittanceRejected", "RemittanceExpired"] as const;
  const topics = names.map((n) => iface.getEvent(n).topicHash);
  const own = options.tenantId.toLowerCase();

  return {
    id: "settlement-remittances",
    address: String(options.settlement.target),
    topics: [topics],
    startBlock: options.startBlock,
    async handle(q: Sql, event: ChainEvent) {
      const parsed = iface.parseLog({ topics: [...event.topics], data: event.data });
      if (parsed === null) return;
      const id = String(parsed.args.id).toLowerCase();
      const sentByUs = String(parsed.args.sendingTenant).toLowerCase() === own;
      const toUs = String(parsed.args.receivingTenant).toLowerCase() === own;
      const sent = sentByUs ? await getByChainId(q, id) : undefined;
      const now = Date.now();

      if (parsed.name === "RemittanceInitiated") {
        const a = parsed.args;
        const record = {
          id,
          sendingTenant: a.sendingTenant,
          receivingTenant: a.receivingTenant,
          provider: a.provider,
          sourceToken: a.sourceToken,
          destinationToken: a.destinationToken,
          sourceAmount: a.sourceAmount,
          destinationAmount: a.destinationAmount,
          fee: a.fee,
          deadline: a.deadline,
        };
        if (sent !== undefined) {
          await q.run(
            "UPDATE op_remittances SET record_json = ?, deadline = ?, step = CASE WHEN step IN ('submit', 'submitted') THEN 'onchain' ELSE step END WHERE id = ?",
            [toJson(record), Number(a.deadline), sent.id],
          );
          await changeStatus(q, sent.id, "initiated", { detail: `block ${event.blockNumber}` }, options.webhooks);
        }
        if (toUs) {
          await q.run(
            `INSERT INTO op_payouts (remittance_id, record_json, recipient_hash, compliance_hash, deadline, state, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 'new', ?, ?) ON CONFLICT (remittance_id) DO NOTHING`,
            [id, toJson(record), String(a.recipientHash), String(a.complianceHash), Number(a.deadline), now, now],
          );
        }
      } else {
        const status =
          parsed.name === "RemittancePaidOut"
            ? "paid_out"
            : parsed.name === "RemittanceRejected"
              ? "rejected"
              : "expired";
        if (sent !== undefined) {
          const extra: { payoutRef?: string; reasonCode?: number; reason?: string; step: "done" } = { step: "done" };
          if (status === "paid_out") extra.payoutRef = String(parsed.args.payoutRef);
          if (status === "rejected") {
            extra.reasonCode = Number(parsed.args.reasonCode);
            extra.reason = reasonName(extra.reasonCode);
          }
          if (
            await changeStatus(q, sent.id, status, { ...extra, detail: `block ${event.blockNumber}` }, options.webhooks)
          ) {
            // Once per committed change: the listener's transaction may be run again on PostgreSQL.
            const createdAt = sent.created_at;
            q.afterCommit(() => options.onFinal?.(status, createdAt));
          }
        }
        if (toUs) {
          await q.run("UPDATE op_payouts SET state = 'done', updated_at = ? WHERE remittance_id = ?", [now, id]);
        }
      }
      q.afterCommit(options.onChange);
    },
  };
}
