import type { Logger } from "pino";

import { quoteDigest, type Quote, type QuoteDomain } from "../../client/eip712/quote.js";
import type { Worker } from "../core/kit/service.js";
import { Mutex } from "../core/store/mutex.js";
import type { Sql, Store } from "../core/store/store.js";
import type { ChainView } from "./chain-view.js";
import { ChainUnavailableError, InsufficientLiquidityError } from "./errors.js";
import type { CorridorTerms, FirmTerms, Priced } from "./quote-terms.js";
import type { SignerPool } from "./signer-pool.js";

export type QuoteState = "outstanding" | "used" | "expired";

export interface StoredQuote {
  id: string;
  tenant: string;
  sendingTenant: string;
  receivingTenant: string;
  corridorId: string;
  corridorLabel: string;
  destinationToken: string;
  clientRef: string;
  sourceAmount: bigint;
  destinationAmount: bigint;
  fee: bigint;
  rate: string;
  expiry: number;
  latestDeadline: number;
  signature: string;
  signer: string;
  state: QuoteState;
  createdAt: number;
}

interface Row {
  id: string;
  tenant: string;
  sending_tenant: string;
  receiving_tenant: string;
  corridor_id: string;
  corridor_label: string;
  destination_token: string;
  client_ref: string;
  source_amount: string;
  destination_amount: string;
  fee: string;
  rate: string;
  expiry: number;
  latest_deadline: number;
  signature: string;
  signer: string;
  state: QuoteState;
  created_at: number;
}

