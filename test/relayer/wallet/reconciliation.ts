import { expect } from "chai";
import { JsonRpcProvider, Wallet, ZeroAddress, ZeroHash, encodeBytes32String, id as keccakText } from "ethers";

import { RemittanceSettlement__factory } from "../../../typechain-types/factories/remittance/RemittanceSettlement__factory.js";
import { TenantRegistry__factory } from "../../../typechain-types/factories/tenants/TenantRegistry__factory.js";
import { SettlementToken__factory } from "../../../typechain-types/factories/tokens/SettlementToken__factory.js";
import type { RemittanceSettlement, SettlementToken } from "../../../typechain-types/index.js";
import { ANVIL_KEYS, startAnvil, type Anvil } from "../helpers/anvil.js";
import {
  ADMIN_KEY,
  call,
  expectLedgerBalanced,
  fundedAccount,
  startWallet,
  tempDir,
  walletConfig,
  type RunningWallet,
} from "./helpers.js";

interface Report {
  reconciled: boolean;
  totals: Record<string, string>;
  chain?: { ledgerBalance?: string; expected: string; error?: string };
  differences: { check: string; expected: string; actual: string; difference: string }[];
}

const PAYMENT_OPERATOR = 1 << 1;

/**
 * A minimal platform on anvil: registry, a settlement token, the settlement contract, and the PH
 * wallet's tenant (its admin key is a ledger member) with a deposit in the settlement ledger.
 */
async function deployPlatform(url: string) {
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  const platform = new Wallet(ANVIL_KEYS[0], provider);
  const operatorKey = new Wallet(ANVIL_KEYS[1], provider);
  const registry = await new TenantRegistry__factory(platform).deploy(platform.address, 0, ZeroAddress);
  await registry.waitForDeployment();
  await (await registry.grantRole(await registry.OPERATOR_ROLE(), platform.address)).wait();
  const token: SettlementToken = await new SettlementToken__factory(platform).deploy(
    "Test PHP",
    "tPHP",
    "PHP",
    2,
    platform.address,
  );
  await token.waitForDeployment();
  const settlement: RemittanceSettlement = await new RemittanceSettlement__factory(platform).deploy(
    platform.address,
    platform.address,
    platform.address,
    await registry.getAddress(),
    ZeroAddress,
  );
  await settlement.waitForDeployment();
  const tenantId = encodeBytes32String("ph-wallet");
  await (
    await registry.onboard({
      tenantId,
      name: "PH Wallet",
      roles: PAYMENT_OPERATOR,
      jurisdiction: "0x5048",
      kybHash: keccakText("kyb/ph-wallet"),
      sponsor: ZeroHash,
      admin: operatorKey.address,
    })
  ).wait();
  await (await registry.approve(tenantId)).wait();
  await (await token.mint(operatorKey.address, 1_000_000n)).wait();
  const asOperator = settlement.connect(operatorKey);
  await (await token.connect(operatorKey).approve(await settlement.getAddress(), 1_000_000n)).wait();
  return {
    provider,
    settlement: await settlement.getAddress(),
    token: await token.getAddress(),
    async deposit(amount: bigint) {
      await (await asOperator.deposit(await token.getAddress(), amount)).wait();
    },
  };
}

describe("Wallet ledger: reconciliation against the chain", function () {
  this.timeout(90_000);
  let anvil: Anvil;
  let platform: Awaited<ReturnType<typeof deployPlatform>>;
  let temp: { dir: string; remove(): Promise<void> };
  let wallet: RunningWallet | undefined;

  before(async function () {
    anvil = await startAnvil();
    platform = await deployPlatform(anvil.url);
  });

  after(async function () {
    platform?.provider.destroy();
    await anvil?.stop();
  });

  beforeEach(async function () {
    temp = await tempDir("ll-wallet-recon-");
  });

  afterEach(async function () {
    if (wallet !== undefined) {
      await expectLedgerBalanced(wallet.service.store).finally(() => wallet!.service.stop("test over"));
      wallet = undefined;
    }
    await temp.remove();
  });

  const chainConfig = (rpcUrl: string) => ({
    rpcUrl,
    chainId: 31337,
    settlement: platform.settlement,
    tenantId: "ph-wallet",
    token: platform.token,
    timeoutMs: 3_000,
  });

  const report = async () =>
    (await call(wallet!.url, "GET", "/reconciliation", { key: wallet!.appKey })).body as Report;

  it("reconciles the settlement mirror with the operator's on-chain ledger balance, and names a difference", async function () {
    wallet = await startWallet(
      walletConfig(temp.dir, { name: "ph-wallet", currency: "PHP", chain: chainConfig(anvil.url) }),
    );
    await fundedAccount(wallet, "maria", "0");
    await platform.deposit(50_000n);
    const funded = await call(wallet.url, "POST", "/admin/settlement", {
      body: { direction: "deposit", amount: "50000" },
      headers: { "x-admin-key": ADMIN_KEY, "idempotency-key": "chain-deposit-1" },
    });
    expect(funded.status).to.equal(201);
    let r = await report();
    expect(r.chain).to.include({ ledgerBalance: "50000", expected: "50000" });
    expect(r.reconciled, JSON.stringify(r.differences)).to.equal(true);

    // A payout credited in the wallet that the chain has not settled yet shows as a named difference.
    const paid = await call(wallet.url, "POST", "/payouts", {
      key: wallet.operatorKey,
      body: { remittanceId: "0xabc", recipientRef: "maria", amount: "1200" },
    });
    expect(paid.status).to.equal(201);
    r = await report();
    expect(r.reconciled).to.equal(false);
    expect(r.totals).to.include({ settlementMirror: "51200", payoutsCredited: "1200" });
    expect(r.differences).to.deep.equal([
      {
        check: "on-chain ledger balance equals the settlement mirror less amounts locked on chain",
        expected: "51200",
        actual: "50000",
        difference: "-1200",
      },
    ]);

    // The chain catches up (here: the same amount credited to the operator's ledger) and the break closes.
    await platform.deposit(1_200n);
    r = await report();
    expect(r.reconciled, JSON.stringify(r.differences)).to.equal(true);
  });

  it("reports an unreachable node as not reconciled, with the reason, within its timeout", async function () {
    wallet = await startWallet(
      walletConfig(temp.dir, { name: "ph-wallet", currency: "PHP", chain: chainConfig("http://127.0.0.1:9") }),
    );
    const r = await report();
    expect(r.reconciled).to.equal(false);
    expect(r.chain?.error).to.be.a("string");
    expect(r.differences.map((d) => d.check)).to.deep.equal(["on-chain ledger balance readable"]);
  });
});
