/**
 * Throughput: how many remittances the relayers complete per second when the chain is loaded to its block
 * gas limit, next to plain ERC-20 transfers offered the same way.
 *
 * The HK relayer is offered, every block, as many customers' payments as a block holds (by the gas limits
 * of their transactions, measured in a calibration round): it sends them as `initiateBatch`es of up to 100,
 * quoting, encoding, simulating and signing the next block's batches while the current block is being mined. The PH relayer's
 * listener confirms what each block initiated with `confirmPayoutBatch`es, at a higher tip than new
 * initiations, so settling in-flight remittances goes first. Steady state: every block carries the
 * confirmations of the previous block's remittances and the initiations of the next ones.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

import type { Log, TransactionReceipt } from "ethers";
import { keccak256, toUtf8Bytes } from "ethers";

import { parseInitiated, type InitiateParams, type RemittanceRecord } from "../../client/remittance.js";
import { QUOTE_VALIDITY } from "../../fixtures/corridor.js";
import {
  BlockWatcher,
  LogListener,
  MAX_FEE_PER_GAS,
  pollReceipt,
  sleep,
  TIP,
  type PreparedTx,
  type SeenBlock,
} from "./measuring-chain.js";
import type { BenchConfig } from "./config.js";
import { initiateParams, payoutRef } from "./operators.js";
import type { BenchWorld } from "./setup.js";
import { batchSizes, gasPerItem, operationsPerBlock, ratePerSecond } from "../lib/stats.js";

/** `RemittanceSettlement.MAX_BATCH_SIZE`. */
const MAX_BATCH = 100;
/** Blocks the relayers get to settle what is still in flight once the offer stops. */
const DRAIN_BLOCKS = 10;
/** Items quoted and built between two yields to the event loop, so the pollers keep their pace. */
const YIELD_EVERY = 20;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The steady-state window: blocks `first..last`, timed from when `start` (= first - 1) was seen. */
export interface Window {
  start: SeenBlock;
  blocks: SeenBlock[];
  elapsedMs: number;
  /** Gas used over gas limit across the window's blocks. */
  fill: number;
}

/** Where the client side's time went under load. */
export interface ClientTime {
  /** Work on the main thread (synchronous JavaScript), ms per block: mean and most over the run. */
  steps: Array<{ name: string; meanMs: number; maxMs: number }>;
  /** Wall-clock ms from starting a block's batches to having them signed (HK), and handling a block's logs (PH). */
  hkPrepare: { meanMs: number; maxMs: number };
  phHandle: { meanMs: number; maxMs: number };
  /** Ms a block waiting for the node to take the signed transactions (eth_sendRawTransaction). */
  hkSubmit: { meanMs: number; maxMs: number };
  phSubmit: { meanMs: number; maxMs: number };
  /** Window blocks whose batches were not ready when the block before them was seen (they missed it). */
  lateBlocks: number;
  blocks: number;
  /** The same before the window (warm-up: the first batches are prepared while calibration ends). */
  lateWarmup: number;
  /** Share of the run the main thread was busy (event-loop utilization), and the quote signing threads. */
  mainThreadBusy: number;
  quoteThreadsBusy: number;
  quoteThreads: number;
  /** How late timers fired on the main thread: it was busy that long at a stretch. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

export interface RemittanceThroughput {
  offeredPerBlock: number;
  initiateGasPerItem: number;
  confirmGasPerItem: number;
  gasPerRemittance: number;
  window: Window;
  /** PaidOut in the window, and per second. */
  paidOut: number;
  rate: number;
  batches: { initiate: number; confirm: number };
  /** Of the window's payouts: how many blocks after its initiation each was paid out (blocks -> count). */
  settlementLag: Map<number, number>;
  client: ClientTime;
  /** Over the whole phase, after draining: every initiated remittance paid out exactly once. */
  initiatedTotal: number;
  paidOutTotal: number;
}

export interface TransferThroughput {
  offeredPerBlock: number;
  gasPerTransfer: number;
  window: Window;
  transfers: number;
  rate: number;
  /** Mean and most ms spent handing one block's transfers to the node. */
  submitMeanMs: number;
  submitMaxMs: number;
  senders: number;
}

/** Ms per named step, per block. */
class StepClock {
  readonly perBlock: Array<Map<string, number>> = [];

