import type { SignedQuote } from "../../client/eip712/quote.js";
import { buildInitiateParams } from "../../client/remittance.js";
import type { Sql } from "../core/store/store.js";
import { BatchItemStatus } from "../core/tx/batcher.js";
import { TxRejectedError } from "../core/tx/errors.js";
import { LeasedRowWorker, type OperatorWorkerDeps } from "./leased-worker.js";
import { recordFromJson, toJson } from "./chain-records.js";
import { callJson, errorCodeOf, isTransient, type QuoteWire } from "./http-client.js";
import { changeStatus, setStep, type RemittanceRow } from "./remittances.js";

export const INITIATE_GROUP = "initiate";
/** The steps this worker acts on (the others wait for the chain's events or are done). */
const ACTIVE_STEPS = "('quote', 'handover', 'submit', 'submitted', 'refund')";

/**
 * The sending side's worker. Each accepted remittance walks persisted steps, each resumable after a
 * crash: `quote` (a firm quote from the provider) → `handover` (recipient and compliance data to the
 * receiving operator's relayer, keyed by the remittance id) → `submit` (handed to the batcher under the
 * remittance id as idempotency key) → `submitted` (until the batch item settles) → `onchain` (statuses
 * come from the chain's events, through the listener) → `refund` (past its deadline, unconfirmed).
 */
export class Sender extends LeasedRowWorker {
  readonly name = "sender";

  constructor(private readonly deps: OperatorWorkerDeps & { domain: SignedQuote["domain"]; webhooks: boolean }) {
    super(deps, { table: "op_remittances", key: "id", active: `step IN ${ACTIVE_STEPS}` });
  }

  /** One pass; true when some row took a step whose next one is due at once. */
  protected async pass(): Promise<boolean> {
    // Claimed, not just read: with several instances each row is worked on by its lease holder only.
    const rows = await this.leases.claim<RemittanceRow>(
      `step IN ${ACTIVE_STEPS} AND next_at <= ?`,
      [Date.now()],
      "created_at, id",
      this.deps.config.worker.maxBatch * 4,
    );
    const quoting = rows.filter((r) => r.step === "quote");
    const handing = rows.filter((r) => r.step === "handover");
    const submitting = rows.filter((r) => r.step === "submit");
    await Promise.all(quoting.map((r) => this.quote(r)));
    await Promise.all(handing.map((r) => this.handover(r)));
    // Side by side: their store writes wait together and commit as one group.
    for (const outcome of await Promise.allSettled(submitting.map((r) => this.submit(r)))) {
      if (outcome.status === "rejected") throw outcome.reason;
    }
    // Once per pass, not per item: what this pass handed over goes into as few batches as it fits.
    if (submitting.length > 0) this.deps.wakeBatcher?.();
    for (const r of rows.filter((r) => r.step === "submitted")) await this.followItem(r);
    const refunds = rows.filter((r) => r.step === "refund");
    for (const r of refunds) await this.refund(r);
    if (refunds.length > 0) this.deps.wakeTx?.();
    await this.markExpired();
    return quoting.length > 0 || handing.length > 0;
  }

  /**
   * A write that moves a claimed row on: it commits only if the row is still at the step it was read at
   * and still leased to this instance (one that lost it while busy, e.g. paused past its lease, changes
   * nothing: the new holder does the step).
   */
  private write(row: RemittanceRow, fn: (q: Sql) => Promise<unknown>): Promise<void> {
    return this.deps.store.tx(async (q) => {
      const { changes } = await q.run(
        "UPDATE op_remittances SET updated_at = updated_at WHERE id = ? AND step = ? AND lease_owner = ?",
        [row.id, row.step, this.leases.owner],
      );
      if (changes === 0) {
        this.deps.logger.warn(
          { remittance: row.id, step: row.step },
          "row moved on meanwhile (its event, or another instance); step dropped",
        );
        return;
      }
      await fn(q);
    });
  }

  private async backoff(row: RemittanceRow, why: string): Promise<void> {
    const delay = Math.min(500 * 2 ** Math.min(row.attempts, 6), 10_000);
    this.deps.logger.warn({ remittance: row.id, step: row.step, why, delay }, "step will be retried");
    await this.write(row, (q) =>
      setStep(q, row.id, row.step, { attempts: row.attempts + 1, next_at: Date.now() + delay }),
    );
  }

  private async fail(row: RemittanceRow, reason: string, detail: string): Promise<void> {
    await this.write(row, (q) =>
      changeStatus(q, row.id, "error", { reason, detail, step: "done" }, this.deps.webhooks),
    );
    this.deps.onChange();
  }

  private async quote(row: RemittanceRow): Promise<void> {
    const { config, secrets } = this.deps;
    const answer = await callJson(`${config.quotes!.url}/quotes`, {
      method: "POST",
      key: secrets.quotesApiKey,
      body: {
        corridor: config.quotes!.corridors[row.receiving_operator],
        sellAmount: row.amount,
        receivingOperator: row.receiving_operator,
      },
      timeoutMs: config.quotes!.timeoutMs,
    });
    if (answer.status === 201) {
      const quote = answer.body as QuoteWire;
      await this.write(row, (q) =>
        setStep(q, row.id, "handover", {
          quote_json: JSON.stringify(quote),
          remittance_id: quote.id,
          fee: quote.fee.total,
          deadline: this.deadlineOf(quote),
          attempts: 0,
          next_at: 0,
        }),
      );
    } else if (isTransient(answer.status)) await this.backoff(row, `quote service answered ${answer.status}`);
    else await this.fail(row, errorCodeOf(answer), "the quote service refused");
  }

