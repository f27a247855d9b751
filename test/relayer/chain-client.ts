import { expect } from "chai";
import { Wallet } from "ethers";

import { ChainClient } from "../../relayer/core/chain/chain-client.js";
import {
  classifyRpcError,
  NonceConsumedError,
  NonceGapError,
  RevertError,
  RpcError,
  TransportError,
  UnderpricedError,
} from "../../relayer/core/chain/errors.js";
import { TxStatus } from "../../relayer/core/tx/types.js";
import { type Anvil, ANVIL_KEYS, startAnvil } from "./helpers/anvil.js";
import { type RpcProxy, startRpcProxy } from "./helpers/rpc-proxy.js";
import { deployToken, minedNonces, openManager, removeDir, runUntilFinal } from "./helpers/tx-fixtures.js";

const FAST_RETRY = { initialDelayMs: 10, factor: 2, maxDelayMs: 50, maxAttempts: 3 };

describe("ChainClient", function () {
  this.timeout(60_000);

  describe("error classification", function () {
    const cases: Array<[string, { code?: number; message: string; data?: unknown }, unknown]> = [
      ["geth nonce too low", { code: -32000, message: "nonce too low" }, NonceConsumedError],
      ["geth already known", { code: -32000, message: "already known" }, NonceConsumedError],
      ["anvil already imported", { code: -32003, message: "transaction already imported" }, NonceConsumedError],
      [
        "Hardhat nonce too high",
        { code: -32000, message: "Nonce too high. Expected nonce to be 3 but got 5." },
        NonceGapError,
      ],
      [
        "geth replacement underpriced",
        { code: -32000, message: "replacement transaction underpriced" },
        UnderpricedError,
      ],
      [
        "Besu below minimum",
        { code: -32009, message: "Gas price below configured minimum gas price" },
        UnderpricedError,
      ],
      ["anvil below base fee", { code: -32003, message: "max fee per gas less than block base fee" }, UnderpricedError],
      ["revert with data", { code: 3, message: "execution reverted", data: "0xe450d38c" }, RevertError],
      ["other", { code: -32601, message: "the method eth_foo does not exist" }, RpcError],
    ];
    for (const [name, error, kind] of cases) {
      it(`classifies "${name}" as ${(kind as { name: string }).name}`, function () {
        expect(classifyRpcError(error)).to.be.instanceOf(kind as new (...a: never[]) => unknown);
      });
    }

    it("keeps the revert data of a revert", function () {
      const error = classifyRpcError({ code: 3, message: "execution reverted", data: "0xe450d38c00" });
      expect((error as RevertError).data).to.equal("0xe450d38c00");
    });
  });

  describe("against nodes behind proxies", function () {
    let anvil: Anvil;
    let primary: RpcProxy;
    let secondary: RpcProxy;

    beforeEach(async function () {
      anvil = await startAnvil();
      primary = await startRpcProxy(anvil.url);
      secondary = await startRpcProxy(anvil.url);
    });

    afterEach(async function () {
      await primary.kill();
      await secondary.kill();
      await anvil.stop();
    });

    it("never reports a head below one already seen when the node it asks is behind", async function () {
      await anvil.rpc("anvil_mine", ["0xa"]);
      const chain = new ChainClient({ urls: [primary.url], retry: FAST_RETRY });
      expect(await chain.getBlockNumber()).to.equal(10);
      primary.mode = { kind: "lag", head: 3 };
      expect(await chain.getBlockNumber()).to.equal(10);
      expect(chain.highestSeenBlock).to.equal(10);
    });

    it("prefers a node at or above the seen head over a lagging primary, without counting the lag as a failure", async function () {
      await anvil.rpc("anvil_mine", ["0xa"]);
      const chain = new ChainClient({ urls: [primary.url, secondary.url], retry: FAST_RETRY });
      expect(await chain.getBlockNumber()).to.equal(10);
      primary.mode = { kind: "lag", head: 3 };
      await anvil.rpc("anvil_mine", ["0x2"]);
      expect(await chain.getBlockNumber()).to.equal(12);
      expect(chain.health()[0]).to.deep.include({ up: true, failures: 0, lastHead: 3 });
    });

    it("answers a log query only from a node whose head covers the range", async function () {
      await anvil.rpc("anvil_mine", ["0xa"]);
      primary.mode = { kind: "lag", head: 3 };
      const chain = new ChainClient({ urls: [primary.url, secondary.url], retry: FAST_RETRY });
      await chain.getLogs({ fromBlock: 0, toBlock: 10 });
      expect(primary.calls.get("eth_getLogs") ?? 0).to.equal(0);
      expect(secondary.calls.get("eth_getLogs")).to.equal(1);
    });

    it("does not count a revert against the node that reported it", async function () {
      const chain = new ChainClient({ urls: [primary.url, secondary.url], retry: FAST_RETRY });
      const { token, close } = await deployToken(anvil.url, ANVIL_KEYS[1]);
      try {
        const data = token.interface.encodeFunctionData("transfer", [new Wallet(ANVIL_KEYS[2]).address, 1n]);
        let caught: unknown;
        await chain
          .call({ from: new Wallet(ANVIL_KEYS[3]).address, to: await token.getAddress(), data })
          .catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(RevertError);
        expect(chain.health()[0]).to.deep.include({ up: true, failures: 0 });
        expect(secondary.calls.get("eth_call") ?? 0).to.equal(0);
      } finally {
        close();
      }
    });

    it("fails over to the secondary when the primary dies, and counts the failure against the primary", async function () {
      const chain = new ChainClient({ urls: [primary.url, secondary.url], retry: FAST_RETRY });
      await chain.getBlockNumber();
      await primary.kill();
      expect(await chain.getChainId()).to.equal(31337n);
      expect(chain.health()[0]!.failures).to.be.greaterThan(0);
      expect(chain.health()[1]).to.deep.include({ up: true, failures: 0 });
    });

    it("gives up with a TransportError after its bounded retries when every node is down", async function () {
      const chain = new ChainClient({ urls: [primary.url, secondary.url], retry: FAST_RETRY, timeoutMs: 500 });
      await primary.kill();
      await secondary.kill();
      let caught: unknown;
      await chain.getChainId().catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(TransportError);
    });

    it("lets the transaction manager carry on through the secondary when the primary URL dies mid-run", async function () {
      const key = ANVIL_KEYS[1];
      const { token, close } = await deployToken(anvil.url, key);
      const h = await openManager([primary.url, secondary.url], key);
      try {
        const mint = token.interface.encodeFunctionData("mint", [new Wallet(ANVIL_KEYS[2]).address, 1n]);
        const ids: string[] = [];
        const submit = async (i: number) =>
          ids.push(
            (
              await h.manager.submit({
                tenant: "hk",
                idempotencyKey: `fo-${i}`,
                to: await token.getAddress(),
                data: mint,
              })
            ).record.id,
          );
        for (let i = 0; i < 4; i++) await submit(i);
        await runUntilFinal(h, ids.slice());
        await primary.kill();
        for (let i = 4; i < 8; i++) await submit(i);
        const records = await runUntilFinal(h, ids);
        expect(records.every((r) => r.status === TxStatus.Confirmed)).to.equal(true);
        expect(secondary.calls.get("eth_sendRawTransaction")).to.equal(4);
        expect(await minedNonces(h.chain, new Wallet(key).address)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      } finally {
        await h.close();
        await removeDir(h.dir);
        close();
      }
    });
  });
});
