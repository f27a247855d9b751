import { expect } from "chai";
import { Wallet } from "ethers";
import hre from "hardhat";

import { createLogger } from "../../../relayer/core/kit/logger.js";
import { ServiceMetrics } from "../../../relayer/core/kit/metrics.js";
import { listenerCheck } from "../../../relayer/core/kit/readiness.js";
import type { ChainReader } from "../../../relayer/core/chain/types.js";
import { ReorgTooDeepError, UndoUnsupportedError } from "../../../relayer/core/listener/errors.js";
import { EventListener, type EventListenerOptions } from "../../../relayer/core/listener/event-listener.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { ANVIL_KEYS, startAnvil, type Anvil } from "../helpers/anvil.js";
import { startRangeLimitedProxy, type RangeLimitedProxy } from "../helpers/range-limited-proxy.js";
import { newTestDatabase, STORE_KINDS } from "../helpers/stores.js";
import { chainReader, deployToken, testProvider, TransferLedger, type TokenChain } from "../helpers/token-chain.js";

const silent = createLogger({ service: "listener-test", level: "silent" });

interface Harness {
  store: Store;
  ledger: TransferLedger;
  listener(reader: ChainReader, options?: Partial<EventListenerOptions>): Promise<EventListener>;
  handledCount(): Promise<number>;
}

