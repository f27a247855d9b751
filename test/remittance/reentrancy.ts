import { expect } from "chai";
import { network } from "hardhat";

import { deployRemittanceWorld, Funding, hkd, HK, send, sendParams } from "../helpers/remittance.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/**
 * While the settlement contract waits on a token (a deposit's or a pulled remittance's `transferFrom`),
 * nothing may re-enter it: `initiate*` keeps counters in a write-back cache until it returns, so a
 * settlement or a ledger read in between would see, or overwrite, stale balances.
 */
describe("RemittanceSettlement", function () {
  async function withReentrantCorridor() {
    const w = await deployRemittanceWorld(ethers);
    const token = await ethers.deployContract("RemitReentrantToken");
    const corridorId = ethers.encodeBytes32String("RNT-PHP");
    await w.remittance
      .connect(w.operator)
      .openCorridor(corridorId, { ...w.corridor, sourceToken: await token.getAddress() });
    await token.mint(w.hkOps.address, hkd(100_000));
    await token.connect(w.hkOps).approve(await w.remittance.getAddress(), ethers.MaxUint256);
    const pending = (await send(w)).record;
    return { ...w, token, corridorId, pending };
  }

  type World = Awaited<ReturnType<typeof withReentrantCorridor>>;
  const reentrantCall = (w: World) => w.remittance.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []);

  describe("reentrancy", function () {
    for (const [name, call] of [
      [
        "confirmPayout",
        (w: World) => w.remittance.interface.encodeFunctionData("confirmPayout", [w.pending, ethers.ZeroHash]),
      ],
      ["reject", (w: World) => w.remittance.interface.encodeFunctionData("reject", [w.pending, 1])],
      [
        "balanceOf",
        (w: World) => w.remittance.interface.encodeFunctionData("balanceOf", [HK, w.corridor.sourceToken as string]),
      ],
    ] as const) {
      it(`refuses ${name} from inside a pulled remittance's transferFrom`, async function () {
        const w = await loadFixture(withReentrantCorridor);
        await w.token.setHook(await w.remittance.getAddress(), call(w));
        const params = await sendParams(w, { corridorId: w.corridorId, funding: Funding.Pull });
        await w.remittance.connect(w.hkOps).initiate(params);
        expect(await w.token.hookCalled()).to.equal(true);
        expect(await w.token.hookSucceeded()).to.equal(false);
        expect(await w.token.hookResult()).to.equal(reentrantCall(w));
      });
    }

    it("refuses an initiation from inside a deposit's transferFrom", async function () {
      const w = await loadFixture(withReentrantCorridor);
      const params = await sendParams(w);
      await w.token.setHook(
        await w.remittance.getAddress(),
        w.remittance.interface.encodeFunctionData("initiate", [params]),
      );
      await w.remittance.connect(w.hkOps).deposit(await w.token.getAddress(), hkd(10));
      expect(await w.token.hookSucceeded()).to.equal(false);
      expect(await w.token.hookResult()).to.equal(reentrantCall(w));
    });
  });
});
