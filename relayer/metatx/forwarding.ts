import { getAddress, ZeroHash } from "ethers";

import {
  forwardRequestFromJson,
  forwardRequestId,
  forwardRequestToJson,
  recoverForwardRequestSigner,
  type ForwardRequestData,
  type ForwardRequestJson,
} from "../../client/eip712/forward-request.js";
import type { ChainClient } from "../core/chain/chain-client.js";
import type { Logger } from "../core/kit/logger.js";
import type { Worker } from "../core/kit/service.js";
import { instanceId } from "../core/store/lease.js";
import { RowLeases } from "../core/store/leased-rows.js";
import type { Store, Sql } from "../core/store/store.js";
import { TxRejectedError } from "../core/tx/errors.js";
import type { TxManager } from "../core/tx/tx-manager.js";
import { isFinal, TxStatus } from "../core/tx/types.js";
import type { AllowList } from "./allow-list.js";
import { reserve, settle } from "./budgets.js";
import type { ChainReads, RevertReason } from "./chain-reads.js";
import type { MetatxConfig } from "./config.js";
import { budgetErrors, refuse } from "./errors.js";
import { MemberRateLimiter } from "./member-rate-limit.js";

/**
 * Headroom above `estimate + gas × 64/63` for the forwarder's own work after the call (event, checks)
 * and the estimate's imprecision; it is only reserved, never charged (settlement charges the receipt).
 */
const GAS_HEADROOM = 30_000n;

export type ForwardStatusName = "pending" | "confirmed" | "reverted" | "failed";

export interface ForwardRow {
  id: string;
  tenant: string;
  signer: string;
  target: string;
  selector: string;
  request_json: string;
  calldata: string;
  gas_limit: string;
  reserved: string;
  status: ForwardStatusName;
  tx_id: string | null;
  charged: string | null;
  gas_used: string | null;
  tx_hash: string | null;
  block_number: number | null;
  error_json: string | null;
  created_at: number;
  updated_at: number;
}

export function forwardJson(row: ForwardRow) {
  return {
    id: row.id,
    tenant: row.tenant,
    signer: row.signer,
    target: row.target,
    selector: row.selector,
    status: row.status,
    gasLimit: row.gas_limit,
    reserved: row.reserved,
    charged: row.charged,
    gasUsed: row.gas_used,
    txHash: row.tx_hash,
    blockNumber: row.block_number,
    error: row.error_json === null ? null : (JSON.parse(row.error_json) as ForwardError),
  };
}

interface ForwardError {
  code: string;
  message: string;
  revert?: RevertReason;
}

export interface ForwardingOptions {
  config: MetatxConfig;
  store: Store;
  chain: ChainClient;
  reads: ChainReads;
  allow: AllowList;
  txManager: TxManager;
  relayer: string;
  chainId: bigint;
  logger: Logger;
  /** This instance as a lease owner (several instances on one database); a random one by default. */
  owner?: string;
  /** How long a claimed request stays this instance's without a heartbeat (default 10 s). */
  leaseMs?: number;
}

/**
 * Accepts signed forward requests (every check before anything is reserved or submitted), submits them
 * through the transaction manager and settles their budgets from the receipts.
 */
export class Forwarding implements Worker {
  readonly name = "metatx-settlement";
  private readonly price: bigint;
  private readonly limiter: MemberRateLimiter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly leases: RowLeases;
  private readonly leaseMs: number;

  constructor(private readonly o: ForwardingOptions) {
    this.leaseMs = o.leaseMs ?? 10_000;
    this.leases = new RowLeases({
      store: o.store,
      table: "metatx_forwards",
      key: "id",
      owner: o.owner ?? instanceId("metatx"),
      ttlMs: this.leaseMs,
      active: "status = 'pending'",
    });
    const fees = o.config.chain.fees;
    // The highest price per gas the relayer can ever pay: reserving at it always covers the receipt.
    this.price = fees.kind === "zero" ? 0n : BigInt(fees.maxFeeCap);
    this.limiter = new MemberRateLimiter(o.config.limits.perMember.max, o.config.limits.perMember.windowMs);
  }