for (const kind of STORE_KINDS) {
  describe(`EventListener (${kind} store)`, function () {
    this.timeout(60_000);
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async function () {
      while (cleanups.length > 0) await cleanups.pop()!();
    });

    /** A fresh database for one test, with the listener's and the ledger's tables. */
    async function harness(chain: TokenChain, subscriptionId = "transfers"): Promise<Harness> {
      const database = await newTestDatabase(kind, "listener");
      const store = await database.open();
      cleanups.push(async () => {
        await store.close();
        await database.destroy();
      });
      const ledger = new TransferLedger(store);
      await ledger.migrate();
      return {
        store,
        ledger,
        async listener(reader, options = {}) {
          const listener = new EventListener({
            chain: "31337",
            reader,
            store,
            logger: silent,
            subscriptions: [ledger.subscription(subscriptionId, chain.address, chain.deployBlock)],
            confirmations: 0,
            ...options,
          });
          await listener.migrate();
          return listener;
        },
        async handledCount() {
          const row = await store.read((q) => q.get<{ n: number }>("SELECT COUNT(*) AS n FROM listener_handled"));
          return row!.n;
        },
      };
    }

    describe("on anvil", function () {
      let anvil: Anvil;

      before(async function () {
        anvil = await startAnvil();
      });

      after(async function () {
        await anvil?.stop();
      });

      async function freshToken(): Promise<TokenChain> {
        const chain = await deployToken(anvil.url, ANVIL_KEYS[0]);
        // Blocks between the deployment and the events, so a reorg in a test never reaches the contract.
        await anvil.rpc("anvil_mine", ["0x5"]);
        return chain;
      }

      describe("confirmations", function () {
        it("with 0 confirmations, handles an event as soon as its block is mined", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader, { confirmations: 0 });
          const receiver = Wallet.createRandom().address;
          const minted = await chain.mint(receiver, 70n);
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(70n);
          expect((await listener.checkpoint("transfers"))!.number).to.equal(minted.blockNumber);
        });

        it("with 3 confirmations, handles nothing until the event's block is 3 blocks deep", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader, { confirmations: 3 });
          const receiver = Wallet.createRandom().address;
          const minted = await chain.mint(receiver, 5n);
          await listener.sync();
          await anvil.rpc("anvil_mine", ["0x2"]);
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(0n);
          expect((await listener.checkpoint("transfers"))!.number).to.be.lessThan(minted.blockNumber);
          await anvil.rpc("anvil_mine", ["0x1"]);
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(5n);
        });

        it("holds back an event a reorg removes before it is confirmed: it is never handled", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader, { confirmations: 3 });
          const receiver = Wallet.createRandom().address;
          await chain.mint(receiver, 9n);
          await anvil.rpc("anvil_mine", ["0x1"]);
          await listener.sync();
          await anvil.rpc("anvil_reorg", [2, []]);
          await anvil.rpc("anvil_mine", ["0x5"]);
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(0n);
          expect(await h.ledger.effects()).to.deep.equal([]);
        });
      });

      describe("reorgs", function () {
        it("undoes exactly once the effect of a handled event that a reorg removes", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader);
          const receiver = Wallet.createRandom().address;
          const minted = await chain.mint(receiver, 40n);
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(40n);

          await anvil.rpc("anvil_reorg", [2, []]);
          await listener.sync();
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(0n);
          const effects = await h.ledger.effects();
          expect(effects.map((e) => [e.kind, e.tx_hash])).to.deep.equal([
            ["apply", minted.hash],
            ["undo", minted.hash],
          ]);
          expect(await h.handledCount()).to.equal(0);
          const head = await chain.provider.getBlock("latest");
          expect(await listener.checkpoint("transfers")).to.deep.equal({ number: head!.number, hash: head!.hash });
        });

        it("undoes and re-applies exactly once an event a reorg moves to another block", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader);
          const receiver = Wallet.createRandom().address;
          const raw = await chain.signMint(receiver, 25n);
          const hash = await anvil.rpc<string>("eth_sendRawTransaction", [raw]);
          const before = (await chain.provider.getTransactionReceipt(hash))!;
          await listener.sync();

          // Blocks head-2..head are replaced; the same signed transaction lands in the first of them.
          await anvil.rpc("anvil_reorg", [3, [[raw, 0]]]);
          const after = (await chain.provider.getTransactionReceipt(hash))!;
          expect(after.blockHash).not.to.equal(before.blockHash);
          await listener.sync();
          await listener.sync();

          expect(await h.ledger.balance(receiver)).to.equal(25n);
          const effects = await h.ledger.effects();
          expect(effects.map((e) => [e.kind, e.block_hash])).to.deep.equal([
            ["apply", before.blockHash],
            ["undo", before.blockHash],
            ["apply", after.blockHash],
          ]);
          expect(await h.handledCount()).to.equal(1);
        });
        it("stops with ReorgTooDeepError, changing nothing, when a reorg goes below every block hash it kept", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader, { reorgWindow: 2 });
          const receiver = Wallet.createRandom().address;
          await chain.mint(receiver, 2n);
          await anvil.rpc("anvil_mine", ["0x5"]);
          await listener.sync();
          const checkpoint = await listener.checkpoint("transfers");

          await anvil.rpc("anvil_reorg", [6, []]);
          const error = await listener.sync().then(
            () => expect.fail("expected ReorgTooDeepError"),
            (e: unknown) => e,
          );
          expect(error).to.be.instanceOf(ReorgTooDeepError);
          expect(await listener.checkpoint("transfers")).to.deep.equal(checkpoint);
          expect(await h.ledger.balance(receiver)).to.equal(2n);
        });

        it("stops with UndoUnsupportedError, changing nothing, when a reorg removes an event of a subscription without undo", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const withoutUndo = {
            ...h.ledger.subscription("transfers", chain.address, chain.deployBlock),
            undo: undefined,
          };
          const listener = await h.listener(chain.reader, { subscriptions: [withoutUndo] });
          const receiver = Wallet.createRandom().address;
          await chain.mint(receiver, 6n);
          await listener.sync();
          const checkpoint = await listener.checkpoint("transfers");

          await anvil.rpc("anvil_reorg", [2, []]);
          const error = await listener.sync().then(
            () => expect.fail("expected UndoUnsupportedError"),
            (e: unknown) => e,
          );
          expect(error).to.be.instanceOf(UndoUnsupportedError);
          expect(await listener.checkpoint("transfers")).to.deep.equal(checkpoint);
          expect(await h.ledger.balance(receiver)).to.equal(6n);
          expect(await h.handledCount()).to.equal(1);
        });
      });

      describe("nodes that are behind", function () {
        it("waits for a node behind its checkpoint (after a failover) instead of taking it for a reorg", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const receiver = Wallet.createRandom().address;
          const minted = await chain.mint(receiver, 8n);
          await anvil.rpc("anvil_mine", ["0x5"]);
          // The same chain, 3 blocks behind: a fork of the node at an earlier height.
          const behind = await startAnvil({
            extraArgs: ["--fork-url", anvil.url, "--fork-block-number", String(minted.blockNumber + 2)],
          });
          cleanups.push(() => behind.stop());
          let current: ChainReader = chain.reader;
          const failover: ChainReader = {
            getBlockNumber: () => current.getBlockNumber(),
            getBlock: (block) => current.getBlock(block),
            getLogs: (filter) => current.getLogs(filter),
          };
          const listener = await h.listener(failover);
          await listener.sync();
          const checkpoint = await listener.checkpoint("transfers");

          current = chainReader(behind.url);
          await listener.sync();
          expect(await listener.checkpoint("transfers")).to.deep.equal(checkpoint);
          expect(await h.ledger.balance(receiver)).to.equal(8n);

          current = chain.reader;
          await chain.mint(receiver, 1n);
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(9n);
          expect((await h.ledger.effects()).map((e) => e.kind)).to.deep.equal(["apply", "apply"]);
        });
      });

      describe("failing handlers", function () {
        it("does not advance the checkpoint past a handler that throws; the event is redelivered and takes effect once", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader);
          const receiver = Wallet.createRandom().address;
          await listener.sync();
          const checkpoint = await listener.checkpoint("transfers");
          await chain.mint(receiver, 3n);
          await chain.mint(receiver, 4n);

          h.ledger.failNext = 1;
          await listener.sync().then(
            () => expect.fail("the handler's error must surface"),
            (error: Error) => expect(error.message).to.equal("handler failed"),
          );
          expect(await listener.checkpoint("transfers")).to.deep.equal(checkpoint);
          expect(await h.ledger.balance(receiver)).to.equal(0n);
          expect(await h.handledCount()).to.equal(0);

          await listener.sync();
          await listener.sync();
          expect(await h.ledger.balance(receiver)).to.equal(7n);
          expect((await h.ledger.effects()).map((e) => e.kind)).to.deep.equal(["apply", "apply"]);
        });
      });

      describe("lag", function () {
        it("reports how far it is behind, which /ready turns into not ready beyond a bound", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader);
          await listener.sync();
          await anvil.rpc("anvil_mine", ["0xa"]);
          const check = listenerCheck(listener, 5);
          expect(await listener.lags()).to.deep.equal([{ subscription: "transfers", blocks: 10 }]);
          expect(await check()).to.deep.equal({ ok: false, detail: "transfers 10 blocks behind" });
          await listener.sync();
          expect(await check()).to.deep.equal({ ok: true });
        });

        it("exports its lag as the ledgerlink_listener_lag_blocks gauge", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader);
          const metrics = new ServiceMetrics("listener-test", { defaultMetrics: false });
          metrics.bindListener(listener);
          await listener.sync();
          await anvil.rpc("anvil_mine", ["0x4"]);
          expect(await metrics.registry.metrics()).to.include(
            'ledgerlink_listener_lag_blocks{subscription="transfers",service="listener-test"} 4',
          );
        });
      });

      describe("running in the background", function () {
        it("hears new events while started, retries a failing handler with backoff and stops cleanly", async function () {
          const chain = await freshToken();
          const h = await harness(chain);
          const listener = await h.listener(chain.reader, { pollIntervalMs: 20, retry: { initialMs: 10, maxMs: 50 } });
          const receiver = Wallet.createRandom().address;
          h.ledger.failNext = 2;
          listener.start();
          cleanups.push(() => listener.stop());
          await chain.mint(receiver, 11n);
          await chain.mint(receiver, 12n);
          for (let i = 0; i < 400 && (await h.ledger.balance(receiver)) !== 23n; i++) {
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          await listener.stop();
          expect(await h.ledger.balance(receiver)).to.equal(23n);
          expect((await h.ledger.effects()).map((e) => e.kind)).to.deep.equal(["apply", "apply"]);
          expect(h.ledger.failNext).to.equal(0);
        });
      });
    });

    describe("on the in-process Hardhat node", function () {
      let server: { close(): Promise<void> };
      let url: string;
      let proxy: RangeLimitedProxy | undefined;

      before(async function () {
        const node = await hre.network.createServer("hardhat", "127.0.0.1", 0);
        const { port } = await node.listen();
        server = node;
        url = `http://127.0.0.1:${port}`;
      });

      after(async function () {
        await server?.close();
      });

      afterEach(async function () {
        await proxy?.close();
        proxy = undefined;
      });

      // `hardhat_mine` makes its blocks in one go with a zero parent hash (except the last), which the
      // listener's linking of near-head blocks rightly refuses; the last blocks are mined one by one, so
      // the blocks within `REORG_WINDOW` of the head form a real chain as on any node.
      const REORG_WINDOW = 16;
      async function mine(blocks: number): Promise<void> {
        const provider = testProvider(url);
        const linked = Math.min(blocks, REORG_WINDOW + 4);
        if (blocks > linked) await provider.send("hardhat_mine", [`0x${(blocks - linked).toString(16)}`]);
        for (let i = 0; i < linked; i++) await provider.send("evm_mine", []);
      }

      it("restarts a listener idle for many blocks from its checkpoint, not from its start block", async function () {
        const chain = await deployToken(url, ANVIL_KEYS[1]);
        const h = await harness(chain);
        const receiver = Wallet.createRandom().address;
        await chain.mint(receiver, 1n);
        const first = await h.listener(chain.reader, { reorgWindow: REORG_WINDOW });
        await first.sync();
        const checkpoint = (await first.checkpoint("transfers"))!;

        await mine(2000);
        await chain.mint(receiver, 2n);
        proxy = await startRangeLimitedProxy(url, 1_000_000);
        const restarted = await h.listener(chainReader(proxy.url), { reorgWindow: REORG_WINDOW });
        await restarted.sync();

        expect(proxy.logQueries[0]!.fromBlock).to.equal(checkpoint.number + 1);
        expect(proxy.logQueries.every((query) => query.fromBlock > chain.deployBlock)).to.equal(true);
        expect(await h.ledger.balance(receiver)).to.equal(3n);
        expect((await h.ledger.effects()).map((e) => e.kind)).to.deep.equal(["apply", "apply"]);
      });

      it("backfills a new listener from the deployment block in pages that shrink when refused and grow on success", async function () {
        await mine(300);
        const chain = await deployToken(url, ANVIL_KEYS[2]);
        const receiver = Wallet.createRandom().address;
        let expected = 0n;
        for (let i = 1n; i <= 5n; i++) {
          await chain.mint(receiver, i);
          expected += i;
          await mine(150);
        }
        const h = await harness(chain);
        proxy = await startRangeLimitedProxy(url, 100);
        const listener = await h.listener(chainReader(proxy.url), {
          pageSize: { min: 1, initial: 400, max: 2000 },
          reorgWindow: REORG_WINDOW,
        });
        await listener.sync();

        expect(await h.ledger.balance(receiver)).to.equal(expected);
        expect(await h.handledCount()).to.equal(5);
        const queries = proxy.logQueries;
        expect(queries[0]!.fromBlock).to.equal(chain.deployBlock);
        expect(queries.filter((q) => q.refused)).to.not.be.empty;
        const span = (q: { fromBlock: number; toBlock: number }) => q.toBlock - q.fromBlock + 1;
        const grewAfterSuccess = queries.some(
          (q, i) => i > 0 && !queries[i - 1]!.refused && span(q) > span(queries[i - 1]!),
        );
        expect(grewAfterSuccess).to.equal(true);
        // Blocks after a refusal are read by later pages: nothing between the deployment and the head is skipped.
        const accepted = queries.filter((q) => !q.refused).sort((a, b) => a.fromBlock - b.fromBlock);
        for (let i = 1; i < accepted.length; i++) expect(accepted[i]!.fromBlock).to.equal(accepted[i - 1]!.toBlock + 1);
      });
    });
  });
}
