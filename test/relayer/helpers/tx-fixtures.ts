import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { type InterfaceAbi, Interface, JsonRpcProvider, NonceManager, Wallet } from "ethers";

import { ChainClient } from "../../../relayer/core/chain/chain-client.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import type { Store } from "../../../relayer/core/store/store.js";
import type { FeePolicy } from "../../../relayer/core/tx/fee-policy.js";
import { Eip1559Policy } from "../../../relayer/core/tx/fee-policy.js";
import type { TxManagerOptions } from "../../../relayer/core/tx/tx-context.js";
import { TxManager } from "../../../relayer/core/tx/tx-manager.js";
import { TxPolicyLoop } from "../../../relayer/core/tx/tx-policy-loop.js";
import { type DecodeRevert, isFinal, type TxRecord } from "../../../relayer/core/tx/types.js";
import { type SettlementToken, SettlementToken__factory } from "../../../typechain-types/index.js";
import type { TestDatabase } from "./stores.js";

/** Builds a revert decoder from contract ABIs, as the client library's decoder will be wired in. */
export function revertDecoder(...abis: InterfaceAbi[]): DecodeRevert {
  const interfaces = abis.map((abi) => new Interface(abi));
  return (data) => {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return { name: parsed.name, args: parsed.args.map((a: unknown) => String(a)), data };
      } catch {
        // Not this interface's error.
      }
    }
    return undefined;
  };
}

export const decodeTokenRevert = revertDecoder(SettlementToken__factory.abi);

/**
 * A SettlementToken whose issuer is `issuerKey`, deployed through the node at `url` (test setup only,
 * ethers' own provider; the manager under test never uses it). `close` releases the provider.
 */
export async function deployToken(url: string, issuerKey: string): Promise<{ token: SettlementToken; close(): void }> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  const issuer = new NonceManager(new Wallet(issuerKey, provider));
  const token = await new SettlementToken__factory(issuer).deploy(
    "Test HKD",
    "tHKD",
    "HKD",
    2,
    await issuer.getAddress(),
  );
  await token.waitForDeployment();
  return { token: token.connect(new Wallet(issuerKey, provider)) as SettlementToken, close: () => provider.destroy() };
}

export interface ManagerHarness {
  dir: string;
  file: string;
  store: Store;
  /** The database when the manager runs on one given by the caller (PostgreSQL specs); its owner drops it. */
  database?: TestDatabase;
  chain: ChainClient;
  manager: TxManager;
  loop: TxPolicyLoop;
  close(): Promise<void>;
}

/**
 * A manager and its loop on a fresh SQLite file in its own mkdtemp folder, or on `database` when given;
 * opening again on the same `file` or `database` models a restart.
 */
export async function openManager(
  urls: string[],
  key: string,
  options: Partial<TxManagerOptions> & { file?: string; database?: TestDatabase; feePolicy?: FeePolicy } = {},
): Promise<ManagerHarness> {
  const dir = options.file ? path.dirname(options.file) : await mkdtemp(path.join(tmpdir(), "ll-txm-"));
  const file = options.file ?? path.join(dir, "tx.sqlite");
  const store = options.database !== undefined ? await options.database.open() : await SqliteStore.open(file);
  const chain = new ChainClient({
    urls,
    timeoutMs: 2_000,
    retry: { initialDelayMs: 20, factor: 2, maxDelayMs: 200, maxAttempts: 3 },
  });
  const manager = await TxManager.open({
    store,
    chain,
    wallet: new Wallet(key),
    chainId: await chain.getChainId(),
    feePolicy: options.feePolicy ?? new Eip1559Policy({ maxFeeCap: 100_000_000_000n, priorityFee: 1_000_000_000n }),
    decodeRevert: decodeTokenRevert,
    confirmations: 1,
    pollIntervalMs: 50,
    ...options,
  });
  const loop = new TxPolicyLoop(manager.ctx);
  return {
    dir,
    file,
    store,
    ...(options.database !== undefined ? { database: options.database } : {}),
    chain,
    manager,
    loop,
    async close() {
      await loop.stop();
      await store.close();
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Runs passes of the loop until every given request is final, at most `maxPasses` times (bounded, so a
 * broken manager fails the test instead of hanging it).
 */
export async function runUntilFinal(
  h: Pick<ManagerHarness, "loop" | "manager">,
  ids: string[],
  { maxPasses = 200, between }: { maxPasses?: number; between?: () => Promise<void> } = {},
): Promise<TxRecord[]> {
  for (let pass = 0; pass < maxPasses; pass++) {
    await h.loop.runOnce();
    const records = await Promise.all(ids.map((id) => h.manager.get(id)));
    if (records.every((r) => isFinal(r.status))) return records;
    if (between) await between();
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const records = await Promise.all(ids.map((id) => h.manager.get(id)));
  throw new Error(`not final after ${maxPasses} passes: ${records.map((r) => `${r.id}=${r.status}`).join(", ")}`);
}

/** Nonces of every transaction `address` sent, from the blocks up to the head: they must be 0..n-1. */
export async function minedNonces(chain: ChainClient, address: string): Promise<number[]> {
  const head = await chain.getBlockNumber();
  const nonces: number[] = [];
  for (let n = 0; n <= head; n++) {
    const block = await chain.request<{ transactions: { from: string; nonce: string }[] }>("eth_getBlockByNumber", [
      "0x" + n.toString(16),
      true,
    ]);
    for (const tx of block.transactions)
      if (tx.from.toLowerCase() === address.toLowerCase()) nonces.push(Number(tx.nonce));
  }
  return nonces;
}