  async get(id: string) {
    const row = await this.o.store.read((q) => getRow(q, id));
    if (row === undefined) throw budgetErrors.notFound(id);
    return forwardJson(row);
  }

  /** Every check, then reserve and persist, then submit. Refusals throw before anything is stored. */
  async accept(json: ForwardRequestJson) {
    const { config, store, reads } = this.o;
    const request: ForwardRequestData = forwardRequestFromJson(json);
    const id = forwardRequestId(request);
    const known = await store.read((q) => getRow(q, id));
    if (known !== undefined) throw refuse.replayed(id, known.status);
    if (request.value !== 0n) throw refuse.valueNotSupported();
    const from = getAddress(request.from);
    const selector = this.o.allow.check(request.to, request.data);
    if (request.gas > BigInt(config.limits.maxRequestGas))
      throw refuse.gasTooHigh(request.gas, config.limits.maxRequestGas);
    const now = await reads.chainTime();
    if (request.deadline < now + BigInt(config.limits.minDeadlineSeconds)) throw refuse.expired(request.deadline, now);

    // The signature, against the nonce this request must carry: the signer's next after those in flight.
    const inFlight = await store.read((q) => inFlightOf(q, from));
    if (inFlight >= config.limits.inFlightPerMember) throw refuse.inFlight(config.limits.inFlightPerMember);
    const nonce = (await reads.nonceOf(from)) + BigInt(inFlight);
    const domain = { chainId: this.o.chainId, verifyingContract: reads.forwarder };
    let signer: string;
    try {
      signer = recoverForwardRequestSigner(domain, request, nonce);
    } catch {
      throw refuse.invalidSignature();
    }
    if (signer !== from) throw refuse.invalidSignature();
    // The forwarder's own verdict (signature, nonce, deadline, target trusts it) when it can judge alone.
    if (inFlight === 0 && !(await reads.verify(request))) throw refuse.invalidSignature();

    let member = await reads.membership(from);
    if (member.tenant === ZeroHash) {
      // Not a member yet: only accepting a pending invitation, paid by the inviting tenant.
      const inviting = await reads.invitingTenant(from, request.to, request.data);
      if (inviting === undefined) throw refuse.notMember(from);
      member = { tenant: inviting, status: await reads.tenantStatus(inviting) };
    }
    if (member.status !== "Active") throw refuse.tenantNotActive(member.tenant, member.status);
    const wait = this.limiter.take(from);
    if (wait > 0) throw refuse.memberRateLimited(wait);

    const targetRevert = await reads.simulateTarget(request);
    if (targetRevert !== undefined) throw refuse.wouldRevert(targetRevert.reason, targetRevert.data);
    const calldata = reads.executeCalldata(request);
    const estimate = await reads.estimateExecute(this.o.relayer, calldata);
    if (typeof estimate !== "bigint") throw refuse.wouldRevert(estimate.reason, estimate.data);
    // EIP-150: a CALL passes at most 63/64 of what is left, and the forwarder's _checkForwardedGas only
    // catches a short inner call after the fact. Giving the outer transaction the estimate plus
    // gas × 64/63 means the inner call can always have the full `gas` the member signed for, so no
    // limit we choose can make the target run out of gas where the member's simulation did not.
    const gasLimit = estimate + (request.gas * 64n) / 63n + GAS_HEADROOM;
    const outer = await reads.simulateExecute(this.o.relayer, calldata, gasLimit);
    if (outer !== undefined) throw refuse.wouldRevert(outer.reason, outer.data);

    const reservedAmount = gasLimit * this.price;
    const row: ForwardRow = {
      id,
      tenant: member.tenant,
      signer: from,
      target: getAddress(request.to),
      selector,
      request_json: JSON.stringify(forwardRequestToJson(request)),
      calldata,
      gas_limit: gasLimit.toString(),
      reserved: reservedAmount.toString(),
      status: "pending",
      tx_id: null,
      charged: null,
      gas_used: null,
      tx_hash: null,
      block_number: null,
      error_json: null,
      created_at: Date.now(),
      updated_at: Date.now(),
    };
    // Intent and reservation in one transaction, re-checking what a concurrent request could change.
    await store.tx(async (q) => {
      // The member's lock row first: two instances accepting for one member at once are serialized here,
      // so the in-flight count (which fixed the forwarder nonce the signature was checked against) holds.
      await q.run(
        `INSERT INTO metatx_member_locks (signer, touched_at) VALUES (?, ?)
         ON CONFLICT (signer) DO UPDATE SET touched_at = excluded.touched_at`,
        [from, Date.now()],
      );
      const raced = await getRow(q, id);
      if (raced !== undefined) throw refuse.replayed(id, raced.status);
      if ((await inFlightOf(q, from)) !== inFlight) throw refuse.inFlight(config.limits.inFlightPerMember);
      await reserve(q, member.tenant, reservedAmount, id);
      // Leased to this instance while it submits, so another one's settlement pass does not resume it.
      await insertRow(q, row, this.leases.owner, Date.now() + this.leaseMs);
    });
    this.o.logger.info({ forward: id, tenant: member.tenant, signer: from, gasLimit: row.gas_limit }, "accepted");
    const submitted = await this.submit(row, request);
    if (submitted.status === "failed") {
      const error = JSON.parse(submitted.error_json!) as ForwardError;
      throw refuse.wouldRevert(error.revert, error.revert?.data ?? "0x");
    }
    return forwardJson(submitted);
  }

