import { Interface, JsonRpcProvider, Wallet } from "ethers";

import { FeeOnTransferToken__factory } from "../../../typechain-types/factories/mocks/FeeOnTransferToken__factory.js";
import type { FeeOnTransferToken } from "../../../typechain-types/index.js";
import { ChainClient } from "../../../relayer/core/chain/chain-client.js";
import type { ChainEvent, Subscription } from "../../../relayer/core/listener/event-listener.js";
import { columnTypes } from "../../../relayer/core/store/ddl.js";
import type { Migration, Sql, Store } from "../../../relayer/core/store/store.js";

/** A provider for tests: no block-number cache (a test mines and reads at once), no chain-id lookups. */
export function testProvider(url: string, chainId = 31337): JsonRpcProvider {
  return new JsonRpcProvider(url, chainId, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
}

/** The core's chain client on one node, as services read the chain. */
export function chainReader(url: string): ChainClient {
  return new ChainClient({ urls: [url], timeoutMs: 10_000 });
}

/** An open-mint ERC-20 (the test-only fee token with fee 0): every `mint` emits one Transfer. */
export interface TokenChain {
  provider: JsonRpcProvider;
  /** What the listener reads through: the core's chain client on the same node. */
  reader: ChainClient;
  wallet: Wallet;
  token: FeeOnTransferToken;
  address: string;
  deployBlock: number;
  /** Mints and waits for the receipt; resolves with the block and hash of the transaction. */
  mint(to: string, amount: bigint): Promise<{ blockNumber: number; hash: string }>;
  /** Signs a mint without sending it, for `anvil_reorg` to place in a block of its choosing. */
  signMint(to: string, amount: bigint): Promise<string>;
}

export async function deployToken(url: string, privateKey: string): Promise<TokenChain> {
  const provider = testProvider(url);
  const wallet = new Wallet(privateKey, provider);
  const token = await new FeeOnTransferToken__factory(wallet).deploy(0);
  const receipt = (await token.deploymentTransaction()!.wait())!;
  const address = await token.getAddress();
  return {
    provider,
    reader: chainReader(url),
    wallet,
    token,
    address,
    deployBlock: receipt.blockNumber,
    async mint(to, amount) {
      const tx = await token.mint(to, amount);
      const mined = (await tx.wait())!;
      return { blockNumber: mined.blockNumber, hash: mined.hash };
    },
    async signMint(to, amount) {
      const request = await wallet.populateTransaction(await token.mint.populateTransaction(to, amount));
      return wallet.signTransaction(request);
    },
  };
}

const transfer = new Interface(["event Transfer(address indexed from, address indexed to, uint256 value)"]);
export const TRANSFER_TOPIC = transfer.getEvent("Transfer")!.topicHash;

const ledgerMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "balances credited from Transfer events, and every apply/undo",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(`CREATE TABLE credits (account TEXT PRIMARY KEY, amount ${t.amount} NOT NULL)`);
      await q.run(
        `CREATE TABLE effects (seq ${t.autoIdKey}, kind TEXT NOT NULL, tx_hash TEXT NOT NULL,
           block_hash TEXT NOT NULL, log_index ${t.int} NOT NULL)`,
      );
    },
  },
];

export interface Effect {
  kind: "apply" | "undo";
  tx_hash: string;
  block_hash: string;
  log_index: number;
}

async function credit(q: Sql, event: ChainEvent, sign: 1n | -1n): Promise<void> {
  const parsed = transfer.parseLog({ topics: [...event.topics], data: event.data })!;
  const to = (parsed.args.to as string).toLowerCase();
  const value = (parsed.args.value as bigint) * sign;
  const row = await q.get<{ amount: string }>("SELECT amount FROM credits WHERE account = ?", [to]);
  const amount = (BigInt(row?.amount ?? "0") + value).toString();
  await q.run(
    "INSERT INTO credits (account, amount) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET amount = excluded.amount",
    [to, amount],
  );
  await q.run("INSERT INTO effects (kind, tx_hash, block_hash, log_index) VALUES (?, ?, ?, ?)", [
    sign === 1n ? "apply" : "undo",
    event.transactionHash,
    event.blockHash,
    event.logIndex,
  ]);
}

/**
 * A ledger fed by a token's Transfer events: each event credits its receiver, each undo debits it, and
 * every apply/undo is journaled so a test can count them.
 */
export class TransferLedger {
  /** Set to make the next `handle` calls throw (a handler failing mid-page). */
  failNext = 0;

  constructor(private readonly store: Store) {}

  migrate(): Promise<void> {
    return this.store.migrate("test-ledger", ledgerMigrations);
  }

  subscription(id: string, address: string, startBlock: number): Subscription {
    return {
      id,
      address,
      topics: [TRANSFER_TOPIC],
      startBlock,
      handle: async (q, event) => {
        if (this.failNext > 0) {
          this.failNext -= 1;
          // The effect is written first: the throw must roll it back with the rest of the page.
          await credit(q, event, 1n);
          throw new Error("handler failed");
        }
        await credit(q, event, 1n);
      },
      undo: (q, event) => credit(q, event, -1n),
    };
  }

  async balance(account: string): Promise<bigint> {
    const row = await this.store.read((q) =>
      q.get<{ amount: string }>("SELECT amount FROM credits WHERE account = ?", [account.toLowerCase()]),
    );
    return BigInt(row?.amount ?? "0");
  }

  effects(): Promise<Effect[]> {
    return this.store.read((q) =>
      q.all<Effect>("SELECT kind, tx_hash, block_hash, log_index FROM effects ORDER BY seq"),
    );
  }
}
