/**
 * Latency through the services: remittances sent as the HK wallet's app sends them (`POST /transfers`), from
 * that request to the HK wallet applying `paid_out` (the recipient credited in the PH wallet, both legs
 * settled on chain), next to the baseline on the same 1 s blocks: two dependent plain ERC-20 transfers, the
 * second sent once the first's receipt is seen, by a second party.
 *
 * Each sample starts at a random moment of the block interval (seeded), as customers' payments arrive. The
 * end of a remittance is read from the HK wallet's own store (when it applied the webhook), not from the
 * bench's polling; the baseline's end is when its 10 ms receipt poll saw the second receipt.
 */
import { Interface, keccak256, type Wallet } from "ethers";

import type { ChainClient } from "../../relayer/core/chain/chain-client.js";
import { seededRandom, summarize, type Summary } from "../lib/stats.js";
import { readMilestones, segmentDurations, type Milestones } from "./latency-breakdown.js";
import { callService, RECIPIENTS, SERVICE_AMOUNTS, type ServiceWorld } from "./service-world.js";

const ERC20 = new Interface(["function transfer(address to, uint256 amount) returns (bool)"]);
const RECEIPT_POLL_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServiceLatency {
  /** HK wallet request -> HK wallet paid_out, ms. */
  remittances: Summary;
  /** Two dependent transfers, first sent -> second's receipt seen, ms. */
  pairs: Summary;
  /** Where the remittances' time went: each segment's p50 and p99 (ms). */
  segments: Array<{ name: string; p50: number; p99: number; mean: number }>;
  samples: { remittances: number[]; pairs: number[] };
}

/** A key sending raw signed transfers with its own nonce count (it is the only sender on its account). */
class TransferKey {
  #nonce = -1;
  constructor(
    readonly wallet: Wallet,
    private readonly chain: ChainClient,
    private readonly chainId: bigint,
  ) {}

  async sync(): Promise<void> {
    this.#nonce = await this.chain.getTransactionCount(this.wallet.address, "pending");
  }

  async send(token: string, to: string, amount: bigint): Promise<string> {
    const raw = await this.wallet.signTransaction({
      type: 2,
      chainId: this.chainId,
      nonce: this.#nonce++,
      to: token,
      data: ERC20.encodeFunctionData("transfer", [to, amount]),
      gasLimit: 80_000n,
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    await this.chain.sendRawTransaction(raw);
    return keccak256(raw);
  }
}

async function receiptSeen(chain: ChainClient, hash: string): Promise<number> {
  const until = Date.now() + 60_000;
  for (;;) {
    const receipt = await chain.getTransactionReceipt(hash);
    if (receipt !== null) {
      if (receipt.status !== 1) throw new Error(`baseline transfer ${hash} reverted`);
      return Date.now();
    }
    if (Date.now() > until) throw new Error(`baseline transfer ${hash} not mined in 60 s`);
    await sleep(RECEIPT_POLL_MS);
  }
}

export async function measureServiceLatency(
  w: ServiceWorld,
  options: { samples: number; streams: number; seed: number; blockTimeMs: number; warmup: number },
): Promise<ServiceLatency> {
  const { urls, keys } = w.stack;
  let sequence = 0;
  const started = new Map<string, number>();
  const seenDone = new Map<string, number>();

  const oneRemittance = async (label: string): Promise<void> => {
    const n = sequence++;
    const t0 = Date.now();
    const answer = await callService(
      `${urls.hkWallet}/transfers`,
      "POST",
      keys.hkApp,
      {
        accountId: w.sender,
        amount: SERVICE_AMOUNTS[n % SERVICE_AMOUNTS.length]!.toString(),
        receivingOperator: "ph-wallet",
        recipientRef: RECIPIENTS[n % RECIPIENTS.length],
        compliance: { sender: "Bench Sender" },
      },
      { "idempotency-key": `bench-latency-${label}-${n}` },
    );
    const id = String(answer.id);
    const until = Date.now() + 60_000;
    for (;;) {
      const t = await callService(`${urls.hkWallet}/transfers/${id}`, "GET", keys.hkApp);
      if (t.state === "paid_out") break;
      if (t.state === "refunded") throw new Error(`remittance ${id} was refunded: ${String(t.refundReason)}`);
      if (Date.now() > until) throw new Error(`remittance ${id} not paid out in 60 s (state ${String(t.state)})`);
      await sleep(50);
    }
    if (label !== "warmup") {
      started.set(id, t0);
      seenDone.set(id, Date.now());
    }
  };

  // Warm-up: the first requests through each process compile its code paths; not measured.
  for (let i = 0; i < options.warmup; i++) await oneRemittance("warmup");

  const pairKeys = w.transferKeys.map((k) => new TransferKey(k.connect(null), w.chain, w.chainId));
  for (const k of pairKeys) await k.sync();
  const pairs: number[] = [];
  let remittancesDone = false;
  const pairStream = async (stream: number) => {
    const random = seededRandom(options.seed * 7 + 100 + stream);
    const [a, b] = [pairKeys[2 * stream]!, pairKeys[2 * stream + 1]!];
    while (!remittancesDone || pairs.length < options.samples) {
      await sleep(random() * options.blockTimeMs);
      const t0 = Date.now();
      await receiptSeen(w.chain, await a.send(w.hkd, b.wallet.address, 1n));
      const end = await receiptSeen(w.chain, await b.send(w.hkd, a.wallet.address, 1n));
      pairs.push(end - t0);
    }
  };
  const remittanceStream = async (stream: number, count: number) => {
    const random = seededRandom(options.seed * 7 + stream);
    for (let i = 0; i < count; i++) {
      await sleep(random() * options.blockTimeMs);
      await oneRemittance(`s${stream}`);
    }
  };
  const perStream = Math.ceil(options.samples / options.streams);
  const pairStreams = Array.from({ length: pairKeys.length / 2 }, (_, s) => pairStream(s));
  const streams = await Promise.allSettled(
    Array.from({ length: options.streams }, (_, s) => remittanceStream(s, perStream)),
  );
  remittancesDone = true;
  const baseline = await Promise.allSettled(pairStreams);
  for (const outcome of [...streams, ...baseline]) if (outcome.status === "rejected") throw outcome.reason;

  const stores = {
    hkWallet: w.stack.services.hkWallet.storePath,
    hkOperator: w.stack.services.hkOperator.storePath,
    phOperator: w.stack.services.phOperator.storePath,
    phWallet: w.stack.services.phWallet.storePath,
  };
  const milestones = readMilestones(stores);
  const measured: Milestones[] = [];
  const totals: number[] = [];
  for (const [id, t0] of started) {
    const m = milestones.get(id);
    // The wallet's own stamp of the webhook; the bench's poll if the store lacks it.
    const end = m?.walletPaidOut ?? seenDone.get(id)!;
    totals.push(end - t0);
    if (m !== undefined) measured.push(m);
  }
  const segments = [...segmentDurations(measured)]
    .filter(([, xs]) => xs.length > 0)
    .map(([name, xs]) => {
      const s = summarize(xs);
      return { name, p50: s.p50, p99: s.p99, mean: s.mean };
    });
  return {
    remittances: summarize(totals),
    pairs: summarize(pairs),
    segments,
    samples: { remittances: totals, pairs },
  };
}
