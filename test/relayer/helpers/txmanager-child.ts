/**
 * A transaction manager in a process of its own, for the SIGKILL spec: submits requests r-0 .. r-(upTo-1)
 * (idempotently: a restarted process submits the same keys again), runs the policy loop, and exits with
 * "DONE" once every request is final. Run with tsx; guarded so that mocha loading this file does nothing.
 */
import { pathToFileURL } from "node:url";

import { Interface, Wallet } from "ethers";

import { ChainClient } from "../../../relayer/core/chain/chain-client.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { Eip1559Policy } from "../../../relayer/core/tx/fee-policy.js";
import { TxManager } from "../../../relayer/core/tx/tx-manager.js";
import { TxPolicyLoop } from "../../../relayer/core/tx/tx-policy-loop.js";
import { isFinal } from "../../../relayer/core/tx/types.js";

export interface ChildArgs {
  url: string;
  file: string;
  key: string;
  token: string;
  recipient: string;
  upTo: number;
}

const MINT = new Interface(["function mint(address to, uint256 amount)"]);

/** Request i mints i + 1 units, so the recipient's balance proves each took effect exactly once. */
export const amountOf = (i: number) => BigInt(i + 1);

async function main(args: ChildArgs): Promise<void> {
  const store = await SqliteStore.open(args.file);
  const chain = new ChainClient({ urls: [args.url], timeoutMs: 2_000 });
  const manager = await TxManager.open({
    store,
    chain,
    wallet: new Wallet(args.key),
    chainId: await chain.getChainId(),
    feePolicy: new Eip1559Policy({ maxFeeCap: 100_000_000_000n, priorityFee: 1_000_000_000n }),
    confirmations: 1,
    pollIntervalMs: 20,
    maxInFlight: 6,
  });
  const loop = new TxPolicyLoop(manager.ctx);
  loop.start();
  const ids: string[] = [];
  for (let i = 0; i < args.upTo; i++) {
    const data = MINT.encodeFunctionData("mint", [args.recipient, amountOf(i)]);
    ids.push((await manager.submit({ tenant: "crash", idempotencyKey: `r-${i}`, to: args.token, data })).record.id);
  }
  for (;;) {
    const records = await Promise.all(ids.map((id) => manager.get(id)));
    if (records.every((r) => isFinal(r.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await loop.stop();
  await store.close();
  process.stdout.write("DONE\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(JSON.parse(process.argv[2]!) as ChildArgs).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