  block(): Map<string, number> {
    const steps = new Map<string, number>();
    this.perBlock.push(steps);
    return steps;
  }

  static add(steps: Map<string, number>, name: string, ms: number): void {
    steps.set(name, (steps.get(name) ?? 0) + ms);
  }

  /** Runs `work`, adding its duration to `name` in `steps`. */
  static time<T>(steps: Map<string, number>, name: string, work: () => T): T {
    const t = performance.now();
    const result = work();
    steps.set(name, (steps.get(name) ?? 0) + performance.now() - t);
    return result;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const spread = (xs: number[]) => ({ meanMs: mean(xs), maxMs: xs.length === 0 ? 0 : Math.max(...xs) });

function windowOf(watcher: BlockWatcher, start: number, blocks: number): Window {
  const startBlock = watcher.blocks.get(start);
  const inWindow: SeenBlock[] = [];
  for (let n = start + 1; n <= start + blocks; n++) {
    const block = watcher.blocks.get(n);
    if (block === undefined) throw new Error(`block ${n} of the window was not seen`);
    inWindow.push(block);
  }
  if (startBlock === undefined) throw new Error(`block ${start} was not seen`);
  const used = inWindow.reduce((sum, b) => sum + b.gasUsed, 0n);
  const limit = inWindow.reduce((sum, b) => sum + b.gasLimit, 0n);
  return {
    start: startBlock,
    blocks: inWindow,
    elapsedMs: inWindow.at(-1)!.seenAt - startBlock.seenAt,
    fill: Number(used) / Number(limit),
  };
}

export async function measureRemittanceThroughput(
  bench: BenchWorld,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<RemittanceThroughput> {
  const { chain, corridor, world, hkRelayer, phRelayer, quotes } = bench;
  const { remittance } = corridor;
  const settlement = corridor.domain.verifyingContract;
  const { tenants } = world;
  const watcher = new BlockWatcher(chain);
  await watcher.start();
  const fromBlock = watcher.head!.number + 1;

  const hkClock = new StepClock();
  const phClock = new StepClock();
  const hkSent: PreparedTx[] = [];
  const phSent: PreparedTx[] = [];
  const hkPrepareMs: number[] = [];
  const hkSubmitMs: number[] = [];
  const phHandleMs: number[] = [];
  const phSubmitMs: number[] = [];

  // ------------------------------------------------------------ the PH relayer
  // Each block's records: encoded and simulated batch by batch concurrently, signed in nonce order, sent.
  const initiatedTopic = remittance.interface.getEvent("RemittanceInitiated").topicHash;
  const paidOutTopic = remittance.interface.getEvent("RemittancePaidOut").topicHash;
  const listener = new LogListener(
    chain,
    { address: settlement, topics: [initiatedTopic, null, null, tenants.phWallet] },
    async (logs: Log[]) => {
      const started = performance.now();
      const steps = phClock.block();
      const records: RemittanceRecord[] = [];
      for (let from = 0; from < logs.length; from += MAX_BATCH) {
        if (from > 0) await yieldToLoop();
        StepClock.time(steps, "PH parse logs", () => {
          for (const l of logs.slice(from, from + MAX_BATCH)) {
            const parsed = parseInitiated(remittance, l);
            if (parsed !== undefined) records.push(parsed.record);
          }
        });
      }
      let offset = 0;
      const batches: string[] = [];
      for (const size of batchSizes(records.length, MAX_BATCH)) {
        await yieldToLoop();
        const slice = records.slice(offset, (offset += size));
        batches.push(
          StepClock.time(steps, "PH encode", () =>
            remittance.interface.encodeFunctionData("confirmPayoutBatch", [
              slice.map((r) => ({ remittance: r, payoutRef: payoutRef(r.id) })),
            ]),
          ),
        );
      }
      const gas = await Promise.all(batches.map((data) => phRelayer.simulate(settlement, data)));
      const signed: PreparedTx[] = [];
      for (const [i, data] of batches.entries()) {
        await yieldToLoop();
        const t = performance.now();
        signed.push(await phRelayer.sign(settlement, data, phRelayer.limit(gas[i]!), TIP.settlement));
        StepClock.add(steps, "PH sign", performance.now() - t);
      }
      const t = performance.now();
      for (const tx of signed) {
        await phRelayer.send(tx);
        phSent.push(tx);
      }
      phSubmitMs.push(performance.now() - t);
      phHandleMs.push(performance.now() - started);
    },
    fromBlock,
  );

  // ------------------------------------------------------------ the HK relayer
  // A block's batches: quotes priced here and signed in the quote service's threads, all batches at once;
  // each batch built, encoded and simulated as its quotes arrive; all signed in nonce order at the end.
  let sequence = 0;
  const prepareBlock = async (count: number): Promise<PreparedTx[]> => {
    const started = performance.now();
    const steps = hkClock.block();
    const now = BigInt(watcher.head!.timestamp);
    const batches = batchSizes(count, MAX_BATCH).map((size) =>
      Array.from({ length: size }, () => {
        const n = ++sequence;
        return {
          n,
          sendingTenant: tenants.hkWallet,
          clientRef: keccak256(toUtf8Bytes(`harbour-pay/bench-load/${n}`)),
          sourceAmount: bench.amounts[n % bench.amounts.length]!,
          expiry: now + QUOTE_VALIDITY,
        };
      }),
    );
    const priced = StepClock.time(steps, "bank quotes: price + hash", () =>
      batches.map((requests) => quotes.price(requests)),
    );
    const simulated = await Promise.all(
      priced.map(async (quotesOfBatch, k) => {
        const signedQuotes = await quotes.sign(quotesOfBatch);
        const requests = batches[k]!;
        const items: InitiateParams[] = [];
        for (let i = 0; i < requests.length; i++) {
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
          StepClock.time(steps, "HK build items", () =>
            items.push(initiateParams(signedQuotes[i]!, now, `load-${requests[i]!.n}`)),
          );
        }
        const data = StepClock.time(steps, "HK encode", () =>
          remittance.interface.encodeFunctionData("initiateBatch", [items]),
        );
        return { data, gas: await hkRelayer.simulate(settlement, data) };
      }),
    );
    const prepared: PreparedTx[] = [];
    for (const { data, gas } of simulated) {
      await yieldToLoop();
      const t = performance.now();
      prepared.push(await hkRelayer.sign(settlement, data, hkRelayer.limit(gas), TIP.normal));
      StepClock.add(steps, "HK sign", performance.now() - t);
    }
    hkPrepareMs.push(performance.now() - started);
    return prepared;
  };
  const sendBlock = async (txs: PreparedTx[]) => {
    const t = performance.now();
    for (const tx of txs) {
      await hkRelayer.send(tx);
      hkSent.push(tx);
    }
    hkSubmitMs.push(performance.now() - t);
  };

  listener.start();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  try {
    // Calibration: one full batch each way gives the gas per item, hence what a block holds.
    log(`  calibrating: one initiateBatch of ${MAX_BATCH} and its confirmPayoutBatch...`);
    await sendBlock(await prepareBlock(MAX_BATCH));
    const calibration = await pollReceipt(chain, hkSent[0]!.hash);
    while (phSent.length === 0) {
      if (listener.failure !== undefined) throw listener.failure;
      await sleep(chain.pollMs);
    }
    const confirmation = await pollReceipt(chain, phSent[0]!.hash);
    const perRemittance =
      gasPerItem([{ gasUsed: calibration.receipt.gasUsed, items: MAX_BATCH }]) +
      gasPerItem([{ gasUsed: confirmation.receipt.gasUsed, items: MAX_BATCH }]);
    // A block takes transactions while their gas limits fit: that, not the gas they use, says how many fit.
    const perRemittanceLimit =
      gasPerItem([{ gasUsed: hkSent[0]!.gasLimit, items: MAX_BATCH }]) +
      gasPerItem([{ gasUsed: phSent[0]!.gasLimit, items: MAX_BATCH }]);
    const offered = operationsPerBlock(config.blockGasLimit, perRemittanceLimit, config.load);
    log(
      `  ${Math.round(perRemittance)} gas per remittance in batches (gas limits ${Math.round(perRemittanceLimit)}): ` +
        `offering ${offered} remittances a block`,
    );

    // The run: offer `offered` a block until the window's last block is mined.
    // `ready` tells whether the next block's batches were done when the block came.
    let ready = false;
    const prepare = () => {
      ready = false;
      const prepared = prepareBlock(offered);
      prepared.then(
        () => (ready = true),
        () => undefined, // awaited below, where the failure surfaces
      );
      return prepared;
    };
    let next = prepare();
    // Blocks seen while the batches meant for the next one were still being prepared.
    const lateAt: number[] = [];
    let loadStart = -1;
    let lastOffer = Number.POSITIVE_INFINITY;
    delay.enable();
    const mainBefore = performance.eventLoopUtilization();
    const quoteBefore = quotes.utilization();
    for (;;) {
      const block = await watcher.next();
      if (listener.failure !== undefined) throw listener.failure;
      if (block.number >= lastOffer) break;
      if (!ready) lateAt.push(block.number);
      await sendBlock(await next);
      if (loadStart < 0) {
        loadStart = block.number;
        lastOffer = loadStart + 1 + config.warmupBlocks + config.measureBlocks;
      }
      next = prepare();
    }
    delay.disable();
    const mainBusy = performance.eventLoopUtilization(mainBefore).utilization;
    const quoteBusy = mean(
      quotes.utilization().map((now, i) => performance.eventLoopUtilization(now, quoteBefore[i]!).utilization),
    );
    // The batches prepared for the block after the window are never sent; their nonces are given back.
    await next;
    await hkRelayer.sync();

    // Drain: the PH relayer settles what is still in flight.
    const target = hkSent.length;
    let receipts: TransactionReceipt[] = [];
    const drainUntil = watcher.head!.number + DRAIN_BLOCKS;
    const counts = () => {
      let initiated = 0;
      let paid = 0;
      for (const r of receipts) {
        for (const l of r.logs) {
          if (l.topics[0] === initiatedTopic) initiated++;
          else if (l.topics[0] === paidOutTopic) paid++;
        }
      }
      return { initiated, paid };
    };
    for (;;) {
      const block = await watcher.next();
      receipts = await Promise.all(
        [...hkSent.slice(0, target), ...phSent].map(async (tx) => (await pollReceipt(chain, tx.hash)).receipt),
      );
      const { initiated, paid } = counts();
      if (initiated === paid) break;
      if (block.number >= drainUntil) {
        throw new Error(`${initiated - paid} remittances still unconfirmed ${DRAIN_BLOCKS} blocks after the load`);
      }
    }

    const windowStart = loadStart + 1 + config.warmupBlocks;
    const window = windowOf(watcher, windowStart, config.measureBlocks);
    const inWindow = (r: TransactionReceipt) =>
      r.blockNumber > windowStart && r.blockNumber <= windowStart + config.measureBlocks;
    const itemsOf = (r: TransactionReceipt, topic: string) => r.logs.filter((l) => l.topics[0] === topic).length;
    const hkSet = new Set(hkSent.map((tx) => tx.hash));
    const initiates = receipts.filter((r) => hkSet.has(r.hash) && inWindow(r));
    const confirms = receipts.filter((r) => !hkSet.has(r.hash) && inWindow(r));
    const initiateGasPerItem = gasPerItem(
      initiates.map((r) => ({ gasUsed: r.gasUsed, items: itemsOf(r, initiatedTopic) })),
    );
    const confirmGasPerItem = gasPerItem(
      confirms.map((r) => ({ gasUsed: r.gasUsed, items: itemsOf(r, paidOutTopic) })),
    );
    const paidOut = confirms.reduce((sum, r) => sum + itemsOf(r, paidOutTopic), 0);
    // Both events index the remittance id first.
    const initiatedIn = new Map<string, number>();
    for (const r of receipts.filter((r) => hkSet.has(r.hash))) {
      for (const l of r.logs) if (l.topics[0] === initiatedTopic) initiatedIn.set(l.topics[1]!, r.blockNumber);
    }
    const settlementLag = new Map<number, number>();
    for (const r of confirms) {
      for (const l of r.logs) {
        if (l.topics[0] !== paidOutTopic) continue;
        const lag = r.blockNumber - initiatedIn.get(l.topics[1]!)!;
        settlementLag.set(lag, (settlementLag.get(lag) ?? 0) + 1);
      }
    }
    const { initiated, paid } = counts();

    // The first entry of each record is the calibration round.
    const steps = new Map<string, number[]>();
    for (const clock of [hkClock, phClock]) {
      for (const block of clock.perBlock.slice(1)) {
        for (const [name, ms] of block) steps.set(name, [...(steps.get(name) ?? []), ms]);
      }
    }
    return {
      offeredPerBlock: offered,
      initiateGasPerItem,
      confirmGasPerItem,
      gasPerRemittance: initiateGasPerItem + confirmGasPerItem,
      window,
      paidOut,
      rate: ratePerSecond(paidOut, window.elapsedMs),
      batches: { initiate: initiates.length, confirm: confirms.length },
      settlementLag,
      client: {
        steps: [...steps].map(([name, ms]) => ({ name, ...spread(ms) })),
        hkPrepare: spread(hkPrepareMs.slice(1)),
        phHandle: spread(phHandleMs.slice(1)),
        hkSubmit: spread(hkSubmitMs.slice(1)),
        phSubmit: spread(phSubmitMs.slice(1)),
        lateBlocks: lateAt.filter((n) => n >= windowStart).length,
        blocks: config.measureBlocks,
        lateWarmup: lateAt.filter((n) => n < windowStart).length,
        mainThreadBusy: mainBusy,
        quoteThreadsBusy: quoteBusy,
        quoteThreads: quotes.threads,
        eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
        eventLoopDelayMaxMs: delay.max / 1e6,
      },
      initiatedTotal: initiated,
      paidOutTotal: paid,
    };
  } finally {
    delay.disable();
    await watcher.stop();
    await listener.stop();
  }
}

export async function measureTransferThroughput(
  bench: BenchWorld,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<TransferThroughput> {
  const { chain, world, loadSenders } = bench;
  const token = bench.corridor.HKD.address;
  const senders = loadSenders.map((s) => s.address);
  const data = senders.map((_, i) =>
    world.hkd.interface.encodeFunctionData("transfer", [senders[(i + 1) % senders.length]!, 1n]),
  );
  const simulated = await chain.provider.estimateGas({
    from: senders[0],
    to: token,
    data: data[0],
    blockTag: "latest",
  });
  const gasLimit = simulated + (simulated * BigInt(config.gasMarginBps)) / 10_000n;
  const offered = operationsPerBlock(config.blockGasLimit, Number(gasLimit), config.load);
  log(
    `  ${simulated} gas per transfer (gas limit ${gasLimit}): offering ${offered} transfers a block ` +
      `from ${senders.length} senders`,
  );

  const send = (i: number) =>
    chain.rpc.request({
      method: "eth_sendTransaction",
      params: [
        {
          from: senders[i % senders.length],
          to: token,
          data: data[i % senders.length],
          gas: "0x" + gasLimit.toString(16),
          maxFeePerGas: "0x" + MAX_FEE_PER_GAS.toString(16),
          maxPriorityFeePerGas: "0x" + TIP.normal.toString(16),
        },
      ],
    });

  const watcher = new BlockWatcher(chain);
  await watcher.start();
  const submitMs: number[] = [];
  try {
    let loadStart = -1;
    let lastOffer = Number.POSITIVE_INFINITY;
    for (;;) {
      const block = await watcher.next();
      if (block.number >= lastOffer) break;
      const t = performance.now();
      await Promise.all(Array.from({ length: offered }, (_, i) => send(i)));
      submitMs.push(performance.now() - t);
      if (loadStart < 0) {
        loadStart = block.number;
        lastOffer = loadStart + 1 + config.warmupBlocks + config.measureBlocks;
      }
    }
    const windowStart = loadStart + 1 + config.warmupBlocks;
    const window = windowOf(watcher, windowStart, config.measureBlocks);
    const transfers = window.blocks.reduce((sum, b) => sum + b.transactions, 0);
    // Every transaction of these blocks is one of ours; each that succeeded logged one Transfer.
    const logs = await chain.provider.getLogs({
      address: token,
      topics: [world.hkd.interface.getEvent("Transfer").topicHash],
      fromBlock: windowStart + 1,
      toBlock: windowStart + config.measureBlocks,
    });
    if (logs.length !== transfers) throw new Error(`${transfers - logs.length} transfers of the window failed`);
    const used = window.blocks.reduce((sum, b) => sum + b.gasUsed, 0n);
    return {
      offeredPerBlock: offered,
      gasPerTransfer: Number(used) / transfers,
      window,
      transfers,
      rate: ratePerSecond(transfers, window.elapsedMs),
      submitMeanMs: submitMs.reduce((a, b) => a + b, 0) / submitMs.length,
      submitMaxMs: Math.max(...submitMs),
      senders: senders.length,
    };
  } finally {
    await watcher.stop();
  }
}
