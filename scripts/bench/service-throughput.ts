/**
 * Sustained remittances per second through the services: the HK wallet's app keeps `inFlight` transfers
 * outstanding (a closed loop: a new one as each is paid out on chain), so the stack runs at whatever rate
 * it can sustain, and the run drains quickly whatever that rate is. Paid-out remittances are counted from
 * the chain's `RemittancePaidOut` events per block over a steady window after a warm-up, timed from when
 * the window's first and last blocks were seen. Every service's CPU time is read at the window's ends.
 *
 * The gas of the services' own batches in the window gives the chain's capacity (block gas limit ÷ gas per
 * remittance ÷ block time). After the load, every transfer must be paid out exactly once: the HK wallet's
 * paid-out transfers, and the chain's PaidOut events, both equal the transfers sent.
 */
import { DatabaseSync } from "node:sqlite";

import { RemittanceSettlement__factory } from "../../typechain-types/index.js";
import { capacityPerSecond, ratePerSecond } from "../lib/stats.js";
import { cpuMsPerItem, readAll, type CpuProbe } from "./cpu.js";
import { callService, RECIPIENTS, SERVICE_AMOUNTS, type ServiceWorld } from "./service-world.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iface = RemittanceSettlement__factory.createInterface();
const INITIATED = iface.getEvent("RemittanceInitiated").topicHash;
const PAID_OUT = iface.getEvent("RemittancePaidOut").topicHash;

export interface ServiceThroughput {
  rate: number;
  paidInWindow: number;
  windowMs: number;
  windowBlocks: number;
  gasPerRemittance: number;
  initiateGasPerItem: number;
  confirmGasPerItem: number;
  /** Mean items per batch transaction in the window. */
  itemsPerBatch: { initiate: number; confirm: number };
  blockGasLimit: number;
  capacity: number;
  /** Gas used over gas limit in the window's blocks. */
  fill: number;
  cpu: Array<{ name: string; msPerItem: number; seconds: number }>;
  sent: number;
  paidOutOnChain: number;
  paidOutInWallet: number;
  inFlight: number;
}

interface SeenBlock {
  number: number;
  seenAt: number;
  paid: number;
  gasUsed: number;
  gasLimit: number;
}

