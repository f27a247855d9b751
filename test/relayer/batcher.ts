import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import hre from "hardhat";

import { Batcher, type BatchCodec, BatchItemStatus } from "../../relayer/core/tx/batcher.js";
import { TxStatus } from "../../relayer/core/tx/types.js";
import { RemittanceSettlement__factory } from "../../typechain-types/index.js";
import { type HardhatNode, startHardhatNode } from "./helpers/hardhat-node.js";
import { deployRemittanceWorld, type RemittanceWorld, sendParams, Status } from "../helpers/remittance.js";
import { type ManagerHarness, openManager, removeDir, revertDecoder } from "./helpers/tx-fixtures.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

describe("Batcher: items packed into the remittance contract's all-or-nothing batches", function () {
  this.timeout(120_000);

  let node: HardhatNode;
  let connection: Awaited<ReturnType<typeof hre.network.create>>;
  let w: RemittanceWorld;
  let h: ManagerHarness;
  let batcher: Batcher;

  beforeEach(async function () {
    node = await startHardhatNode();
    connection = await hre.network.create({ network: "localhost", override: { url: node.url } });
    w = await deployRemittanceWorld(connection.ethers);
    // hk-wallet's operator key: its relayer signs the batches.
    const index = [...Array(20).keys()].find(
      (i) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).address === w.hkOps.address,
    )!;
    const key = HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
    h = await openManager([node.url], key, { decodeRevert: revertDecoder(RemittanceSettlement__factory.abi) });
    const to = await w.remittance.getAddress();
    const codec: BatchCodec = {
      group: "initiate",
      to,
      maxItems: 10,
      encode: (payloads) =>
        w.remittance.interface.encodeFunctionData("initiateBatch", [payloads.map((p) => JSON.parse(p))]),
    };
    batcher = new Batcher(h.manager, [codec]);
  });

  afterEach(async function () {
    await h.close();
    await removeDir(h.dir);
    await connection.close();
    await node.close();
  });

  async function runUntilSettled(ids: string[]) {
    for (let pass = 0; pass < 100; pass++) {
      await batcher.runOnce();
      await h.loop.runOnce();
      const items = await Promise.all(ids.map((id) => batcher.get(id)));
      if (items.every((i) => i.status === BatchItemStatus.Succeeded || i.status === BatchItemStatus.Failed))
        return items;
    }
    throw new Error("batch items not settled after 100 passes");
  }

  it("packs the items handed in into one batch transaction", async function () {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await batcher.add({
            tenant: "hk",
            idempotencyKey: `i-${i}`,
            group: "initiate",
            payload: json(await sendParams(w)),
          })
        ).id,
      );
    }
    const items = await runUntilSettled(ids);
    expect(items.map((i) => i.status)).to.deep.equal(Array(3).fill(BatchItemStatus.Succeeded));
    const batchIds = new Set(items.map((i) => i.batchRequestId));
    expect(batchIds.size).to.equal(1);
    const batch = await h.manager.get([...batchIds][0]!);
    expect(batch.status).to.equal(TxStatus.Confirmed);
    const receipt = await h.chain.getTransactionReceipt(batch.minedHash!);
    const initiated = receipt!.logs
      .map((l) => w.remittance.interface.parseLog(l))
      .filter((e) => e?.name === "RemittanceInitiated");
    expect(initiated).to.have.length(3);
    for (const e of initiated) expect(await w.remittance.statusOf(e!.args.id)).to.equal(Status.Initiated);
  });

  it("fails a failing item alone with its decoded reason and sends the rest in one batch", async function () {
    const good = await sendParams(w);
    const ids = [
      (await batcher.add({ tenant: "hk", idempotencyKey: "a", group: "initiate", payload: json(good) })).id,
      // The same quote again: the contract refuses a quote used twice.
      (await batcher.add({ tenant: "hk", idempotencyKey: "b", group: "initiate", payload: json(good) })).id,
      (await batcher.add({ tenant: "hk", idempotencyKey: "c", group: "initiate", payload: json(await sendParams(w)) }))
        .id,
    ];
    const [a, b, c] = await runUntilSettled(ids);
    expect(b!.status).to.equal(BatchItemStatus.Failed);
    expect(b!.error?.revert?.name).to.equal("RemittanceQuoteAlreadyUsed");
    expect(a!.status).to.equal(BatchItemStatus.Succeeded);
    expect(c!.status).to.equal(BatchItemStatus.Succeeded);
    expect(a!.batchRequestId).to.equal(c!.batchRequestId);
    const batch = await h.manager.get(a!.batchRequestId!);
    const receipt = await h.chain.getTransactionReceipt(batch.minedHash!);
    const initiated = receipt!.logs
      .map((l) => w.remittance.interface.parseLog(l))
      .filter((e) => e?.name === "RemittanceInitiated");
    expect(initiated).to.have.length(2);
  });

  it("returns the same item for the same key, and refuses the key with another payload", async function () {
    const payload = json(await sendParams(w));
    const first = await batcher.add({ tenant: "hk", idempotencyKey: "k", group: "initiate", payload });
    const again = await batcher.add({ tenant: "hk", idempotencyKey: "k", group: "initiate", payload });
    expect(again.id).to.equal(first.id);
    let caught: unknown;
    await batcher
      .add({ tenant: "hk", idempotencyKey: "k", group: "initiate", payload: json(await sendParams(w)) })
      .catch((e: unknown) => (caught = e));
    expect((caught as { code?: string }).code).to.equal("IDEMPOTENCY_KEY_REUSED");
  });
});
