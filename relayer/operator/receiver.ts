import { BatchItemStatus } from "../core/tx/batcher.js";
import { TxRejectedError } from "../core/tx/errors.js";
import { payoutRefBytes32, recordFromJson, toJson } from "./chain-records.js";
import { callJson, errorCodeOf, isTransient } from "./http-client.js";
import { LeasedRowWorker, type OperatorWorkerDeps } from "./leased-worker.js";
import { complianceHashOf, REASON_CODES, recipientHashOf } from "./statuses.js";

export const CONFIRM_GROUP = "confirm";
/** The states this worker acts on. */
const ACTIVE_STATES = "('new', 'confirm', 'confirming', 'reject', 'rejecting')";

interface PayoutRow {
  remittance_id: string;
  record_json: string;
  recipient_hash: string;
  compliance_hash: string;
  deadline: number;
  state: "new" | "confirm" | "confirming" | "reject" | "rejecting" | "done" | "late";
  payout_ref: string | null;
  reason_code: number | null;
  work_id: string | null;
  last_error: string | null;
  attempts: number;
  next_at: number;
}

/**
 * The receiving side's worker. A payout intent is persisted from the chain's `RemittanceInitiated`
 * before anything is paid. Then: the wallet's `POST /payouts` with the remittance id as idempotency key
 * (the wallet answers a repeat with the first answer, so a crash anywhere never pays twice) → on 201
 * `confirmPayout` through the batcher; on a refusal `reject` with its reason code; on a timeout or 5xx a
 * retry with backoff while the deadline less the safety margin allows, then `reject`.
 */
export class Receiver extends LeasedRowWorker {
  readonly name = "receiver";

  constructor(private readonly deps: OperatorWorkerDeps) {
    super(deps, { table: "op_payouts", key: "remittance_id", active: `state IN ${ACTIVE_STATES}` });
  }

  /** One pass; true when some intent was paid or refused, so its confirm or reject is due at once. */
  protected async pass(): Promise<boolean> {
    // Claimed, not just read: with several instances each intent is worked on by its lease holder only.
    const rows = await this.leases.claim<PayoutRow>(
      `state IN ${ACTIVE_STATES} AND next_at <= ?`,
      [Date.now()],
      "created_at, remittance_id",
      this.deps.config.worker.maxBatch * 4,
    );
    const paying = rows.filter((r) => r.state === "new");
    const confirming = rows.filter((r) => r.state === "confirm");
    const rejecting = rows.filter((r) => r.state === "reject");
    await Promise.all(paying.map((r) => this.pay(r)));
    // Side by side: their store writes wait together and commit as one group.
    for (const outcome of await Promise.allSettled(confirming.map((r) => this.confirm(r)))) {
      if (outcome.status === "rejected") throw outcome.reason;
    }
    // Once per pass, not per item: this pass's confirmations go into as few batches as they fit.
    if (confirming.length > 0) this.deps.wakeBatcher?.();
    for (const r of rows.filter((r) => r.state === "confirming")) await this.followConfirm(r);
    for (const r of rejecting) await this.reject(r);
    if (rejecting.length > 0) this.deps.wakeTx?.();
    return paying.length > 0;
  }

  /**
   * Moves a claimed intent on, only from the state it was read in and only while this instance holds its
   * lease: an instance that lost the row while busy (paused past its lease) changes nothing.
   */
  private update(row: PayoutRow, columns: Partial<PayoutRow>): Promise<void> {
    const entries = Object.entries(columns);
    return this.deps.store.tx(async (q) => {
      const { changes } = await q.run(
        `UPDATE op_payouts SET updated_at = ?${entries.map(([k]) => `, ${k} = ?`).join("")}
         WHERE remittance_id = ? AND state = ? AND lease_owner = ?`,
        [
          Date.now(),
          ...entries.map(([, v]) => v as string | number | null),
          row.remittance_id,
          row.state,
          this.leases.owner,
        ],
      );
      if (changes === 0) {
        this.deps.logger.info(
          { remittance: row.remittance_id, state: row.state },
          "intent moved on elsewhere; step dropped",
        );
      }
    });
  }

  private toReject(row: PayoutRow, reason: string): Promise<void> {
    this.deps.logger.info({ remittance: row.remittance_id, reason }, "rejecting remittance");
    return this.update(row, { state: "reject", reason_code: REASON_CODES[reason] ?? 9, next_at: 0 });
  }

