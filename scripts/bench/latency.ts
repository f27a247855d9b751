/**
 * Latency: remittances one after another, end to end, next to the two baselines (one transfer; two
 * dependent transfers by two parties), all three series running side by side on the same 1 s blocks.
 *
 * Each sample starts at a random moment of the block interval (seeded), as customers' payments arrive:
 * a sample started right after a block would wait a full interval for inclusion every time.
 */
import type { Log } from "ethers";
import { keccak256, toUtf8Bytes } from "ethers";

import { parseInitiated, recordsFromReceipt } from "../../client/remittance.js";
import { QUOTE_VALIDITY } from "../../fixtures/corridor.js";
import { LogListener, pollReceipt, sleep, type HotKey, type SeenReceipt } from "./measuring-chain.js";
import type { BenchConfig } from "./config.js";
import { initiateParams, payoutRef } from "./operators.js";
import type { BenchWorld } from "./setup.js";
import { seededRandom } from "../lib/stats.js";

/** One remittance, end to end, and the segments of its path (ms, summing to the total). */
export interface RemittanceSample {
  totalMs: number;
  /** t0 -> the bank's quote service signed the quote. */
  quoteMs: number;
  /** Quote signed -> the initiate's block seen (HK builds, simulates, signs and submits; the block is mined). */
  initiateMs: number;
  /** Block seen by anyone -> the PH listener's poll delivered the `RemittanceInitiated` log. */
  detectMs: number;
  /** Log delivered -> the confirm's receipt seen (PH builds, simulates, signs and submits; the block is mined). */
  confirmMs: number;
  initiateGas: bigint;
  confirmGas: bigint;
  /** Of `initiateMs` and `confirmMs`: building, simulating, signing and handing over each transaction. */
  initiateSubmitMs: number;
  confirmSubmitMs: number;
  /** Blocks from the one before t0 to the confirm's. */
  blocks: number;
}

export interface LatencyResult {
  remittances: RemittanceSample[];
  /** (a) one transfer, submit -> receipt seen. */
  transfer: number[];
  /** (b) a transfer, and a second one by the recipient once it sees the first's receipt. */
  dependentPair: number[];
  transferGas: bigint;
}

/** What the PH relayer did with one remittance, and when. */
interface Payout {
  /** When its listener delivered the `RemittanceInitiated` log. */
  seenAt: number;
  /** When the node accepted the confirmation. */
  sentAt: number;
  confirmed: Promise<SeenReceipt>;
}

/** Values put under a key by one side and taken by the other, whichever comes first. */
class Mailbox<T> {
  readonly #values = new Map<string, T>();
  readonly #takers = new Map<string, (value: T) => void>();

  put(key: string, value: T): void {
    const taker = this.#takers.get(key);
    if (taker === undefined) this.#values.set(key, value);
    else taker(value);
  }

