import { expect } from "chai";
import { Wallet } from "ethers";

import { Eip1559Policy, ZeroGasPolicy } from "../../relayer/core/tx/fee-policy.js";
import type { TxManagerOptions } from "../../relayer/core/tx/tx-context.js";
import { TxStatus } from "../../relayer/core/tx/types.js";
import type { SettlementToken } from "../../typechain-types/index.js";
import { type Anvil, ANVIL_KEYS, type AnvilOptions, startAnvil } from "./helpers/anvil.js";
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
const GWEI = 1_000_000_000n;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TxManager on anvil (pool faults, fees, replacement)", function () {
  this.timeout(60_000);

  let anvil: Anvil | undefined;
  let token: SettlementToken;
  let closeToken: (() => void) | undefined;
  const harnesses: ManagerHarness[] = [];

  /** anvil with automine for the deployment, then switched to mining only on request. */
  async function setup(options: AnvilOptions = {}, manager: Partial<TxManagerOptions> = {}): Promise<ManagerHarness> {
    anvil = await startAnvil(options);
    const deployed = await deployToken(anvil.url, ISSUER_KEY);
    token = deployed.token;
    closeToken = deployed.close;
    await anvil.rpc("evm_setAutomine", [false]);
    const h = await openManager([anvil.url], ISSUER_KEY, { resendAfterMs: 50, stuckAfterMs: 60_000, ...manager });
    harnesses.push(h);
    return h;
  }

  const mine = async () => {
    await anvil!.rpc("anvil_mine", ["0x1"]);
  };
  const mint = (amount: bigint) => token.interface.encodeFunctionData("mint", [alice, amount]);
  const submit = async (h: ManagerHarness, key: string, amount = 1n) =>
    (await h.manager.submit({ tenant: "hk", idempotencyKey: key, to: await token.getAddress(), data: mint(amount) }))
      .record.id;

  afterEach(async function () {
    for (const h of harnesses.splice(0)) {
      await h.close().catch(() => {});
      await removeDir(h.dir);
    }
    closeToken?.();
    closeToken = undefined;
    await anvil?.stop();
    anvil = undefined;
  });

  describe("a transaction missing from the pool", function () {
    it("is re-broadcast as it was signed, and mined once", async function () {
      const h = await setup();
      const id = await submit(h, "drop");
      await h.loop.runOnce();
      const [hash] = (await h.manager.get(id)).hashes;
      await anvil!.rpc("anvil_dropTransaction", [hash]);
      expect(await h.chain.getTransaction(hash!)).to.equal(null);
      await pause(60);
      await h.loop.runOnce();
      expect(await h.chain.getTransaction(hash!)).to.not.equal(null);
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final).to.deep.include({ status: TxStatus.Confirmed, minedHash: hash });
      expect(final!.hashes).to.deep.equal([hash]);
      expect(await token.balanceOf(alice)).to.equal(1n);
    });

    it("on a free-gas network is re-broadcast at price zero, never re-priced", async function () {
      const h = await setup(
        { extraArgs: ["--base-fee", "0", "--gas-price", "0"] },
        { feePolicy: new ZeroGasPolicy(), stuckAfterMs: 100 },
      );
      const id = await submit(h, "free");
      await h.loop.runOnce();
      const [hash] = (await h.manager.get(id)).hashes;
      await anvil!.rpc("anvil_dropTransaction", [hash]);
      await pause(120); // past both the re-check and the stuck delay
      await h.loop.runOnce();
      await h.loop.runOnce();
      expect(await h.chain.getTransaction(hash!)).to.not.equal(null);
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final!.status).to.equal(TxStatus.Confirmed);
      expect(final!.hashes, "one signed transaction, re-broadcast as it was").to.deep.equal([hash]);
      const receipt = await h.chain.getTransactionReceipt(hash!);
      expect(receipt?.effectiveGasPrice).to.equal(0n);
    });
  });

  describe("fees", function () {
    it("replaces a transaction left underpriced by a base-fee rise with higher fees, and only one is mined", async function () {
      const h = await setup(
        {},
        { stuckAfterMs: 100, feePolicy: new Eip1559Policy({ maxFeeCap: 1000n * GWEI, priorityFee: GWEI }) },
      );
      const id = await submit(h, "stuck");
      await h.loop.runOnce();
      const [first] = (await h.manager.get(id)).hashes;
      await anvil!.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + (100n * GWEI).toString(16)]);
      await mine();
      expect(await h.chain.getTransactionReceipt(first!)).to.equal(null);
      await pause(120);
      await h.loop.runOnce();
      const replaced = await h.manager.get(id);
      expect(replaced.hashes).to.have.length(2);
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final).to.deep.include({ status: TxStatus.Confirmed, minedHash: replaced.hashes[1] });
      expect(await minedNonces(h.chain, issuer)).to.deep.equal([0, 1]);
      expect(await token.balanceOf(alice)).to.equal(1n);
    });

    it("never pays above the cap: a stuck transaction at the cap is re-broadcast, not re-priced", async function () {
      const h = await setup(
        {},
        { stuckAfterMs: 100, feePolicy: new Eip1559Policy({ maxFeeCap: 3n * GWEI, priorityFee: GWEI }) },
      );
      const id = await submit(h, "capped");
      await h.loop.runOnce();
      await anvil!.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + (100n * GWEI).toString(16)]);
      await mine();
      await pause(120);
      await h.loop.runOnce();
      const record = await h.manager.get(id);
      expect(record.hashes).to.have.length(1);
      expect(record.status).to.equal(TxStatus.Submitted);
    });
  });

  describe("cancel and replace", function () {
    it("replaces an in-flight transaction with a no-op self-transfer at its nonce and ends cancelled", async function () {
      const h = await setup();
      const id = await submit(h, "cancel-me", 50n);
      await h.loop.runOnce();
      expect((await h.manager.get(id)).status).to.equal(TxStatus.Submitted);
      await h.manager.cancel(id);
      await h.loop.runOnce();
      const record = await h.manager.get(id);
      expect(record.hashes).to.have.length(2);
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final).to.deep.include({ status: TxStatus.Cancelled, minedHash: record.hashes[1] });
      const receipt = await h.chain.getTransactionReceipt(record.hashes[1]!);
      expect(receipt?.to?.toLowerCase()).to.equal(issuer.toLowerCase());
      expect(await token.balanceOf(alice)).to.equal(0n);
      expect(await minedNonces(h.chain, issuer)).to.deep.equal([0, 1]);
    });
  });

  describe("nonce resync with another sender's pool transactions", function () {
    it("fills the gap a dropped foreign transaction leaves under ours with a no-op, so ours is mined", async function () {
      const h = await setup();
      const other = new Wallet(ISSUER_KEY);
      const foreign = await other.signTransaction({
        chainId: 31337n,
        nonce: 1,
        to: alice,
        value: 1n,
        gasLimit: 21_000n,
        type: 2,
        maxFeePerGas: 10n * GWEI,
        maxPriorityFeePerGas: GWEI,
      });
      const foreignHash = await h.chain.sendRawTransaction(foreign);
      const id = await submit(h, "above-foreign");
      await h.loop.runOnce(); // resync: the floor rises above the foreign nonce; ours takes nonce 2
      expect((await h.manager.get(id)).nonce).to.equal(2);
      await anvil!.rpc("anvil_dropTransaction", [foreignHash]);
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final!.status).to.equal(TxStatus.Confirmed);
      expect(await minedNonces(h.chain, issuer)).to.deep.equal([0, 1, 2]);
      const fills = await h.store.read((q) =>
        q.all<{ nonce: number; status: string; to_address: string }>(
          "SELECT nonce, status, to_address FROM tx_requests WHERE kind = 'fill'",
        ),
      );
      expect(fills).to.deep.equal([{ nonce: 1, status: TxStatus.Confirmed, to_address: issuer }]);
    });

    it("rewinds its floor when the foreign transaction it stepped over disappears before it sent anything", async function () {
      const h = await setup();
      const other = new Wallet(ISSUER_KEY);
      const foreign = await other.signTransaction({
        chainId: 31337n,
        nonce: 1,
        to: alice,
        value: 1n,
        gasLimit: 21_000n,
        type: 2,
        maxFeePerGas: 10n * GWEI,
        maxPriorityFeePerGas: GWEI,
      });
      const foreignHash = await h.chain.sendRawTransaction(foreign);
      await h.loop.runOnce(); // floor raised to 2
      await anvil!.rpc("anvil_dropTransaction", [foreignHash]);
      await h.loop.runOnce(); // floor rewound to 1
      const id = await submit(h, "after-rewind");
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final).to.deep.include({ status: TxStatus.Confirmed, nonce: 1 });
      expect(await minedNonces(h.chain, issuer)).to.deep.equal([0, 1]);
    });
  });

  describe("confirmations and reorgs", function () {
    it("sends a request whose block was reorged away back to submitted, re-broadcasts it and confirms it once", async function () {
      const h = await setup({}, { confirmations: 3 });
      const id = await submit(h, "reorged", 7n);
      await h.loop.runOnce();
      await mine();
      await h.loop.runOnce();
      const mined = await h.manager.get(id);
      expect(mined.status).to.equal(TxStatus.Mined);
      // Replace the block holding the transaction with an empty one: the receipt is gone.
      await anvil!.rpc("anvil_reorg", [1, []]);
      expect(await h.chain.getTransactionReceipt(mined.minedHash!)).to.equal(null);
      await pause(60);
      const [final] = await runUntilFinal(h, [id], { between: mine });
      expect(final!.status).to.equal(TxStatus.Confirmed);
      const history = (await h.manager.history(id)).map((e) => e.status);
      expect(history).to.deep.equal([
        TxStatus.Queued,
        TxStatus.Signed,
        TxStatus.Submitted,
        TxStatus.Mined,
        TxStatus.Submitted,
        TxStatus.Mined,
        TxStatus.Confirmed,
      ]);
      expect(await token.balanceOf(alice)).to.equal(7n);
      expect(await minedNonces(h.chain, issuer)).to.deep.equal([0, 1]);
    });
  });
});
