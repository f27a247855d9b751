/**
 * The main job, through the services: a local network (anvil, 1 s blocks, chain id 1337), the platform
 * deployed with Ignition and set up by the project's builder, the six services started as separate
 * processes, then HK -> PH remittances through the HK wallet's HTTP API (one rejected, one expired), an SME
 * escrow trade (one SME acting without gas through the meta-transaction relayer), and a summary: balances
 * on both sides reconciled against the chain, gas per operation, where the logs, databases and deployment
 * are. Writes demo-report.json; exits 0 only when everything reconciled; stops every process it started,
 * also on Ctrl-C.
 *
 *   npm run demo                     (REMITTANCES=20 npm run demo for more; scripts/run-demo.ts compiles first)
 *
 * DEMO_DIR=<dir> keeps the services' configs, databases and logs there (a new temp folder by default);
 * DEMO_REPORT=<file> writes the report elsewhere than ./demo-report.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { HDNodeWallet, Mnemonic } from "ethers";
import hre, { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { formatAmount } from "../client/amounts.js";
import { readIgnitionDeployment, serializeManifest } from "../client/deployment.js";
import { openCorridor } from "../fixtures/corridor.js";
import { buildPlatform } from "../fixtures/platform.js";
import { runEscrowTrade, type EscrowTradeResult } from "./demo/escrow-trade.js";
import { runGasless, type GaslessResult } from "./demo/gasless.js";
import { call, eventually, sleep } from "./demo/http.js";
import {
  amountOf,
  formatRemittance,
  openAccounts,
  PUBLIC_MARK_MS,
  RECIPIENTS,
  SENDERS,
  sendAndFollow,
  sendExpiring,
  verifyRemittances,
  type DemoRemittance,
} from "./demo/remittances.js";
import { DEV_MNEMONIC, LOCAL_CHAIN_ID, startLocalNode, type LocalNode } from "../fixtures/local-node.js";
import { SERVICE_NAMES, startStack, type Stack } from "../fixtures/stack.js";

const started = Number(process.env.DEMO_STARTED_AT ?? Date.now());
const log = (line = "") => console.log(line);
const count = Number(process.env.REMITTANCES ?? "10");
if (!Number.isInteger(count) || count < 1 || count > 200) {
  console.error(`REMITTANCES must be an integer from 1 to 200 (got "${process.env.REMITTANCES}")`);
  process.exit(1);
}
const reportPath = path.resolve(process.env.DEMO_REPORT ?? "demo-report.json");
const DEPLOYMENT_ID = "demo";
const deploymentFolder = path.join(hre.config.paths.ignition, "deployments", DEPLOYMENT_ID);
/** Seconds the HK relayer gives the receiver to pay out: short, so the expired case takes seconds. */
const SEND_DEADLINE_SECONDS = 15;

interface Reconciliation {
  ok: boolean;
  wallets: Record<string, unknown>;
  problems: string[];
}
const report: {
  ok: boolean;
  failure?: string;
  startedAt: string;
  wallMs?: number;
  network?: { url: string; chainId: number; blockTimeSeconds: number };
  dir?: string;
  deployment?: { id: string; folder: string; manifest: string };
  processes: Array<{ name: string; pid: number }>;
  remittances: DemoRemittance[];
  endToEnd?: { paidOut: number; withinMark: number; markMs: number; p50Ms: number; maxMs: number };
  escrow?: EscrowTradeResult;
  gasless?: GaslessResult;
  gas: Array<{ operation: string; gasUsed: string; note?: string }>;
  reconciliation?: Reconciliation;
} = { ok: false, startedAt: new Date(started).toISOString(), processes: [], remittances: [], gas: [] };

// Kept as promises: a signal that arrives while a node or the services are starting still stops them.
let nodeStarting: Promise<LocalNode> | undefined;
let connection: NetworkConnection | undefined;
let stackStarting: Promise<Stack> | undefined;
const aborting = new AbortController();
let finishing: Promise<never> | undefined;

