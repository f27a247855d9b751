import type { Logger } from "pino";

import type { RemittanceSettlement } from "../../typechain-types/index.js";
import type { Worker } from "../core/kit/service.js";
import { RowLeases } from "../core/store/leased-rows.js";
import type { Store } from "../core/store/store.js";
import type { Batcher } from "../core/tx/batcher.js";
import type { TxManager } from "../core/tx/tx-manager.js";
import type { OperatorConfig, OperatorSecrets } from "./config.js";

/** What the operator's sender and receiver both stand on. */
export interface OperatorWorkerDeps {
  config: OperatorConfig;
  secrets: OperatorSecrets;
  store: Store;
  logger: Logger;
  batcher: Batcher;
  manager: TxManager;
  settlement: RemittanceSettlement;
  onChange(): void;
  /** Items were handed to the batcher: pack them now. */
  wakeBatcher?(): void;
  /** A request was handed to the transaction manager: send it now. */
  wakeTx?(): void;
  /** This instance's name as a lease owner, and how long a claimed row stays ours without a heartbeat. */
  owner: string;
  leaseMs: number;
}

/** The work table, its key column, and the condition of a row still being worked on. */
export interface WorkTable {
  table: string;
  key: string;
  active: string;
}

/**
 * The loop the operator's sender and receiver share: passes over the rows this instance has claimed, never
 * two at once; a notify during a pass is followed by another pass at once (its rows may have been read
 * before the news); the poll only starts an idle worker; a pass that moved some row to a step due at once is
 * followed by up to three more in the same wake-up, so a remittance does not wait one poll per step.
 * Rows are leased (`RowLeases`): with several instances on one database each row is worked on by its
 * lease holder only, and a stopped worker releases what it held.
 */
export abstract class LeasedRowWorker implements Worker {
  abstract readonly name: string;
  protected readonly leases: RowLeases;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;

  constructor(
    private readonly loop: OperatorWorkerDeps,
    work: WorkTable,
  ) {
    this.leases = new RowLeases({ store: loop.store, owner: loop.owner, ttlMs: loop.leaseMs, ...work });
  }

  /** One pass over the due rows; true when some row took a step whose next one is due at once. */
  protected abstract pass(): Promise<boolean>;

  start(): void {
    this.timer = setInterval(() => {
      if (this.running === undefined) this.notify();
    }, this.loop.config.worker.pollMs);
    this.leases.start((error) => this.loop.logger.warn({ err: error }, "lease heartbeat failed; retried"));
  }

  notify(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.runOnce()
      .catch((error: unknown) => this.loop.logger.warn({ err: error }, `${this.name} step failed; retried`))
      .finally(() => {
        this.running = undefined;
        if (this.again) this.notify();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.leases.stop();
    await this.running;
    await this.leases.release().catch(() => undefined);
  }

  async runOnce(): Promise<void> {
    for (let pass = 0; pass < 4 && !this.stopped; pass++) {
      if (!(await this.pass())) break;
    }
  }
}