  /**
   * Hands a persisted request to the transaction manager (idempotent on the request id, so a resume after
   * a crash never submits twice). A rejection there (state changed since our simulation) releases the
   * reservation and fails the request.
   */
  private async submit(row: ForwardRow, request: ForwardRequestData): Promise<ForwardRow> {
    const now = await this.o.reads.chainTime();
    const secondsLeft = request.deadline > now ? Number(request.deadline - now) : 0;
    try {
      const { record } = await this.o.txManager.submit({
        tenant: row.tenant,
        idempotencyKey: row.id,
        to: this.o.reads.forwarder,
        data: row.calldata,
        gasLimit: BigInt(row.gas_limit),
        // Still queued past the member's deadline: expire without a nonce rather than revert on chain.
        expiresAt: Date.now() + secondsLeft * 1000,
      });
      return await this.o.store.tx(async (q) => {
        await q.run("UPDATE metatx_forwards SET tx_id = ?, updated_at = ? WHERE id = ?", [
          record.id,
          Date.now(),
          row.id,
        ]);
        return (await getRow(q, row.id))!;
      });
    } catch (error) {
      if (!(error instanceof TxRejectedError)) throw error;
      const target = await this.o.reads.simulateTarget(request);
      const revert = target?.reason ?? reasonFromRecord(error.record.error?.revert);
      return this.finish(row.id, "failed", 0n, {
        error: { code: "would_revert", message: revert?.text ?? error.message, ...(revert ? { revert } : {}) },
        txId: error.record.id,
      });
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.leases.start((error) => this.o.logger.warn({ err: error }, "lease heartbeat failed; retried"));
    const tick = () => {
      if (this.stopped) return;
      this.running = this.settleOnce()
        .catch((error: unknown) => this.o.logger.warn({ err: error }, "settlement pass failed; retrying"))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.config.settlePollMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.leases.stop();
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    await this.leases.release().catch(() => undefined);
  }

  /** One pass: submits what a crash left unsubmitted, settles what reached a final status. */
  async settleOnce(): Promise<void> {
    // Claimed, not just read: with several instances each pending request is followed by its lease holder.
    const rows = await this.leases.claim<ForwardRow>("status = 'pending'", [], "created_at, id", 100);
    for (const row of rows) {
      if (row.tx_id === null) {
        await this.submit(row, forwardRequestFromJson(JSON.parse(row.request_json) as ForwardRequestJson));
        continue;
      }
      const record = await this.o.txManager.get(row.tx_id);
      if (!isFinal(record.status)) continue;
      if (record.status === TxStatus.Confirmed || record.status === TxStatus.Reverted) {
        const receipt = await this.o.chain.getTransactionReceipt(record.minedHash!);
        // The manager says final; a node that lost the receipt (failover to a lagging one) is asked again.
        if (receipt === null) continue;
        const charged = receipt.gasUsed * receipt.effectiveGasPrice;
        let error: ForwardError | undefined;
        if (record.status === TxStatus.Reverted) {
          const request = forwardRequestFromJson(JSON.parse(row.request_json) as ForwardRequestJson);
          // The receipt carries no reason and the forwarder's is FailedCall: replay the target's own call.
          const target = await this.o.reads.simulateTarget(request, Math.max(0, receipt.blockNumber - 1));
          const revert = target?.reason ?? reasonFromRecord(record.error?.revert);
          error = {
            code: "reverted",
            message: revert?.text ?? record.error?.message ?? "reverted",
            ...(revert ? { revert } : {}),
          };
        }
        await this.finish(row.id, record.status === TxStatus.Confirmed ? "confirmed" : "reverted", charged, {
          gasUsed: receipt.gasUsed,
          txHash: receipt.transactionHash,
          blockNumber: receipt.blockNumber,
          ...(error ? { error } : {}),
        });
      } else {
        await this.finish(row.id, "failed", 0n, {
          error: { code: record.status, message: record.error?.message ?? `the transaction was ${record.status}` },
        });
      }
    }
  }

  /** Final status and budget settlement in one transaction; a row already final is left as it is. */
  private finish(
    id: string,
    status: Exclude<ForwardStatusName, "pending">,
    charged: bigint,
    extra: { error?: ForwardError; gasUsed?: bigint; txHash?: string; blockNumber?: number; txId?: string },
  ): Promise<ForwardRow> {
    return this.o.store.tx(async (q) => {
      // The status moves first, conditionally: of two instances finishing the same request, only the one
      // whose UPDATE changed the row settles the budget, whatever the store's isolation.
      const { changes } = await q.run(
        `UPDATE metatx_forwards SET status = ?, charged = ?, gas_used = ?, tx_hash = ?, block_number = ?,
           error_json = ?, tx_id = COALESCE(tx_id, ?), updated_at = ? WHERE id = ? AND status = 'pending'`,
        [
          status,
          charged.toString(),
          extra.gasUsed?.toString() ?? null,
          extra.txHash ?? null,
          extra.blockNumber ?? null,
          extra.error === undefined ? null : JSON.stringify(extra.error),
          extra.txId ?? null,
          Date.now(),
          id,
        ],
      );
      const row = (await getRow(q, id))!;
      if (changes === 0) return row;
      await settle(q, row.tenant, BigInt(row.reserved), charged, id);
      this.o.logger.info({ forward: id, status, charged: charged.toString() }, "settled");
      return row;
    });
  }
}

function reasonFromRecord(
  revert: { name: string; args: string[]; data: string } | undefined,
): RevertReason | undefined {
  return revert === undefined
    ? undefined
    : { name: revert.name, text: `${revert.name}(${revert.args.join(", ")})`, data: revert.data };
}

export function getRow(q: Sql, id: string): Promise<ForwardRow | undefined> {
  return q.get<ForwardRow>("SELECT * FROM metatx_forwards WHERE id = ?", [id]);
}

export async function inFlightOf(q: Sql, signer: string): Promise<number> {
  const row = await q.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM metatx_forwards WHERE status = 'pending' AND signer = ?",
    [signer],
  );
  return Number(row?.n ?? 0);
}

export async function insertRow(
  q: Sql,
  r: ForwardRow,
  leaseOwner: string | null = null,
  leaseUntil = 0,
): Promise<void> {
  await q.run(
    `INSERT INTO metatx_forwards (id, tenant, signer, target, selector, request_json, calldata, gas_limit, reserved,
       status, tx_id, charged, gas_used, tx_hash, block_number, error_json, created_at, updated_at, lease_owner,
       lease_until)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.id,
      r.tenant,
      r.signer,
      r.target,
      r.selector,
      r.request_json,
      r.calldata,
      r.gas_limit,
      r.reserved,
      r.status,
      r.tx_id,
      r.charged,
      r.gas_used,
      r.tx_hash,
      r.block_number,
      r.error_json,
      r.created_at,
      r.updated_at,
      leaseOwner,
      leaseUntil,
    ],
  );
}