  private async pay(row: PayoutRow): Promise<void> {
    const wallet = this.deps.config.wallet!;
    const record = recordFromJson(row.record_json);
    const lastCall = row.deadline - wallet.safetyMarginSeconds;
    const details = await this.deps.store.read((q) =>
      q.get<{ sender: string; recipient_ref: string; compliance_json: string }>(
        "SELECT sender, recipient_ref, compliance_json FROM op_inbound WHERE remittance_id = ?",
        [row.remittance_id],
      ),
    );
    const late = Math.floor(Date.now() / 1000) >= lastCall;
    if (details === undefined) {
      if (late) return this.toReject(row, "details_missing");
      return this.update(row, { attempts: row.attempts + 1, next_at: Date.now() + 250 });
    }
    const compliance = JSON.parse(details.compliance_json) as unknown;
    if (
      recipientHashOf(details.recipient_ref) !== row.recipient_hash ||
      complianceHashOf(compliance) !== row.compliance_hash
    ) {
      return this.toReject(row, "details_mismatch");
    }
    const url = `${wallet.url}/payouts`;
    if (late) {
      // Too late to start a payout; one made before a crash is still confirmed (the wallet tells).
      const known = await callJson(`${url}/${row.remittance_id}`, {
        method: "GET",
        key: this.deps.secrets.walletApiKey,
        timeoutMs: wallet.timeoutMs,
      });
      if (known.status === 200 && (known.body as { status?: string }).status === "paid") {
        return this.update(row, {
          state: "confirm",
          payout_ref: (known.body as { payoutRef: string }).payoutRef,
        });
      }
      if (known.status === 404 || known.status === 200) return this.toReject(row, "payout_unavailable");
      return this.update(row, { attempts: row.attempts + 1, next_at: Date.now() + 1_000 });
    }
    const answer = await callJson(url, {
      method: "POST",
      key: this.deps.secrets.walletApiKey,
      headers: { "idempotency-key": row.remittance_id },
      body: {
        remittanceId: row.remittance_id,
        recipientRef: details.recipient_ref,
        amount: record.destinationAmount.toString(),
        compliance,
      },
      timeoutMs: wallet.timeoutMs,
    });
    if (answer.status === 201) {
      const payoutRef = (answer.body as { payoutRef: string }).payoutRef;
      await this.update(row, { state: "confirm", payout_ref: payoutRef, next_at: 0 });
    } else if (isTransient(answer.status)) {
      const delay = Math.min(
        wallet.retry.initialMs * wallet.retry.factor ** Math.min(row.attempts, 20),
        wallet.retry.maxMs,
      );
      this.deps.logger.warn(
        { remittance: row.remittance_id, status: answer.status, delay },
        "payout endpoint unavailable; retried",
      );
      await this.update(row, { attempts: row.attempts + 1, next_at: Date.now() + delay });
    } else {
      await this.toReject(row, errorCodeOf(answer));
    }
  }

  private async confirm(row: PayoutRow): Promise<void> {
    const item = await this.deps.batcher.add({
      tenant: this.deps.config.tenant,
      idempotencyKey: `confirm-${row.remittance_id}`,
      group: CONFIRM_GROUP,
      payload: toJson({ remittance: recordFromJson(row.record_json), payoutRef: payoutRefBytes32(row.payout_ref!) }),
    });
    await this.update(row, { state: "confirming", work_id: item.id });
  }

  private async followConfirm(row: PayoutRow): Promise<void> {
    const item = await this.deps.batcher.get(row.work_id!);
    if (item.status !== BatchItemStatus.Failed) return; // succeeded: the listener closes it from PaidOut
    const name = item.error?.revert?.name ?? item.error?.code;
    // Paid in the wallet but the chain refuses the confirmation (e.g. the deadline passed): an operator
    // must look at it; it is kept apart, never paid again.
    this.deps.logger.error({ remittance: row.remittance_id, error: name }, "confirmPayout refused after the payout");
    await this.update(row, { state: "late", last_error: name ?? "confirm_failed" });
  }

  private async reject(row: PayoutRow): Promise<void> {
    const record = recordFromJson(row.record_json);
    try {
      const { record: tx } = await this.deps.manager.submit({
        tenant: this.deps.config.tenant,
        idempotencyKey: `reject-${row.remittance_id}`,
        to: String(this.deps.settlement.target),
        data: this.deps.settlement.interface.encodeFunctionData("reject", [record, row.reason_code ?? 9]),
      });
      await this.update(row, { state: "rejecting", work_id: tx.id });
    } catch (error) {
      if (!(error instanceof TxRejectedError)) throw error;
      // Final already (refunded as expired meanwhile): the listener closes the intent.
      await this.update(row, {
        state: "rejecting",
        last_error: error.record.error?.revert?.name ?? "rejected",
      });
    }
  }
}