  private deadlineOf(quote: QuoteWire): number {
    const wanted = this.deps.config.sendDeadlineSeconds;
    if (wanted === undefined) return quote.latestDeadline;
    return Math.min(quote.latestDeadline, Math.floor(Date.now() / 1000) + wanted);
  }

  private async handover(row: RemittanceRow): Promise<void> {
    const { config, secrets } = this.deps;
    const peer = config.peers[row.receiving_operator];
    if (peer === undefined) return this.fail(row, "no_peer", "no relayer configured for the receiving operator");
    const answer = await callJson(`${peer.url}/inbound/remittances`, {
      method: "POST",
      key: secrets.peerApiKeys[row.receiving_operator],
      body: {
        remittanceId: row.remittance_id,
        recipientRef: row.recipient_ref,
        compliance: JSON.parse(row.compliance_json),
      },
      timeoutMs: 5_000,
    });
    if (answer.status === 201) {
      await this.write(row, (q) => setStep(q, row.id, "submit", { attempts: 0, next_at: 0 }));
    } else if (isTransient(answer.status)) await this.backoff(row, `peer relayer answered ${answer.status}`);
    else await this.fail(row, errorCodeOf(answer), "the receiving operator's relayer refused the details");
  }

  private async submit(row: RemittanceRow): Promise<void> {
    const quote = JSON.parse(row.quote_json!) as QuoteWire;
    if (quote.expiresAt <= Math.floor(Date.now() / 1000)) {
      return this.fail(row, "quote_expired", "the quote expired before the remittance could be initiated");
    }
    const signed: SignedQuote = {
      domain: this.deps.domain,
      quote: {
        corridorId: quote.corridorId,
        sendingTenant: quote.sendingOperator,
        receivingTenant: quote.receivingOperator,
        quoteId: quote.id,
        sourceAmount: BigInt(quote.sellAmount),
        destinationAmount: BigInt(quote.buyAmount),
        fee: BigInt(quote.fee.total),
        expiry: BigInt(quote.expiresAt),
        latestDeadline: BigInt(quote.latestDeadline),
      },
      clientRef: quote.clientRef,
      signature: quote.signature,
      signer: quote.signer,
    };
    const params = buildInitiateParams(signed, {
      recipientHash: row.recipient_hash,
      complianceHash: row.compliance_hash,
      deadline: BigInt(row.deadline!),
    });
    const item = await this.deps.batcher.add({
      tenant: this.deps.config.tenant,
      idempotencyKey: `initiate-${row.remittance_id}`,
      group: INITIATE_GROUP,
      payload: toJson(params),
    });
    await this.write(row, (q) => setStep(q, row.id, "submitted", { batch_item_id: item.id }));
  }

  private async followItem(row: RemittanceRow): Promise<void> {
    const item = await this.deps.batcher.get(row.batch_item_id!);
    if (item.status === BatchItemStatus.Succeeded) {
      // The listener reports `initiated` from the event; it may already have.
      await this.write(row, (q) =>
        q.run("UPDATE op_remittances SET step = 'onchain', updated_at = ? WHERE id = ? AND step = 'submitted'", [
          Date.now(),
          row.id,
        ]),
      );
    } else if (item.status === BatchItemStatus.Failed) {
      await this.fail(
        row,
        item.error?.revert?.name ?? item.error?.code ?? "initiate_failed",
        item.error?.message ?? "",
      );
    }
  }

  /** Initiated remittances past their deadline (with a margin for the chain's clock) are refunded. */
  private async markExpired(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    await this.deps.store.tx((q) =>
      q.run(
        `UPDATE op_remittances SET step = 'refund', next_at = 0, updated_at = ?
         WHERE status = 'initiated' AND step = 'onchain' AND record_json IS NOT NULL AND deadline < ?`,
        [Date.now(), now - 2],
      ),
    );
  }

  private async refund(row: RemittanceRow): Promise<void> {
    const record = recordFromJson(row.record_json!);
    let revertName: string | undefined;
    try {
      // The attempt is part of the key: a refund refused because the chain's clock lags is stored as
      // rejected under its key, and the next attempt must be a new request.
      const { record: tx } = await this.deps.manager.submit({
        tenant: this.deps.config.tenant,
        idempotencyKey: `refund-${row.remittance_id}-${row.attempts}`,
        to: String(this.deps.settlement.target),
        data: this.deps.settlement.interface.encodeFunctionData("refundExpired", [record]),
      });
      if (tx.status === "rejected") revertName = tx.error?.revert?.name ?? "rejected";
    } catch (error) {
      if (!(error instanceof TxRejectedError)) throw error;
      revertName = error.record.error?.revert?.name ?? "rejected";
    }
    if (revertName === "RemittanceDeadlineNotReached") {
      return this.backoff(row, "the chain's clock has not passed the deadline yet");
    }
    // Sent, or refused because it is final already (paid out or rejected meanwhile): the listener reports it.
    await this.write(row, (q) => setStep(q, row.id, "done"));
  }
}
