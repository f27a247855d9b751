/**
 * Transaction manager throughput and latency, measured against raw signed sends through the same node
 * in the same run: anvil mining one block per interval, a token mint as the transaction, N of each.
 * - raw: a key signs N transactions with consecutive nonces and a fixed gas limit and sends them, then
 *   waits for every receipt (the floor any manager can reach);
 * - manager: N requests submitted concurrently (simulated, stored, signed, broadcast by the policy loop),
 *   until every one is confirmed. Submit-to-mined comes from the manager's own metrics hook.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { HDNodeWallet, Interface, JsonRpcProvider, NonceManager, Wallet } from "ethers";

import { ChainClient } from "../../relayer/core/chain/chain-client.js";
import { SqliteStore } from "../../relayer/core/store/sqlite-store.js";
import { Eip1559Policy } from "../../relayer/core/tx/fee-policy.js";
import type { TxMetrics } from "../../relayer/core/tx/metrics.js";
import { TxManager } from "../../relayer/core/tx/tx-manager.js";
import { TxPolicyLoop } from "../../relayer/core/tx/tx-policy-loop.js";
import { isFinal } from "../../relayer/core/tx/types.js";
import { SettlementToken__factory } from "../../typechain-types/index.js";
import { percentile } from "./stats.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const keyAt = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
const GWEI = 1_000_000_000n;
const MINT = new Interface(["function mint(address to, uint256 amount)"]);

export interface TxManagerBench {
  count: number;
  blockTimeMs: number;
  rawPerSecond: number;
  managerPerSecond: number;
  /** From the first submit until the last request was accepted (simulated and stored). */
  acceptedMs: number;
  submitToMinedMs: { p50: number; p95: number; max: number };
}

async function startAnvil(blockTimeMs: number): Promise<{ url: string; child: ChildProcess }> {
  const bin = path.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
  const child = spawn(bin, ["--host", "127.0.0.1", "--port", "0", "--block-time", String(blockTimeMs / 1000)], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error("anvil did not start")), 15_000);
    child.stdout!.on("data", (c: Buffer) => {
      seen += c.toString();
      const m = /Listening on (\S+:\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
  });
  child.stdout!.resume();
  return { url, child };
}

async function waitForReceipts(chain: ChainClient, hashes: string[], pollMs: number): Promise<void> {
  const pending = new Set(hashes);
  const deadline = Date.now() + 120_000;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} raw transactions not mined in 120 s`);
    for (const hash of [...pending]) if ((await chain.getTransactionReceipt(hash)) !== null) pending.delete(hash);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function measureTxManager(options: { count: number; blockTimeMs: number }): Promise<TxManagerBench> {
  const { count, blockTimeMs } = options;
  const anvil = await startAnvil(blockTimeMs);
  const dir = await mkdtemp(path.join(tmpdir(), "ll-bench-txm-"));
  const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const chain = new ChainClient({ urls: [anvil.url] });
    const chainId = await chain.getChainId();
    const issuer = new NonceManager(new Wallet(keyAt(0), provider));
    const token = await new SettlementToken__factory(issuer).deploy("Bench", "B", "B", 2, await issuer.getAddress());
    await token.waitForDeployment();
    const to = await token.getAddress();
    const rawKey = new Wallet(keyAt(1));
    const managerKey = new Wallet(keyAt(2));
    const role = await token.ISSUER_ROLE();
    await (await token.grantRole(role, rawKey.address)).wait();
    await (await token.grantRole(role, managerKey.address)).wait();
    const data = (i: number) => MINT.encodeFunctionData("mint", [keyAt(3).slice(0, 42), BigInt(i + 1)]);

    // Raw signed sends: the floor.
    const rawStart = performance.now();
    let nonce = await chain.getTransactionCount(rawKey.address, "pending");
    const base = (await chain.getBlock(await chain.getBlockNumber()))?.baseFeePerGas ?? GWEI;
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const raw = await rawKey.signTransaction({
        chainId,
        nonce: nonce++,
        to,
        data: data(i),
        gasLimit: 100_000n,
        type: 2,
        maxFeePerGas: 2n * base + GWEI,
        maxPriorityFeePerGas: GWEI,
      });
      hashes.push(await chain.sendRawTransaction(raw));
    }
    await waitForReceipts(chain, hashes, 25);
    const rawMs = performance.now() - rawStart;

    // The same load through the manager.
    const samples: number[] = [];
    const metrics: TxMetrics = {
      queueDepth: () => {},
      inFlight: () => {},
      nonceGap: () => {},
      submitToMined: (ms) => samples.push(ms),
    };
    const store = await SqliteStore.open(path.join(dir, "tx.sqlite"));
    const manager = await TxManager.open({
      store,
      chain,
      wallet: managerKey,
      chainId,
      feePolicy: new Eip1559Policy({ maxFeeCap: 100n * GWEI, priorityFee: GWEI }),
      confirmations: 1,
      // A pass every 100 ms: a tenth of the block time, without crowding the node the callers simulate on.
      pollIntervalMs: 100,
      maxInFlight: count,
      metrics,
    });
    const loop = new TxPolicyLoop(manager.ctx);
    const managerStart = performance.now();
    loop.start();
    const ids: string[] = [];
    const callers = 16;
    await Promise.all(
      Array.from({ length: callers }, async (_, c) => {
        for (let i = c; i < count; i += callers) {
          const { record } = await manager.submit({ tenant: "bench", idempotencyKey: `b-${i}`, to, data: data(i) });
          ids.push(record.id);
        }
      }),
    );
    const acceptedMs = performance.now() - managerStart;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const records = await Promise.all(ids.map((id) => manager.get(id)));
      if (records.every((r) => isFinal(r.status))) break;
      if (Date.now() > deadline) throw new Error("manager requests not final in 120 s");
      await new Promise((r) => setTimeout(r, 25));
    }
    const managerMs = performance.now() - managerStart;
    await loop.stop();
    await store.close();

    return {
      count,
      blockTimeMs,
      rawPerSecond: (count * 1000) / rawMs,
      managerPerSecond: (count * 1000) / managerMs,
      acceptedMs,
      submitToMinedMs: { p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) },
    };
  } finally {
    provider.destroy();
    anvil.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}

export function renderTxManagerSection(r: TxManagerBench): string {
  const ratio = r.managerPerSecond / r.rawPerSecond;
  const f = (n: number) => n.toFixed(1);
  return [
    "## Transaction manager",
    "",
    `${r.count} token mints each way on anvil mining one block every ${r.blockTimeMs} ms.`,
    "",
    "| measure | value | target |",
    "| --- | --- | --- |",
    `| raw signed sends | ${f(r.rawPerSecond)} tx/s | baseline |`,
    `| through the manager (simulate, store, sign, send, confirm) | ${f(r.managerPerSecond)} tx/s | |`,
    `| accepting all ${r.count} requests (one eth_estimateGas simulation each, 16 callers) | ${f(r.acceptedMs)} ms | |`,
    `| manager / raw | ${ratio.toFixed(2)}× | ≥ 0.90× ${ratio >= 0.9 ? "(met)" : "(NOT met)"} |`,
    `| submit-to-mined p50 / p95 / max | ${f(r.submitToMinedMs.p50)} / ${f(r.submitToMinedMs.p95)} / ${f(r.submitToMinedMs.max)} ms | block time ${r.blockTimeMs} ms |`,
    "",
  ].join("\n");
}