  take(key: string): Promise<T> {
    const value = this.#values.get(key);
    if (value !== undefined) return Promise.resolve(value);
    return new Promise((resolve) => this.#takers.set(key, resolve));
  }
}

export async function measureLatency(bench: BenchWorld, config: BenchConfig): Promise<LatencyResult> {
  const { chain, corridor, world, hkRelayer, phRelayer, quotes } = bench;
  const { single, first, second } = bench.transferKeys;
  const { remittance } = corridor;
  const settlement = corridor.domain.verifyingContract;
  const token = corridor.HKD.address;
  const { tenants } = world;

  // The PH wallet's relayer: pays out and confirms every remittance addressed to its tenant as soon as its
  // listener delivers it, one `confirmPayout` each (no batching without load).
  const payouts = new Mailbox<Payout>();
  const listener = new LogListener(
    chain,
    {
      address: settlement,
      topics: [remittance.interface.getEvent("RemittanceInitiated").topicHash, null, null, tenants.phWallet],
    },
    async (logs: Log[], seenAt: number) => {
      for (const log of logs) {
        const parsed = parseInitiated(remittance, log);
        if (parsed === undefined) continue;
        const { record } = parsed;
        const confirm = await phRelayer.prepare(
          settlement,
          remittance.interface.encodeFunctionData("confirmPayout", [record, payoutRef(record.id)]),
        );
        const { sentAt } = await phRelayer.send(confirm);
        const confirmed = pollReceipt(chain, confirm.hash);
        confirmed.catch(() => undefined); // the sample awaits it and surfaces the failure
        payouts.put(record.id, { seenAt, sentAt, confirmed });
      }
    },
    (await chain.provider.getBlockNumber()) + 1,
  );

  let sequence = 0;
  const oneRemittance = async (amount: bigint): Promise<RemittanceSample> => {
    const n = ++sequence;
    const startBlock = await chain.provider.getBlockNumber();
    const t0 = performance.now();
    const clientRef = keccak256(toUtf8Bytes(`harbour-pay/bench-latency/${n}`));
    const head = await chain.provider.getBlock("latest");
    const now = BigInt(head!.timestamp);
    const [signed] = await quotes.quote([
      { sendingTenant: tenants.hkWallet, clientRef, sourceAmount: amount, expiry: now + QUOTE_VALIDITY },
    ]);
    const quoted = performance.now();
    const params = initiateParams(signed!, now, `latency-${n}`);
    const initiate = await hkRelayer.prepare(settlement, remittance.interface.encodeFunctionData("initiate", [params]));
    const { sentAt: initiateSent } = await hkRelayer.send(initiate);
    const id = signed!.quote.quoteId;

    // The HK relayer follows its transaction; the PH relayer acts on its own, from its listener.
    const [initiated, payout] = await Promise.all([
      pollReceipt(chain, initiate.hash),
      Promise.race([payouts.take(id), listener.failed]),
    ]);
    const [record] = recordsFromReceipt(remittance, initiated.receipt);
    if (record?.id !== id) throw new Error(`initiate ${initiate.hash} did not record remittance ${id}`);
    const confirmed = await payout.confirmed;
    const t1 = confirmed.seenAt;
    const blockSeen = Math.min(initiated.seenAt, payout.seenAt);
    return {
      totalMs: t1 - t0,
      quoteMs: quoted - t0,
      initiateMs: blockSeen - quoted,
      detectMs: payout.seenAt - blockSeen,
      confirmMs: t1 - payout.seenAt,
      initiateSubmitMs: initiateSent - quoted,
      confirmSubmitMs: payout.sentAt - payout.seenAt,
      initiateGas: initiated.receipt.gasUsed,
      confirmGas: confirmed.receipt.gasUsed,
      blocks: confirmed.receipt.blockNumber - startBlock,
    };
  };

  const transfer = (from: HotKey, to: HotKey, amount: bigint) =>
    from.prepare(token, world.hkd.interface.encodeFunctionData("transfer", [to.address, amount]));

  let transferGas = 0n;
  const oneTransfer = async (): Promise<number> => {
    const t0 = performance.now();
    const tx = await transfer(single, first, 1n);
    await single.send(tx);
    const { receipt, seenAt } = await pollReceipt(chain, tx.hash);
    transferGas = receipt.gasUsed;
    return seenAt - t0;
  };
  const onePair = async (): Promise<number> => {
    const t0 = performance.now();
    const firstTx = await transfer(first, second, 2n);
    await first.send(firstTx);
    await pollReceipt(chain, firstTx.hash);
    const secondTx = await transfer(second, first, 2n);
    await second.send(secondTx);
    const { seenAt } = await pollReceipt(chain, secondTx.hash);
    return seenAt - t0;
  };

  // Each series waits a random part of a block interval before each sample, from its own seeded stream.
  const series = async <T>(stream: number, sample: (i: number) => Promise<T>): Promise<T[]> => {
    const random = seededRandom(config.seed * 3 + stream);
    const out: T[] = [];
    for (let i = 0; i < config.latencySamples; i++) {
      await sleep(random() * config.blockTimeMs);
      out.push(await sample(i));
    }
    return out;
  };

  listener.start();
  try {
    const [remittances, single, pairs] = await Promise.all([
      series(0, (i) => oneRemittance(bench.amounts[i % bench.amounts.length]!)),
      series(1, () => oneTransfer()),
      series(2, () => onePair()),
    ]);
    return { remittances, transfer: single, dependentPair: pairs, transferGas };
  } finally {
    await listener.stop();
  }
}
