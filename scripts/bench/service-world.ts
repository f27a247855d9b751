/**
 * The service stack the bench measures: anvil with 1 s blocks and chain id 1337 (`fixtures/local-node.ts`),
 * the platform deployed and the HKD -> PHP corridor funded for every remittance a run can make, then all six
 * services as separate processes (`fixtures/stack.ts`), an HK sender account and PH recipient accounts in
 * the wallets, and keys holding tHKD for the baseline transfers on the same blocks.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { HDNodeWallet, Mnemonic, keccak256, parseEther, toUtf8Bytes, Wallet } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import { readIgnitionDeployment } from "../../client/deployment.js";
import { openCorridor } from "../../fixtures/corridor.js";
import { buildPlatform } from "../../fixtures/platform.js";
import type { DemoWorld } from "../../fixtures/world.js";
import { ChainClient } from "../../relayer/core/chain/chain-client.js";
import { DEV_MNEMONIC, LOCAL_CHAIN_ID, startLocalNode, type LocalNode } from "../../fixtures/local-node.js";
import { startStack, type Stack } from "../../fixtures/stack.js";

/** Source amounts (HKD cents) the bench's remittances cycle through: 100.00 to 190.00 HKD. */
export const SERVICE_AMOUNTS = Array.from({ length: 10 }, (_, i) => BigInt(10_000 + 1_000 * i));
/** Recipients in the PH wallet. */
export const RECIPIENTS = Array.from({ length: 10 }, (_, i) => `bench-recipient-${i}`);

export interface ServiceWorld {
  node: LocalNode;
  stack: Stack;
  world: DemoWorld;
  chain: ChainClient;
  chainId: bigint;
  settlement: string;
  hkd: string;
  /** The HK wallet account every remittance is sent from. */
  sender: string;
  /** Keys holding tHKD and gas that send the baseline transfers, two per pair stream. */
  transferKeys: Wallet[];
  close(): Promise<void>;
}

export interface ServiceWorldOptions {
  /** How many remittances the corridor, the ledgers and the sender's account must carry. */
  maxRemittances: number;
  /** Pair streams of the baseline (two keys each). */
  pairStreams: number;
  log: (line: string) => void;
  connect(url: string): Promise<NetworkConnection>;
  /** Receives, before anything starts, what stops everything this world starts (for a signal handler). */
  onClose?(close: () => Promise<void>): void;
}

const devKey = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

/** A JSON call to a service; throws with the service's answer unless the status is one of `ok`. */
export async function callService(
  url: string,
  method: "GET" | "POST",
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
  ok: readonly number[] = [200, 201, 202],
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!ok.includes(response.status)) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export async function startServiceWorld(options: ServiceWorldOptions): Promise<ServiceWorld> {
  const { log } = options;
  const deploymentId = `bench-${randomBytes(4).toString("hex")}`;
  const node = await startLocalNode({ blockTime: 1, chainId: LOCAL_CHAIN_ID, accounts: 20 });
  let connection: NetworkConnection | undefined;
  let stack: Stack | undefined;
  let dir: string | undefined;
  const deployments = path.resolve("deploy", "deployments");
  const close = async () => {
    await stack?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await node.stop().catch(() => undefined);
    await rm(path.join(deployments, deploymentId), { recursive: true, force: true });
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  };
  options.onClose?.(close);
  try {
    // Setup transactions are mined as they are sent; the measures run on 1 s blocks.
    await node.rpc("evm_setAutomine", [true]);
    connection = await options.connect(node.url);
    const world = await buildPlatform(connection as Parameters<typeof buildPlatform>[0], () => undefined, {
      deploymentId,
    });
    const largest = SERVICE_AMOUNTS.at(-1)!;
    const n = BigInt(options.maxRemittances);
    // Source plus the fee (5.00 HKD + 50 bps) stays under twice the amount; PHP at under 10 per HKD.
    await openCorridor(
      { ...world, log: () => undefined },
      { float: 2n * n * largest, dailyCap: 4n * n * largest, liquidity: 10n * n * largest },
    );
    const { actors } = world;
    const transferKeys = Array.from(
      { length: 2 * options.pairStreams },
      (_, i) => new Wallet(keccak256(toUtf8Bytes(`ledgerlink-bench/transfer-${i}`))),
    );
    for (const key of transferKeys) {
      await (await actors.operator.sendTransaction({ to: key.address, value: parseEther("10") })).wait();
      await (await world.hkd.connect(actors.issuer).mint(key.address, 1_000_000_000n)).wait();
    }
    const deployment = await readIgnitionDeployment(deployments, deploymentId);
    await node.rpc("evm_setAutomine", [false]);
    await node.rpc("evm_setIntervalMining", [1]);

    dir = await mkdtemp(path.join(tmpdir(), "ledgerlink-bench-"));
    log(`  starting the six services (configs, databases and logs in ${dir})...`);
    const unlimited = { http: { rateLimit: { max: 10_000_000, windowMs: 60_000 } } };
    stack = await startStack({
      rpcUrl: node.url,
      deployment,
      dir,
      hotKeys: { hkOperator: devKey(5), phOperator: devKey(6), bank: devKey(7), metatx: devKey(11) },
      // The bench is the wallets' only client and drives them far above a person's rate: no per-key limit.
      config: { hkWallet: unlimited, phWallet: unlimited, hkOperator: unlimited, phOperator: unlimited },
    });
    const { urls, keys } = stack;
    const account = await callService(`${urls.hkWallet}/accounts`, "POST", keys.hkApp, { ref: "bench-sender" });
    const sender = String(account.id);
    await callService(
      `${urls.hkWallet}/accounts/${sender}/deposits`,
      "POST",
      keys.hkApp,
      { amount: (2n * n * largest).toString() },
      { "idempotency-key": "bench-sender-float" },
    );
    for (const ref of RECIPIENTS) await callService(`${urls.phWallet}/accounts`, "POST", keys.phApp, { ref });
    const chain = new ChainClient({ urls: [node.url], timeoutMs: 10_000 });
    return {
      node,
      stack,
      world,
      chain,
      chainId: BigInt(node.chainId),
      settlement: deployment.contracts.remittance!.address,
      hkd: deployment.contracts.HKD!.address,
      sender,
      transferKeys,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
