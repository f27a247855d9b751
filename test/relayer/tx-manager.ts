import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";

import { IdempotencyConflictError, InvalidTxRequestError, TxRejectedError } from "../../relayer/core/tx/errors.js";
import { TxStatus } from "../../relayer/core/tx/types.js";
import type { SettlementToken } from "../../typechain-types/index.js";
import { ANVIL_KEYS } from "./helpers/anvil.js";
import { type HardhatNode, startHardhatNode } from "./helpers/hardhat-node.js";
import { type RpcProxy, startRpcProxy } from "./helpers/rpc-proxy.js";
import { newTestDatabase, STORE_KINDS, type TestDatabase } from "./helpers/stores.js";
import {
  deployToken,
  type ManagerHarness,
  minedNonces,
  openManager,
  removeDir,
  runUntilFinal,
} from "./helpers/tx-fixtures.js";

const ISSUER_KEY = ANVIL_KEYS[1];
const issuer = new Wallet(ISSUER_KEY).address;
const alice = new Wallet(ANVIL_KEYS[2]).address;

for (const kind of STORE_KINDS) {
  describe(`TxManager on the in-process Hardhat node (${kind} store)`, function () {
    this.timeout(60_000);

    let node: HardhatNode;
    let token: SettlementToken;
    let closeToken: () => void;
    let tokenAddress: string;
    const harnesses: ManagerHarness[] = [];
    const proxies: RpcProxy[] = [];

    const mint = (amount: bigint) => token.interface.encodeFunctionData("mint", [alice, amount]);
    const transfer = (amount: bigint) => token.interface.encodeFunctionData("transfer", [alice, amount]);

    const databases: TestDatabase[] = [];

    /** A manager on a fresh database, or on `restartOf`'s database to model a restart of that process. */
    async function open(urls = [node.url], restartOf?: ManagerHarness): Promise<ManagerHarness> {
      let h: ManagerHarness;
      if (kind === "sqlite") {
        h = await openManager(urls, ISSUER_KEY, restartOf ? { file: restartOf.file } : {});
      } else {
        let database = restartOf?.database;
        if (database === undefined) {
          database = await newTestDatabase("postgres", "txm");
          databases.push(database);
        }
        h = await openManager(urls, ISSUER_KEY, { database });
      }
      harnesses.push(h);
      return h;
    }

    beforeEach(async function () {
      node = await startHardhatNode();
      const deployed = await deployToken(node.url, ISSUER_KEY);
      token = deployed.token;
      closeToken = deployed.close;
      tokenAddress = await token.getAddress();
    });

    afterEach(async function () {
      for (const h of harnesses.splice(0)) {
        await h.close().catch(() => {});
        await removeDir(h.dir);
      }
      for (const d of databases.splice(0)) await d.destroy();
      for (const p of proxies.splice(0)) await p.kill();
      closeToken();
      await node.close();
    });

    describe("idempotency keys", function () {
      it("returns the same request for the same key and the same request", async function () {
        const h = await open();
        const first = await h.manager.submit({ tenant: "hk", idempotencyKey: "k1", to: tokenAddress, data: mint(5n) });
        const again = await h.manager.submit({ tenant: "hk", idempotencyKey: "k1", to: tokenAddress, data: mint(5n) });
        expect(first.created).to.equal(true);
        expect(again.created).to.equal(false);
        expect(again.record.id).to.equal(first.record.id);
      });

      it("refuses the same key with a different request and stores nothing new", async function () {
        const h = await open();
        const first = await h.manager.submit({ tenant: "hk", idempotencyKey: "k1", to: tokenAddress, data: mint(5n) });
        let caught: unknown;
        await h.manager
          .submit({ tenant: "hk", idempotencyKey: "k1", to: tokenAddress, data: mint(6n) })
          .catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(IdempotencyConflictError);
        expect((await h.manager.getByKey("hk", "k1"))?.id).to.equal(first.record.id);
        expect((await h.manager.get(first.record.id)).data).to.equal(mint(5n).toLowerCase());
      });

      it("answers a repeated key with the request's current state while it is in flight", async function () {
        const h = await open();
        const { record } = await h.manager.submit({
          tenant: "hk",
          idempotencyKey: "k1",
          to: tokenAddress,
          data: mint(5n),
        });
        await h.loop.signQueued();
        const replay = await h.manager.submit({ tenant: "hk", idempotencyKey: "k1", to: tokenAddress, data: mint(5n) });
        expect(replay.record).to.deep.include({ id: record.id, status: TxStatus.Signed });
        expect(replay.record.hashes).to.have.length(1);
      });

      it("scopes keys per tenant: two tenants may use the same key", async function () {
        const h = await open();
        const a = await h.manager.submit({ tenant: "hk", idempotencyKey: "k1", to: tokenAddress, data: mint(5n) });
        const b = await h.manager.submit({ tenant: "ph", idempotencyKey: "k1", to: tokenAddress, data: mint(7n) });
        expect(b.created).to.equal(true);
        expect(b.record.id).to.not.equal(a.record.id);
      });
    });

    describe("simulation before signing", function () {
      it("refuses a call that would revert with the decoded custom error, and uses no nonce", async function () {
        const h = await open();
        const before = await h.chain.getTransactionCount(issuer, "pending");
        let caught: unknown;
        await h.manager
          .submit({ tenant: "hk", idempotencyKey: "broke", to: tokenAddress, data: transfer(1n) })
          .catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(TxRejectedError);
        const record = (caught as TxRejectedError).record;
        expect(record.status).to.equal(TxStatus.Rejected);
        expect(record.error?.revert?.name).to.equal("ERC20InsufficientBalance");
        expect(record.error?.revert?.args).to.deep.equal([issuer, "0", "1"]);
        await h.loop.runOnce();
        expect(await h.chain.getTransactionCount(issuer, "pending")).to.equal(before);
        expect((await h.manager.get(record.id)).hashes).to.deep.equal([]);
      });

      it("answers a repeated rejected request with the same refusal", async function () {
        const h = await open();
        const submit = () =>
          h.manager
            .submit({ tenant: "hk", idempotencyKey: "broke", to: tokenAddress, data: transfer(1n) })
            .catch((e: unknown) => e);
        const first = (await submit()) as TxRejectedError;
        const second = (await submit()) as TxRejectedError;
        expect(second).to.be.instanceOf(TxRejectedError);
        expect(second.record.id).to.equal(first.record.id);
      });

      it("refuses a malformed request before anything is stored", async function () {
        const h = await open();
        let caught: unknown;
        await h.manager
          .submit({ tenant: "hk", idempotencyKey: "bad", to: "0x1234", data: "0x" })
          .catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(InvalidTxRequestError);
        expect(await h.manager.getByKey("hk", "bad")).to.equal(undefined);
      });
    });

    describe("statuses", function () {
      it("goes queued → signed → submitted → mined → confirmed, with the receipt as proof and the history kept", async function () {
        const h = await open();
        const { record } = await h.manager.submit({
          tenant: "hk",
          idempotencyKey: "m1",
          to: tokenAddress,
          data: mint(100n),
        });
        const [final] = await runUntilFinal(h, [record.id]);
        expect(final!.status).to.equal(TxStatus.Confirmed);
        const receipt = await h.chain.getTransactionReceipt(final!.minedHash!);
        expect(receipt?.status).to.equal(1);
        expect(receipt?.blockHash).to.equal(final!.blockHash);
        const history = (await h.manager.history(record.id)).map((e) => e.status);
        expect(history).to.deep.equal([
          TxStatus.Queued,
          TxStatus.Signed,
          TxStatus.Submitted,
          TxStatus.Mined,
          TxStatus.Confirmed,
        ]);
        expect(await token.balanceOf(alice)).to.equal(100n);
      });

      it("keeps many requests in flight on one key, with contiguous nonces", async function () {
        const h = await open();
        const ids: string[] = [];
        for (let i = 0; i < 12; i++) {
          ids.push(
            (await h.manager.submit({ tenant: "hk", idempotencyKey: `many-${i}`, to: tokenAddress, data: mint(1n) }))
              .record.id,
          );
        }
        await h.loop.signQueued();
        const signed = await Promise.all(ids.map((id) => h.manager.get(id)));
        expect(signed.every((r) => r.status === TxStatus.Signed)).to.equal(true);
        const records = await runUntilFinal(h, ids);
        expect(records.every((r) => r.status === TxStatus.Confirmed)).to.equal(true);
        expect(await minedNonces(h.chain, issuer)).to.deep.equal(Array.from({ length: 13 }, (_, i) => i));
        expect(await token.balanceOf(alice)).to.equal(12n);
      });

      it("cancels a queued request at once, without using a nonce", async function () {
        const h = await open();
        const { record } = await h.manager.submit({
          tenant: "hk",
          idempotencyKey: "c1",
          to: tokenAddress,
          data: mint(1n),
        });
        const cancelled = await h.manager.cancel(record.id);
        expect(cancelled.status).to.equal(TxStatus.Cancelled);
        await h.loop.runOnce();
        expect((await h.manager.get(record.id)).hashes).to.deep.equal([]);
        expect(await h.chain.getTransactionCount(issuer, "latest")).to.equal(1);
      });

      it("expires a request still queued at its deadline, without using a nonce", async function () {
        const h = await open();
        const { record } = await h.manager.submit({
          tenant: "hk",
          idempotencyKey: "late",
          to: tokenAddress,
          data: mint(1n),
          expiresAt: Date.now() - 1,
        });
        await h.loop.runOnce();
        const expired = await h.manager.get(record.id);
        expect(expired.status).to.equal(TxStatus.Expired);
        expect(expired.hashes).to.deep.equal([]);
        expect(await h.chain.getTransactionCount(issuer, "pending")).to.equal(1);
      });

      it("never changes a final status: a late cancel leaves a confirmed request confirmed", async function () {
        const h = await open();
        const { record } = await h.manager.submit({
          tenant: "hk",
          idempotencyKey: "f1",
          to: tokenAddress,
          data: mint(1n),
        });
        await runUntilFinal(h, [record.id]);
        await h.manager.cancel(record.id);
        await h.loop.runOnce();
        expect((await h.manager.get(record.id)).status).to.equal(TxStatus.Confirmed);
      });
    });

    describe("metrics hooks", function () {
      it("reports queue depth, in-flight count, the store-vs-chain nonce gap and submit-to-mined time", async function () {
        const seen = { queue: [] as number[], inFlight: [] as number[], gap: [] as number[], mined: [] as number[] };
        let database: TestDatabase | undefined;
        if (kind === "postgres") databases.push((database = await newTestDatabase("postgres", "txm")));
        const h = await openManager([node.url], ISSUER_KEY, {
          ...(database !== undefined ? { database } : {}),
          metrics: {
            queueDepth: (n) => seen.queue.push(n),
            inFlight: (n) => seen.inFlight.push(n),
            nonceGap: (_signer, n) => seen.gap.push(n),
            submitToMined: (ms) => seen.mined.push(ms),
          },
        });
        harnesses.push(h);
        const { record } = await h.manager.submit({
          tenant: "hk",
          idempotencyKey: "m",
          to: tokenAddress,
          data: mint(1n),
        });
        await runUntilFinal(h, [record.id]);
        await h.loop.runOnce();
        expect(seen.mined).to.have.length(1);
        expect(seen.mined[0]).to.be.at.least(0);
        expect(seen.queue.at(-1)).to.equal(0);
        expect(seen.inFlight.at(-1)).to.equal(0);
        expect(seen.gap.at(-1), "store and chain agree once everything is mined").to.equal(0);
      });
    });

    describe("crashes and lost replies", function () {
      it("after a crash between nonce allocation and broadcast, sends the stored transaction once on restart", async function () {
        const first = await open();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          ids.push(
            (
              await first.manager.submit({
                tenant: "hk",
                idempotencyKey: `crash-${i}`,
                to: tokenAddress,
                data: mint(1n),
              })
            ).record.id,
          );
        }
        await first.loop.resync(
          await first.chain.getTransactionCount(issuer, "latest"),
          await first.chain.getTransactionCount(issuer, "pending"),
        );
        await first.loop.signQueued();
        const signedHashes = (await Promise.all(ids.map((id) => first.manager.get(id)))).map((r) => r.hashes);
        await first.store.close(); // the crash: nothing was broadcast
        expect(await first.chain.getTransactionCount(issuer, "pending")).to.equal(1);

        const second = await open([node.url], first);
        const records = await runUntilFinal(second, ids);
        records.forEach((r, i) => {
          expect(r.status).to.equal(TxStatus.Confirmed);
          expect(r.hashes).to.deep.equal(signedHashes[i]);
          expect(r.minedHash).to.equal(signedHashes[i]![0]);
        });
        expect(await minedNonces(second.chain, issuer)).to.deep.equal([0, 1, 2, 3]);
        expect(await token.balanceOf(alice)).to.equal(3n);
      });

      it("records a broadcast whose reply was lost as such, and resolves it by lookup without sending twice", async function () {
        const proxy = await startRpcProxy(node.url);
        proxies.push(proxy);
        const first = await open([proxy.url]);
        const { record } = await first.manager.submit({
          tenant: "hk",
          idempotencyKey: "lost",
          to: tokenAddress,
          data: mint(9n),
        });
        proxy.mode = { kind: "drop-reply", methods: ["eth_sendRawTransaction"] };
        await first.loop.runOnce();
        const lost = await first.manager.get(record.id);
        expect(lost.status).to.equal(TxStatus.SendUnknown);
        await first.store.close(); // and the process dies before it learns more

        proxy.mode = { kind: "forward" };
        const second = await open([proxy.url], first);
        const [final] = await runUntilFinal(second, [record.id]);
        expect(final!.status).to.equal(TxStatus.Confirmed);
        expect(final!.hashes).to.deep.equal(lost.hashes);
        expect(await minedNonces(second.chain, issuer)).to.deep.equal([0, 1]);
        expect(await token.balanceOf(alice)).to.equal(9n);
      });
    });

    describe("another sender on the same key", function () {
      it("resyncs with the chain and carries on above the nonces the other sender used", async function () {
        const h = await open();
        const other = new Wallet(
          ISSUER_KEY,
          new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 }),
        );
        const ids: string[] = [];
        for (let round = 0; round < 3; round++) {
          ids.push(
            (await h.manager.submit({ tenant: "hk", idempotencyKey: `mix-${round}`, to: tokenAddress, data: mint(1n) }))
              .record.id,
          );
          await runUntilFinal(h, ids);
          // The other process sends two transfers of its own with the same key, behind the manager's back.
          for (let i = 0; i < 2; i++) {
            const nonce = await h.chain.getTransactionCount(issuer, "pending");
            await (await other.sendTransaction({ to: alice, value: 1n, nonce })).wait();
          }
        }
        ids.push(
          (await h.manager.submit({ tenant: "hk", idempotencyKey: "mix-last", to: tokenAddress, data: mint(1n) }))
            .record.id,
        );
        const records = await runUntilFinal(h, ids);
        expect(records.every((r) => r.status === TxStatus.Confirmed)).to.equal(true);
        expect(await minedNonces(h.chain, issuer)).to.deep.equal(Array.from({ length: 11 }, (_, i) => i));
        expect(await token.balanceOf(alice)).to.equal(4n);
        (other.provider as JsonRpcProvider).destroy();
      });
    });
  });
}