const toQuote = (r: Row): StoredQuote => ({
  id: r.id,
  tenant: r.tenant,
  sendingTenant: r.sending_tenant,
  receivingTenant: r.receiving_tenant,
  corridorId: r.corridor_id,
  corridorLabel: r.corridor_label,
  destinationToken: r.destination_token,
  clientRef: r.client_ref,
  sourceAmount: BigInt(r.source_amount),
  destinationAmount: BigInt(r.destination_amount),
  fee: BigInt(r.fee),
  rate: r.rate,
  expiry: r.expiry,
  latestDeadline: r.latest_deadline,
  signature: r.signature,
  signer: r.signer,
  state: r.state,
  createdAt: r.created_at,
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The signed fields of a stored quote, as the contract and the client's EIP-712 table take them. */
export function signedFields(q: StoredQuote): Quote {
  return {
    corridorId: q.corridorId,
    sendingTenant: q.sendingTenant,
    receivingTenant: q.receivingTenant,
    quoteId: q.id,
    sourceAmount: q.sourceAmount,
    destinationAmount: q.destinationAmount,
    fee: q.fee,
    expiry: BigInt(q.expiry),
    latestDeadline: BigInt(q.latestDeadline),
  };
}

/**
 * Issues firm quotes without promising more than the provider holds: under one lock per service, the
 * provider's ledger balance in the destination token (read from the chain) less the destination amounts
 * of outstanding quotes must cover the new one, which is then reserved (stored) before it is signed. A
 * sweeper releases quotes the chain shows used (the balance already dropped by their amount) or expired.
 * Reading the balance after the outstanding sum is taken errs on the safe side: a quote used in between
 * is counted twice, never zero times.
 */
export class QuoteBook implements Worker {
  readonly name = "quote-sweeper";
  private readonly lock = new Mutex();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** The last block whose `RemittanceInitiated` events the sweeper has read (in memory: a restart asks again). */
  private sweptTo: number | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      chain: ChainView;
      signer: SignerPool;
      signerAddress: string;
      providerTenant: string;
      domain: QuoteDomain;
      logger: Logger;
      sweepIntervalMs: number;
      /** Seconds past its expiry a quote still holds liquidity: the chain's clock may lag the service's. */
      expiryMarginSeconds: number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, "quote sweep failed; retried"))
        .finally(() => (this.sweeping = undefined));
    }, this.deps.sweepIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.sweeping;
  }

  /** What the provider may still promise in `token`: its ledger balance less outstanding quotes. */
  async available(token: string): Promise<{ balance: bigint; outstanding: bigint; available: bigint }> {
    const outstanding = await this.deps.store.read((q) => outstandingIn(q, token));
    let balance: bigint;
    try {
      balance = await this.deps.chain.balance(this.deps.providerTenant, token);
    } catch (error) {
      throw new ChainUnavailableError(error);
    }
    return { balance, outstanding, available: balance - outstanding };
  }

  async issue(tenant: string, corridor: CorridorTerms, priced: Priced, terms: FirmTerms): Promise<StoredQuote> {
    const { quote } = terms;
    const row: Row = {
      id: quote.quoteId,
      tenant,
      sending_tenant: quote.sendingTenant,
      receiving_tenant: terms.receivingTenant,
      corridor_id: corridor.id,
      corridor_label: corridor.label,
      destination_token: corridor.destinationToken,
      client_ref: terms.clientRef,
      source_amount: quote.sourceAmount.toString(),
      destination_amount: quote.destinationAmount.toString(),
      fee: quote.fee.toString(),
      rate: priced.rate,
      expiry: Number(quote.expiry),
      latest_deadline: Number(terms.latestDeadline),
      signature: "",
      signer: this.deps.signerAddress,
      state: "outstanding",
      created_at: Date.now(),
    };
    await this.lock.run(async () => {
      const { available } = await this.available(corridor.destinationToken);
      if (available < quote.destinationAmount) {
        throw new InsufficientLiquidityError(available < 0n ? 0n : available, quote.destinationAmount);
      }
      await this.deps.store.tx((q) =>
        q.run(
          `INSERT INTO quotes (${Object.keys(row).join(", ")}) VALUES (${Object.keys(row)
            .map(() => "?")
            .join(", ")})`,
          Object.values(row),
        ),
      );
    });
    // Signed outside the lock so the pool signs several quotes at once; a crash here leaves an unsigned
    // reservation that expires like any other.
    let signature: string;
    try {
      signature = await this.deps.signer.sign(terms.digest);
    } catch (error) {
      await this.deps.store.tx((q) => q.run("DELETE FROM quotes WHERE id = ?", [row.id]));
      throw error;
    }
    // The pool checked that the signature recovers to its key; this checks that the digest it signed is
    // this quote's, computed on the typed-data encoder's own path (a hash, no elliptic-curve work here).
    if (quoteDigest(this.deps.domain, quote) !== terms.digest)
      throw new Error("the quote's digest does not match its terms");
    if (this.deps.signer.address !== this.deps.signerAddress) throw new Error("the signing pool holds a foreign key");
    await this.deps.store.tx((q) => q.run("UPDATE quotes SET signature = ? WHERE id = ?", [signature, row.id]));
    return toQuote({ ...row, signature });
  }

  async get(id: string): Promise<StoredQuote | undefined> {
    const row = await this.deps.store.read((q) => q.get<Row>("SELECT * FROM quotes WHERE id = ?", [id.toLowerCase()]));
    return row === undefined ? undefined : toQuote(row);
  }

  /**
   * Marks outstanding quotes used (the chain has their remittance) or expired; each reading is final.
   * The first sweep asks the chain for each outstanding quote's status; later ones read only the
   * `RemittanceInitiated` events of the blocks since (one log query, however many quotes are out), then
   * ask for the status of quotes about to expire, so one used in a block the events missed is never
   * released as expired. Either way a quote is marked used only once the chain shows its remittance, so
   * the balance read after it already lacks the quote's amount.
   */
  async sweep(): Promise<void> {
    const open = await this.deps.store.read((q) =>
      q.all<{ id: string; expiry: number }>("SELECT id, expiry FROM quotes WHERE state = 'outstanding'"),
    );
    const head = await this.deps.chain.head();
    let used: Set<string> | undefined;
    if (this.sweptTo !== undefined && head >= this.sweptTo) {
      used = new Set(head > this.sweptTo ? await this.deps.chain.initiatedIds(this.sweptTo + 1, head) : []);
    }
    const changes: Array<{ id: string; state: QuoteState }> = [];
    for (const quote of open) {
      const expired = quote.expiry + this.deps.expiryMarginSeconds < nowSeconds();
      // Without the events (first sweep) and before releasing a quote as expired, the status is asked.
      const isUsed =
        used !== undefined && !expired
          ? used.has(quote.id.toLowerCase())
          : (await this.deps.chain.status(quote.id)) !== 0;
      if (isUsed) changes.push({ id: quote.id, state: "used" });
      else if (expired) changes.push({ id: quote.id, state: "expired" });
    }
    if (changes.length > 0) {
      // One commit for the whole sweep.
      await this.deps.store.tx(async (q) => {
        for (const c of changes) {
          await q.run("UPDATE quotes SET state = ? WHERE id = ? AND state = 'outstanding'", [c.state, c.id]);
        }
      });
    }
    this.sweptTo = head;
  }
}

async function outstandingIn(q: Sql, token: string): Promise<bigint> {
  const rows = await q.all<{ destination_amount: string }>(
    "SELECT destination_amount FROM quotes WHERE state = 'outstanding' AND destination_token = ?",
    [token],
  );
  return rows.reduce((sum, r) => sum + BigInt(r.destination_amount), 0n);
}