export async function measureServiceThroughput(
  w: ServiceWorld,
  options: {
    inFlight: number;
    senders: number;
    warmupBlocks: number;
    measureBlocks: number;
    blockTimeMs: number;
    log(line: string): void;
  },
): Promise<ServiceThroughput> {
  const { urls, keys, services } = w.stack;
  const probes: CpuProbe[] = Object.values(services)
    .filter((s) => s.running)
    .map((s) => ({ name: s.name, url: s.url, pid: s.pid }));

  // The load's transfers are the HK wallet's transfers created from here on.
  const loadStartedAt = Date.now();
  let sent = 0;
  let paidTotal = 0;
  let sending = true;
  let failure: unknown;
  const sender = async (worker: number) => {
    let n = 0;
    while (sending) {
      if (sent - paidTotal >= options.inFlight) {
        await sleep(20);
        continue;
      }
      const i = sent++;
      n++;
      await callService(
        `${urls.hkWallet}/transfers`,
        "POST",
        keys.hkApp,
        {
          accountId: w.sender,
          amount: SERVICE_AMOUNTS[i % SERVICE_AMOUNTS.length]!.toString(),
          receivingOperator: "ph-wallet",
          recipientRef: RECIPIENTS[i % RECIPIENTS.length],
          compliance: { sender: "Bench Sender" },
        },
        { "idempotency-key": `bench-load-${worker}-${n}` },
      );
    }
  };

  const blocks: SeenBlock[] = [];
  let head = await w.chain.getBlockNumber();
  const fromBlock = head + 1;
  const watchOnce = async () => {
    const number = await w.chain.getBlockNumber();
    if (number <= head) return;
    const seenAt = performance.now();
    for (let b = head + 1; b <= number; b++) {
      const [logs, raw] = await Promise.all([
        w.chain.getLogs({ address: w.settlement, topics: [PAID_OUT], fromBlock: b, toBlock: b }),
        w.chain.request<{ gasUsed: string; gasLimit: string }>("eth_getBlockByNumber", ["0x" + b.toString(16), false]),
      ]);
      paidTotal += logs.length;
      blocks.push({
        number: b,
        seenAt,
        paid: logs.length,
        gasUsed: Number(raw.gasUsed),
        gasLimit: Number(raw.gasLimit),
      });
    }
    head = number;
  };

  const workers = Array.from({ length: options.senders }, (_, i) =>
    sender(i).catch((error: unknown) => {
      failure ??= error;
      sending = false;
    }),
  );
  let cpuBefore: Map<string, number> | undefined;
  let cpuAfter: Map<string, number> | undefined;
  let windowStart: SeenBlock | undefined;
  let windowEnd: SeenBlock | undefined;
  const loadUntil = Date.now() + 120_000;
  try {
    // Warm-up: from the first paid-out block, `warmupBlocks` more; then the window.
    for (;;) {
      if (failure !== undefined) throw failure;
      if (Date.now() > loadUntil) throw new Error("no steady window within 120 s of load: is the stack stuck?");
      await watchOnce();
      const first = blocks.findIndex((b) => b.paid > 0);
      if (first >= 0 && windowStart === undefined && blocks.length > first + options.warmupBlocks) {
        windowStart = blocks[first + options.warmupBlocks]!;
        cpuBefore = await readAll(probes);
        options.log(`  steady window from block ${windowStart.number} (${sent} sent so far)...`);
      }
      if (windowStart !== undefined) {
        const end = blocks.find((b) => b.number === windowStart!.number + options.measureBlocks);
        if (end !== undefined) {
          windowEnd = end;
          cpuAfter = await readAll(probes);
          break;
        }
      }
      await sleep(25);
    }
  } finally {
    sending = false;
    await Promise.all(workers);
  }
  if (failure !== undefined) throw failure;

  // Drain: everything sent is paid out (or the run says how many are not).
  const drainUntil = Date.now() + 90_000;
  while (paidTotal < sent) {
    if (Date.now() > drainUntil)
      throw new Error(`${sent - paidTotal} of ${sent} remittances not paid out 90 s after the load`);
    await watchOnce();
    await sleep(50);
  }
  await sleep(2 * options.blockTimeMs);
  await watchOnce();

  const inWindow = blocks.filter((b) => b.number > windowStart!.number && b.number <= windowEnd!.number);
  const paidInWindow = inWindow.reduce((s, b) => s + b.paid, 0);
  const windowMs = windowEnd!.seenAt - windowStart!.seenAt;

  // Gas per remittance: the window's initiate and confirm batches, per item.
  const windowRange = { fromBlock: windowStart!.number + 1, toBlock: windowEnd!.number };
  const [initiated, paid] = await Promise.all([
    w.chain.getLogs({ address: w.settlement, topics: [INITIATED], ...windowRange }),
    w.chain.getLogs({ address: w.settlement, topics: [PAID_OUT], ...windowRange }),
  ]);
  const gasPer = async (logs: { transactionHash: string }[]) => {
    const hashes = [...new Set(logs.map((l) => l.transactionHash))];
    let gas = 0n;
    for (const hash of hashes) gas += (await w.chain.getTransactionReceipt(hash))!.gasUsed;
    return { perItem: logs.length === 0 ? 0 : Number(gas) / logs.length, batches: hashes.length, items: logs.length };
  };
  const initiate = await gasPer(initiated);
  const confirm = await gasPer(paid);
  const gasPerRemittance = initiate.perItem + confirm.perItem;
  const blockGasLimit = inWindow[0]?.gasLimit ?? windowEnd!.gasLimit;

  // Exactly once: every transfer sent is paid out once, in the wallet and on chain.
  const allPaid = await w.chain.getLogs({
    address: w.settlement,
    topics: [PAID_OUT],
    fromBlock,
    toBlock: await w.chain.getBlockNumber(),
  });
  const walletPaidOut = () => {
    const db = new DatabaseSync(services.hkWallet.storePath, { readOnly: true });
    try {
      const row = db
        .prepare("SELECT COUNT(*) AS n FROM wallet_transfers WHERE state = 'paid_out' AND created_at >= ?")
        .get(loadStartedAt) as { n: number };
      return Number(row.n);
    } finally {
      db.close();
    }
  };
  // The wallet applies paid_out from the relayer's webhook, a moment after the chain.
  let paidOutInWallet = walletPaidOut();
  for (const until = Date.now() + 30_000; paidOutInWallet < sent && Date.now() < until;) {
    await sleep(250);
    paidOutInWallet = walletPaidOut();
  }

  return {
    rate: ratePerSecond(paidInWindow, windowMs),
    paidInWindow,
    windowMs,
    windowBlocks: inWindow.length,
    gasPerRemittance,
    initiateGasPerItem: initiate.perItem,
    confirmGasPerItem: confirm.perItem,
    itemsPerBatch: {
      initiate: initiate.batches === 0 ? 0 : initiate.items / initiate.batches,
      confirm: confirm.batches === 0 ? 0 : confirm.items / confirm.batches,
    },
    blockGasLimit,
    capacity:
      gasPerRemittance > 0 ? capacityPerSecond(BigInt(blockGasLimit), gasPerRemittance, options.blockTimeMs) : 0,
    fill: inWindow.reduce((s, b) => s + b.gasUsed, 0) / inWindow.reduce((s, b) => s + b.gasLimit, 0),
    cpu: paidInWindow > 0 ? cpuMsPerItem(cpuBefore!, cpuAfter!, paidInWindow) : [],
    sent,
    paidOutOnChain: allPaid.length,
    paidOutInWallet,
    inFlight: options.inFlight,
  };
}