/** Writes the report, stops everything this run started, and exits: once, whatever calls it first. */
function finish(code: number, failure?: string): Promise<never> {
  finishing ??= (async () => {
    if (failure !== undefined) {
      report.ok = false;
      report.failure = failure;
    }
    report.wallMs = Date.now() - started;
    try {
      await writeFile(reportPath, JSON.stringify(report, null, 2) + "\n");
    } catch (error) {
      console.error(`could not write ${reportPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
    aborting.abort();
    const stack = await stackStarting?.catch(() => undefined);
    if (stack !== undefined) log("Stopping the services...");
    await stack?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    const node = await nodeStarting?.catch(() => undefined);
    await node?.stop().catch(() => undefined);
    if (failure !== undefined) {
      console.error(`\nDEMO FAILED: ${failure}`);
      if (report.dir !== undefined) console.error(`The services' logs and databases are in ${report.dir}`);
      console.error(`Report: ${reportPath}`);
    }
    process.exit(code);
  })();
  return finishing;
}
process.on("SIGINT", () => void finish(130, "interrupted (SIGINT): every process the demo started was stopped"));
process.on("SIGTERM", () => void finish(143, "stopped (SIGTERM): every process the demo started was stopped"));

const devKey = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

async function main(): Promise<void> {
  log("== LedgerLink BaaS demo: the platform through its services on a local network ==\n");
  nodeStarting = startLocalNode({ blockTime: 1, chainId: LOCAL_CHAIN_ID });
  const node = await nodeStarting;
  report.processes.push({ name: "anvil", pid: node.pid });
  report.network = { url: node.url, chainId: node.chainId, blockTimeSeconds: 1 };
  log(`Local network: anvil on ${node.url}, chain id ${node.chainId}, a block every second (pid ${node.pid}).`);
  log("Setup transactions are mined as they are sent, to save a minute; the services then run on 1 s blocks.\n");
  await node.rpc("evm_setAutomine", [true]);

  await rm(deploymentFolder, { recursive: true, force: true });
  connection = await network.create({ network: "localhost", override: { url: node.url } });
  const world = await buildPlatform(connection as Parameters<typeof buildPlatform>[0], log, {
    deploymentId: DEPLOYMENT_ID,
  });
  const HKD = { decimals: Number(await world.hkd.decimals()), symbol: await world.hkd.symbol() };
  const amounts = Array.from({ length: count }, (_, i) => amountOf(i, HKD));
  // Enough for every remittance, the rejected and the expired ones, with room: 3,000.00 and 500.00 HKD.
  const total = amounts.reduce((a, b) => a + b, 0n) + 350_000n;
  const setup = await openCorridor(
    { ...world, log },
    {
      // The receiver's guaranteed window is 10 s here (600 s in production) so the expired case runs in seconds.
      minReceiverWindow: 10,
      float: 2n * total + 10_000_000n,
      dailyCap: 4n * total + 20_000_000n,
      // PHP per HKD is about 7.2 and both tokens have two decimals: ten times the HKD sent is ample.
      liquidity: 20n * total + 1_000_000_000n,
    },
  );
  const deployment = await readIgnitionDeployment(path.dirname(deploymentFolder), DEPLOYMENT_ID);
  const dir = process.env.DEMO_DIR
    ? path.resolve(process.env.DEMO_DIR)
    : await mkdtemp(path.join(tmpdir(), "ledgerlink-demo-"));
  await mkdir(dir, { recursive: true });
  const manifest = path.join(dir, "deployment.json");
  await writeFile(manifest, serializeManifest(deployment));
  report.dir = dir;
  report.deployment = { id: DEPLOYMENT_ID, folder: path.relative(".", deploymentFolder), manifest };
  await node.rpc("evm_setAutomine", [false]);
  await node.rpc("evm_setIntervalMining", [1]);
  const fromBlock = deployment.contracts.remittance!.blockNumber;

  log(`\n== Starting the services, each its own process (configs, keys, databases, logs in ${dir}) ==`);
  stackStarting = startStack({
    rpcUrl: node.url,
    deployment,
    dir,
    hotKeys: { hkOperator: devKey(5), phOperator: devKey(6), bank: devKey(7), metatx: devKey(11) },
    config: {
      hkOperator: { sendDeadlineSeconds: SEND_DEADLINE_SECONDS },
      phOperator: { wallet: { safetyMarginSeconds: 4 } },
      // The demo follows every transfer every 200 ms; the default 600 requests a minute would throttle that.
      hkWallet: { http: { rateLimit: { max: 100_000, windowMs: 60_000 } } },
      phWallet: { http: { rateLimit: { max: 100_000, windowMs: 60_000 } } },
    },
    signal: aborting.signal,
  });
  const running = await stackStarting;
  for (const n of SERVICE_NAMES) {
    const s = running.services[n];
    report.processes.push({ name: n, pid: s.pid! });
    log(`  ${n.padEnd(11)} ${s.url}  pid ${String(s.pid).padEnd(7)} ready`);
  }

  log("\n== HK -> PH remittances through the HK wallet's API ==");
  const parties = await openAccounts(running, total);
  log(
    `HK wallet users ${SENDERS.join(", ")} hold ${formatAmount(total, HKD)} each; PH wallet users: ${RECIPIENTS.join(", ")}.`,
  );
  log(`Sending ${count}, one every 250 ms; each followed until the wallet shows it final:`);
  const followed: Promise<DemoRemittance>[] = [];
  for (let i = 0; i < count; i++) {
    const spec = {
      label: `#${i + 1}`,
      kind: "payout" as const,
      from: SENDERS[i % SENDERS.length]!,
      to: RECIPIENTS[i % RECIPIENTS.length]!,
      amount: amounts[i]!,
      key: `demo-${i + 1}`,
    };
    const one = sendAndFollow(running, parties, spec, { timeoutMs: 60_000 }).then((r) => {
      log(formatRemittance(r, HKD));
      return r;
    });
    // Awaited below, all together; marked handled now so one that fails early cannot end the process
    // (Hardhat exits on an unhandled rejection) before the demo stops what it started.
    one.catch(() => undefined);
    followed.push(one);
    await sleep(250);
  }
  const paid = await Promise.all(followed);
  report.remittances.push(...paid);

  log("\nA remittance to someone the PH wallet does not know: the PH relayer rejects it on chain, HK refunds.");
  const rejected = await sendAndFollow(
    running,
    parties,
    { label: "#R", kind: "rejected", from: "alice", to: "unknown-recipient", amount: 300_000n, key: "demo-rejected" },
    { timeoutMs: 60_000 },
  );
  log(formatRemittance(rejected, HKD) + `  (${rejected.refundReason})`);
  report.remittances.push(rejected);

  log(
    `\nA remittance nobody confirms: the PH relayer crashes (SIGKILL) right after taking the recipient's ` +
      `details; past its ${SEND_DEADLINE_SECONDS} s deadline the HK relayer refunds it on chain. Meanwhile, the SMEs trade.`,
  );
  const expiring = sendExpiring(
    running,
    parties,
    { label: "#E", from: "ben", to: "maria", amount: 50_000n, key: "demo-expired" },
    90_000,
  );
  expiring.catch(() => undefined);

  log("\n== SME escrow trade (the tea house buys from the tea farm) ==");
  report.escrow = await runEscrowTrade(world);
  log("\n== An SME member without gas, through the meta-transaction relayer ==");
  report.gasless = await runGasless(world, running);

  log("\n== The expired remittance ==");
  const expired = await expiring;
  log(formatRemittance(expired, HKD));
  report.remittances.push(expired);
  await running.start("phOperator");
  report.processes.push({ name: "phOperator (restarted)", pid: running.services.phOperator.pid! });
  log(`The PH relayer is started again on its database (pid ${running.services.phOperator.pid}); it catches up`);
  log("with the chain and must not pay the expired remittance late.");
  await sleep(3_000);

  log("\n== Summary ==");
  const { problems, history } = await verifyRemittances(running, world, setup, parties, report.remittances, fromBlock);
  const payouts = report.remittances.filter((r) => r.kind === "payout" && r.finalStatus === "paid_out");
  const times = payouts.map((r) => r.endToEndMs).sort((a, b) => a - b);
  if (times.length > 0) {
    report.endToEnd = {
      paidOut: times.length,
      withinMark: times.filter((t) => t <= PUBLIC_MARK_MS).length,
      markMs: PUBLIC_MARK_MS,
      p50Ms: times[Math.ceil(times.length / 2) - 1]!,
      maxMs: times.at(-1)!,
    };
    log(
      `Remittances: ${payouts.length} of ${count} paid out, end to end (wallet request -> recipient credited and ` +
        `settled on chain, as the HK wallet shows it) p50 ${report.endToEnd.p50Ms.toLocaleString("en-US")} ms, max ` +
        `${report.endToEnd.maxMs.toLocaleString("en-US")} ms; ${report.endToEnd.withinMark} within the 3 s mark.`,
    );
  }
  log(
    `Rejected: ${rejected.finalStatus} (${rejected.chainStatus} on chain); expired: ${expired.finalStatus} (${expired.chainStatus} on chain).`,
  );

  // Both wallets against the chain: each one's settlement mirror less what is locked on chain equals its
  // operator's ledger balance in RemittanceSettlement, and its own books balance.
  const wallets: Record<string, unknown> = {};
  const walletProblems: string[] = [];
  for (const [name, url, key] of [
    ["hkWallet", running.urls.hkWallet, running.keys.hkApp],
    ["phWallet", running.urls.phWallet, running.keys.phApp],
  ] as const) {
    let last:
      { reconciled: boolean; differences: unknown[]; chain?: { ledgerBalance?: string; expected: string } } | undefined;
    await eventually(
      `${name} reconciled`,
      async () => {
        last = (await call<typeof last>(url, "GET", "/reconciliation", { key })).body;
        return last?.reconciled === true ? true : undefined;
      },
      20_000,
      500,
    ).catch(() =>
      walletProblems.push(`${name} does not reconcile with the chain: ${JSON.stringify(last?.differences)}`),
    );
    wallets[name] = last;
    const token = name === "hkWallet" ? HKD : { decimals: setup.PHP.decimals, symbol: setup.PHP.symbol };
    const onChain = last?.chain?.ledgerBalance;
    log(
      `${name === "hkWallet" ? "HK" : "PH"} wallet: ${last?.reconciled ? "reconciled" : "NOT reconciled"}; operator's ledger on chain ` +
        `${onChain === undefined ? "unreadable" : formatAmount(BigInt(onChain), token)}, the wallet expects ` +
        `${last?.chain === undefined ? "?" : formatAmount(BigInt(last.chain.expected), token)}`,
    );
  }
  const allProblems = [
    ...problems,
    ...walletProblems,
    ...(report.escrow?.deals ?? [])
      .filter((d) => d.status !== d.expected)
      .map((d) => `escrow ${d.ref}: ${d.status}, expected ${d.expected}`),
    ...(report.gasless?.problems ?? []),
  ];
  report.reconciliation = { ok: allProblems.length === 0, wallets, problems: allProblems };

  // Gas per operation, from the receipts: a batch's gas is shared by the remittances it carried.
  const perTx = new Map<string, { operation: string; n: number }>();
  for (const h of history) {
    perTx.set(h.initiated.txHash, { operation: "remittance initiate", n: (perTx.get(h.initiated.txHash)?.n ?? 0) + 1 });
    if (h.final !== undefined) {
      const op = { PaidOut: "confirmPayout", Rejected: "reject", Expired: "refundExpired" }[h.final.status];
      perTx.set(h.final.txHash, { operation: `remittance ${op}`, n: (perTx.get(h.final.txHash)?.n ?? 0) + 1 });
    }
  }
  const byOperation = new Map<string, { gas: bigint; n: number; txs: number }>();
  for (const [hash, { operation, n }] of perTx) {
    const receipt = await world.ethers.provider.getTransactionReceipt(hash);
    const entry = byOperation.get(operation) ?? { gas: 0n, n: 0, txs: 0 };
    byOperation.set(operation, { gas: entry.gas + (receipt?.gasUsed ?? 0n), n: entry.n + n, txs: entry.txs + 1 });
  }
  for (const [operation, { gas, n, txs }] of byOperation) {
    report.gas.push({
      operation,
      gasUsed: (gas / BigInt(n)).toString(),
      note: `per remittance, ${n} in ${txs} transaction(s)`,
    });
  }
  report.gas.push(
    ...(report.escrow?.gas ?? []),
    ...(report.gasless?.gas ?? []).map(({ operation, gasUsed }) => ({ operation, gasUsed })),
  );
  log("\nGas per operation (from the receipts; `npm run gas` measures them against a plain transfer):");
  for (const g of report.gas)
    log(`  ${g.operation.padEnd(44)} ${g.gasUsed.padStart(9)}${g.note ? `  (${g.note})` : ""}`);

  log("\nWhere things are:");
  log(`  deployment     ${path.relative(".", deploymentFolder)} (Ignition), manifest ${manifest}`);
  for (const n of SERVICE_NAMES) {
    const s = running.services[n];
    log(`  ${n.padEnd(14)} log ${s.logFile}, database ${s.storePath}`);
  }
  log(`  report         ${reportPath}`);

  if (allProblems.length > 0) {
    await finish(1, `${allProblems.length} check(s) failed:\n  ${allProblems.join("\n  ")}`);
  }
  report.ok = true;
  log(`\nEverything reconciled. Demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

try {
  await main();
  await finish(0);
} catch (error) {
  await finish(1, error instanceof Error ? error.message : String(error));
}
