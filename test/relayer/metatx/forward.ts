import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";
import { formatEther, type Interface, keccak256, toUtf8Bytes, Wallet, ZeroAddress, ZeroHash } from "ethers";
import hre from "hardhat";

import { type ForwardRequestData } from "../../../client/eip712/forward-request.js";
import { signPermit } from "../../../client/eip712/permit.js";
import { signQuote } from "../../../client/eip712/quote.js";
import { HashFunction, RemittanceStatus } from "../../../client/enums.js";
import { RelayerRefusedError } from "../../../client/errors.js";
import { MetatxClient, prepareForwardRequest } from "../../../client/metatx.js";
import {
  buildInitiateParams,
  chainNow,
  recordsFromReceipt,
  type RemittanceRecord,
} from "../../../client/remittance.js";
import { Roles } from "../../../client/roles.js";
import { DEADLINE, openCorridor, priceQuote, QUOTE_VALIDITY, type CorridorSetup } from "../../../fixtures/corridor.js";
import { buildPlatform } from "../../../fixtures/platform.js";
import type { DemoWorld } from "../../../fixtures/world.js";
import { createApiKey } from "../../../relayer/core/kit/api-keys.js";
import { ConfigError } from "../../../relayer/core/kit/errors.js";
import { AllowList } from "../../../relayer/metatx/allow-list.js";
import { metatxConfigSchema, type MetatxConfig } from "../../../relayer/metatx/config.js";
import { MemberRateLimiter } from "../../../relayer/metatx/member-rate-limit.js";
import { createMetatxService, type MetatxService } from "../../../relayer/metatx/service.js";
import { PlatformForwarder__factory, TokenEscrow__factory } from "../../../typechain-types/index.js";

const run = promisify(execFile);
const ADMIN_KEY = "test-admin-key-0123456789";
const BUDGET = 10n ** 18n;
const GAS = 400_000n;

describe("meta-transaction relayer (real node, real HTTP)", function () {
  this.timeout(120_000);

  let server: { close(): Promise<void> };
  let connection: Awaited<ReturnType<typeof hre.network.create>>;
  let world: DemoWorld;
  let setup: CorridorSetup;
  let dir: string;
  let service: MetatxService;
  let client: MetatxClient;
  let relayerUrl: string;
  let nodeUrl: string;
  let config: MetatxConfig;
  const deploymentId = `metatx-test-${randomBytes(4).toString("hex")}`;
  const relayerKey = new Wallet(Wallet.createRandom().privateKey);
  // Members created here hold no native gas, ever.
  const buyerMember = new Wallet(Wallet.createRandom().privateKey);
  const phMember = new Wallet(Wallet.createRandom().privateKey);
  const sellerMember = new Wallet(Wallet.createRandom().privateKey);
  const stranger = new Wallet(Wallet.createRandom().privateKey);
  const escrow = () => TokenEscrow__factory.connect(world.addresses.escrow!, world.ethers.provider);

  before(async function () {
    const node = await hre.network.createServer("hardhat", "127.0.0.1", 0);
    const { port } = await node.listen();
    server = node;
    const url = `http://127.0.0.1:${port}`;
    nodeUrl = url;
    connection = await hre.network.create({ network: "localhost", override: { url } });
    // A deployment id of its own, so Ignition never resumes another run's journal on this fresh node.
    const ignition = (connection as unknown as { ignition: { deploy: (m: unknown, o?: object) => Promise<unknown> } })
      .ignition;
    const isolated = {
      ...connection,
      ignition: { deploy: (m: unknown, o: object = {}) => ignition.deploy(m, { ...o, deploymentId }) },
    };
    world = await buildPlatform(isolated as never, () => {});
    setup = await openCorridor(world);
    const { registry, actors, tenants } = world;
    await (
      await registry.connect(actors.buyer).inviteMember(tenants.buyer, buyerMember.address, Roles.merchant)
    ).wait();
    await (
      await registry.connect(actors.seller).inviteMember(tenants.seller, sellerMember.address, Roles.merchant)
    ).wait();
    await (
      await registry
        .connect(actors.phWallet)
        .inviteMember(tenants.phWallet, phMember.address, Roles["payment-operator"])
    ).wait();
    await (await world.hkd.connect(actors.issuer).mint(buyerMember.address, 1_000_000_00n)).wait();
    await (await actors.operator.sendTransaction({ to: relayerKey.address, value: 10n ** 19n })).wait();

    dir = await mkdtemp(path.join(tmpdir(), "metatx-"));
    config = metatxConfigSchema.parse({
      http: { port: 0 },
      store: { path: path.join(dir, "metatx.sqlite") },
      logLevel: "silent",
      chain: {
        rpcUrls: [url],
        chainId: 31337,
        fees: { kind: "eip1559", maxFeeCap: "100000000000", priorityFee: "1000000000" },
      },
      contracts: { forwarder: world.addresses.forwarder, registry: world.addresses.registry },
      allow: [
        { target: world.addresses.escrow, contract: "TokenEscrow", functions: ["openWithPermit", "open", "release"] },
        { target: world.addresses.remittance, contract: "RemittanceSettlement", functions: ["confirmPayout"] },
        { target: world.addresses.registry, contract: "TenantRegistry", functions: ["acceptMembership"] },
      ],
      settlePollMs: 50,
      txPollMs: 50,
    });
    service = await createMetatxService({ config, secrets: { wallet: relayerKey, adminKey: ADMIN_KEY } });
    relayerUrl = await service.listen({ host: "127.0.0.1", port: 0 });
    client = new MetatxClient({ url: relayerUrl, adminKey: ADMIN_KEY });
    for (const tenant of [tenants.buyer, tenants.phWallet, tenants.seller]) await client.setBudget(tenant, BUDGET);
    // Invited by their tenant's admin above, the members accept without gas, through the relayer.
    for (const [member, tenant] of [
      [buyerMember, tenants.buyer],
      [sellerMember, tenants.seller],
      [phMember, tenants.phWallet],
    ] as const) {
      const accept = registry.interface.encodeFunctionData("acceptMembership", [tenant]);
      const outcome = await client.forwardAndWait(await sign(member, world.addresses.registry!, accept));
      if (outcome.status !== "confirmed") throw new Error(`membership of ${member.address} not accepted`);
    }
  });

  after(async function () {
    await service?.stop();
    await connection?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  });

  const provider = () => world.ethers.provider;
  const sign = (member: Wallet, to: string, data: string, options: { gas?: bigint; validForSeconds?: bigint } = {}) =>
    prepareForwardRequest(member, provider(), {
      forwarder: world.addresses.forwarder!,
      to,
      data,
      gas: GAS,
      ...options,
    });

  async function terms(payer: string, amount = 10_000_00n) {
    const now = await chainNow(provider());
    return {
      payer,
      payee: world.actors.seller.address,
      arbiter: ZeroAddress,
      token: world.addresses.hkd!,
      amount,
      deadline: now + 14n * 86_400n,
      feeBps: await escrow().feeBps(),
      hashFunction: BigInt(HashFunction.indexOf("keccak256")),
      hashlock: ZeroHash,
      milestones: ZeroHash,
      ref: keccak256(toUtf8Bytes(`PO-${now}-${Math.random()}`)),
      salt: now,
    };
  }

  async function openData(member: Wallet, amount?: bigint) {
    const t = await terms(member.address, amount);
    const permit = await signPermit(world.hkd, member, world.addresses.escrow!, t.amount, t.deadline);
    const data = escrow().interface.encodeFunctionData("openWithPermit", [
      t,
      [],
      permit.deadline,
      permit.v,
      permit.r,
      permit.s,
    ]);
    return { terms: t, data };
  }

  /** The HK wallet (which holds gas) initiates a remittance to the PH wallet, quoted by the bank. */
  async function initiateRemittance(): Promise<RemittanceRecord> {
    const { actors, tenants } = world;
    const clientRef = keccak256(toUtf8Bytes(`metatx-test/${Date.now()}`));
    const quote = priceQuote(setup, {
      sendingTenant: tenants.hkWallet,
      clientRef,
      sourceAmount: 1_000_00n,
      expiry: (await chainNow(provider())) + QUOTE_VALIDITY,
    });
    const signed = await signQuote(actors.bank, setup.domain, quote, clientRef);
    const params = buildInitiateParams(signed, {
      recipientHash: keccak256(toUtf8Bytes("recipient")),
      complianceHash: keccak256(toUtf8Bytes("compliance")),
      deadline: (await chainNow(provider())) + DEADLINE,
    });
    const receipt = (await (await setup.remittance.connect(actors.hkWallet).initiate(params)).wait())!;
    const [record] = recordsFromReceipt(setup.remittance, receipt) as RemittanceRecord[];
    return record!;
  }

  /** What a refusal must leave untouched: the store, the relayer's chain nonce, the tenant's budget. */
  async function snapshot(tenant: string) {
    const counts = await service.store.read(async (q) => ({
      forwards: (await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM metatx_forwards"))!.n,
      txs: (await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM tx_requests"))!.n,
    }));
    return {
      ...counts,
      nonce: await provider().getTransactionCount(relayerKey.address, "pending"),
      budget: await client.showBudget(tenant),
    };
  }

  async function expectRefused(tenant: string, post: () => Promise<unknown>, code: string) {
    const before = await snapshot(tenant);
    let caught: unknown;
    try {
      await post();
    } catch (error) {
      caught = error;
    }
    expect(caught, `expected the relayer to refuse with ${code}`).to.be.instanceOf(RelayerRefusedError);
    expect((caught as RelayerRefusedError).relayerCode).to.equal(code);
    expect(await snapshot(tenant)).to.deep.equal(before);
    return caught as RelayerRefusedError;
  }

  async function expectCharged(tenant: string) {
    const rows = await service.store.read((q) =>
      q.all<{ tx_hash: string; charged: string; status: string }>(
        "SELECT tx_hash, charged, status FROM metatx_forwards WHERE tenant = ? AND status != 'pending'",
        [tenant],
      ),
    );
    let total = 0n;
    for (const row of rows) {
      if (row.tx_hash === null) {
        expect(row.charged).to.equal("0");
        continue;
      }
      const receipt = (await provider().getTransactionReceipt(row.tx_hash))!;
      expect(BigInt(row.charged)).to.equal(receipt.gasUsed * receipt.gasPrice);
      total += BigInt(row.charged);
    }
    const budget = await client.showBudget(tenant);
    expect(BigInt(budget.spent)).to.equal(total);
    expect(BigInt(budget.reserved) + BigInt(budget.spent) + BigInt(budget.available)).to.equal(BigInt(budget.funded));
    return total;
  }

  describe("a member holding zero native gas", function () {
    it("opens and releases an escrow through the relayer, charged exactly what the receipts cost", async function () {
      expect(await provider().getBalance(buyerMember.address)).to.equal(0n);
      const spentBefore = BigInt((await client.showBudget(world.tenants.buyer)).spent);
      const { terms: t, data } = await openData(buyerMember);
      const opened = await client.forwardAndWait(await sign(buyerMember, world.addresses.escrow!, data));
      expect(opened.status).to.equal("confirmed");
      const dealId = await escrow().dealId(t);
      expect((await escrow().getDeal(dealId)).status).to.equal(1n); // Funded, with the member as payer

      const release = escrow().interface.encodeFunctionData("release", [t]);
      const released = await client.forwardAndWait(await sign(buyerMember, world.addresses.escrow!, release));
      expect(released.status).to.equal("confirmed");
      expect((await escrow().getDeal(dealId)).status).to.equal(3n); // Released
      expect(await provider().getBalance(buyerMember.address)).to.equal(0n);

      const total = await expectCharged(world.tenants.buyer);
      expect(total - spentBefore).to.equal(BigInt(opened.charged!) + BigInt(released.charged!));
      expect(BigInt(opened.charged!) > 0n && BigInt(released.charged!) > 0n).to.equal(true);
      expect((await client.showBudget(world.tenants.buyer)).reserved).to.equal("0");
    });

    it("confirms a remittance through the relayer as the receiving operator's member", async function () {
      const record = await initiateRemittance();
      const data = setup.remittance.interface.encodeFunctionData("confirmPayout", [
        record,
        keccak256(toUtf8Bytes("payout-ref")),
      ]);
      expect(await provider().getBalance(phMember.address)).to.equal(0n);
      const outcome = await client.forwardAndWait(await sign(phMember, world.addresses.remittance!, data));
      expect(outcome.status).to.equal("confirmed");
      expect(await setup.remittance.statusOf(record.id)).to.equal(BigInt(RemittanceStatus.indexOf("PaidOut")));
      await expectCharged(world.tenants.phWallet);
    });
  });

  describe("refusals: a clear code, nothing stored, nothing sent, nothing charged", function () {
    it("refuses a replayed request", async function () {
      const { data } = await openData(buyerMember, 100n);
      const request = await sign(buyerMember, world.addresses.escrow!, data);
      const first = await client.forwardAndWait(request);
      expect(first.status).to.equal("confirmed");
      const refused = await expectRefused(world.tenants.buyer, () => client.forward(request), "forward_replayed");
      expect((refused.relayerDetails as { id: string }).id).to.equal(first.id);
    });

    it("refuses an expired request", async function () {
      const { data } = await openData(buyerMember, 100n);
      const request = await sign(buyerMember, world.addresses.escrow!, data, { validForSeconds: 0n });
      await expectRefused(world.tenants.buyer, () => client.forward(request), "request_expired");
    });

    it("refuses a tampered request", async function () {
      const { data } = await openData(buyerMember, 100n);
      const request = await sign(buyerMember, world.addresses.escrow!, data);
      const other = await openData(buyerMember, 200n);
      const tampered: ForwardRequestData = { ...request, data: other.data };
      await expectRefused(world.tenants.buyer, () => client.forward(tampered), "invalid_signature");
      const moreGas: ForwardRequestData = { ...request, gas: request.gas + 1n };
      await expectRefused(world.tenants.buyer, () => client.forward(moreGas), "invalid_signature");
    });

    it("refuses a request signed by someone other than its `from`", async function () {
      const { data } = await openData(buyerMember, 100n);
      const byStranger = await sign(stranger, world.addresses.escrow!, data);
      const foreign: ForwardRequestData = { ...byStranger, from: buyerMember.address };
      await expectRefused(world.tenants.buyer, () => client.forward(foreign), "invalid_signature");
    });

    it("refuses an account that is no member", async function () {
      const { data } = await openData(buyerMember, 100n);
      const request = await sign(stranger, world.addresses.escrow!, data);
      await expectRefused(world.tenants.buyer, () => client.forward(request), "not_member");
      // Accepting a membership it was never offered does not make it one either.
      const accept = world.registry.interface.encodeFunctionData("acceptMembership", [world.tenants.buyer]);
      const uninvited = await sign(stranger, world.addresses.registry!, accept);
      await expectRefused(world.tenants.buyer, () => client.forward(uninvited), "not_member");
    });

    it("refuses the member of a suspended tenant", async function () {
      const { registry, actors, tenants } = world;
      await (await registry.connect(actors.operator).suspend(tenants.seller, 7)).wait();
      try {
        const { data } = await openData(sellerMember, 100n);
        const request = await sign(sellerMember, world.addresses.escrow!, data);
        await expectRefused(tenants.seller, () => client.forward(request), "tenant_not_active");
      } finally {
        await (await registry.connect(actors.operator).reinstate(tenants.seller)).wait();
      }
    });

    it("refuses a target off the allow list, the forwarder's executeBatch and any multicall", async function () {
      const tenant = world.tenants.buyer;
      const transfer = world.hkd.interface.encodeFunctionData("transfer", [stranger.address, 1n]);
      const toToken = await sign(buyerMember, world.addresses.hkd!, transfer);
      await expectRefused(tenant, () => client.forward(toToken), "target_not_allowed");

      const inner = await sign(buyerMember, world.addresses.escrow!, (await openData(buyerMember, 100n)).data);
      const batch = (PlatformForwarder__factory.createInterface() as Interface).encodeFunctionData("executeBatch", [
        [[inner.from, inner.to, inner.value, inner.gas, inner.deadline, inner.data, inner.signature]],
        buyerMember.address,
      ]);
      const toForwarder = await sign(buyerMember, world.addresses.forwarder!, batch);
      await expectRefused(tenant, () => client.forward(toForwarder), "target_not_allowed");

      // multicall(bytes[]) aimed at an allowed target
      const multicall = "0xac9650d8" + "00".repeat(64);
      const request = await sign(buyerMember, world.addresses.escrow!, multicall);
      await expectRefused(tenant, () => client.forward(request), "function_not_allowed");
    });

    it("refuses a function of an allowed target that is off the allow list", async function () {
      const { terms: t } = await openData(buyerMember, 100n);
      const refund = escrow().interface.encodeFunctionData("refund", [t]);
      const request = await sign(buyerMember, world.addresses.escrow!, refund);
      await expectRefused(world.tenants.buyer, () => client.forward(request), "function_not_allowed");
    });

    it("refuses a request that would revert, with the target's decoded custom error", async function () {
      const t = await terms(buyerMember.address, 100n);
      const release = escrow().interface.encodeFunctionData("release", [t]);
      const request = await sign(buyerMember, world.addresses.escrow!, release);
      const refused = await expectRefused(world.tenants.buyer, () => client.forward(request), "would_revert");
      const revert = (refused.relayerDetails as { revert: { name: string; text: string } }).revert;
      expect(revert.name).to.equal("EscrowUnknownDeal");
      expect(revert.text).to.contain(await escrow().dealId(t));
    });

    it("refuses a request its tenant's budget cannot cover", async function () {
      const tenant = world.tenants.seller;
      await (await world.hkd.connect(world.actors.issuer).mint(sellerMember.address, 100n)).wait();
      // A grant that leaves exactly 1 wei available (the member's acceptance was already charged).
      const used = await client.showBudget(tenant);
      await client.setBudget(tenant, BigInt(used.spent) + BigInt(used.reserved) - BigInt(used.sponsored) + 1n);
      try {
        const { data } = await openData(sellerMember, 100n);
        const request = await sign(sellerMember, world.addresses.escrow!, data);
        const refused = await expectRefused(tenant, () => client.forward(request), "budget_exhausted");
        expect((refused.relayerDetails as { available: string }).available).to.equal("1");
      } finally {
        await client.setBudget(tenant, BUDGET);
      }
    });

    it("keeps one request in flight per member: of two posted at once, one is accepted", async function () {
      const a = await sign(buyerMember, world.addresses.escrow!, (await openData(buyerMember, 100n)).data);
      const b = await sign(buyerMember, world.addresses.escrow!, (await openData(buyerMember, 101n)).data);
      const results = await Promise.allSettled([client.forward(a), client.forward(b)]);
      const accepted = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected");
      expect(accepted).to.have.length(1);
      expect(refused).to.have.length(1);
      expect((refused[0]!.reason as RelayerRefusedError).relayerCode).to.equal("member_in_flight_limit");
      const outcome = await client.waitForOutcome((accepted[0] as PromiseFulfilledResult<{ id: string }>).value.id);
      expect(outcome.status).to.equal("confirmed");
      await expectCharged(world.tenants.buyer);
    });
  });

  describe("budgets", function () {
    it("refuses budget routes without the operator's admin key", async function () {
      const before = await client.showBudget(world.tenants.buyer);
      const anonymous = new MetatxClient({ url: relayerUrl });
      const missing = await anonymous.setBudget(world.tenants.buyer, 1n).catch((e: unknown) => e);
      expect((missing as RelayerRefusedError).relayerCode).to.equal("admin_key_invalid");
      const wrong = new MetatxClient({ url: relayerUrl, adminKey: "wrong-key-000000000" });
      const refused = await wrong.setBudget(world.tenants.buyer, 1n).catch((e: unknown) => e);
      expect((refused as RelayerRefusedError).relayerCode).to.equal("admin_key_invalid");
      expect(await client.showBudget(world.tenants.buyer)).to.deep.equal(before);
    });

    it("refuses a grant below what the tenant already spent", async function () {
      const tenant = world.tenants.buyer;
      const before = await client.showBudget(tenant);
      const error = await client.setBudget(tenant, 1n).catch((e: unknown) => e);
      expect((error as RelayerRefusedError).relayerCode).to.equal("budget_below_used");
      expect(await client.showBudget(tenant)).to.deep.equal(before);
    });
  });

  describe("sponsors", function () {
    it("a sponsor tops up the SME it sponsors; any other tenant's key is refused", async function () {
      const { tenants } = world;
      const before = await client.showBudget(tenants.buyer);
      const mentorKey = await createApiKey(service.store, tenants.mentor.toLowerCase(), { label: "test" });
      const mentor = new MetatxClient({ url: relayerUrl, apiKey: mentorKey.key });
      const after = await mentor.sponsor(tenants.buyer, 5_000n);
      expect(BigInt(after.sponsored)).to.equal(BigInt(before.sponsored) + 5_000n);
      expect(BigInt(after.available)).to.equal(BigInt(before.available) + 5_000n);

      const otherKey = await createApiKey(service.store, tenants.phWallet.toLowerCase(), { label: "test" });
      const other = new MetatxClient({ url: relayerUrl, apiKey: otherKey.key });
      const refused = await other.sponsor(tenants.buyer, 1n).catch((e: unknown) => e);
      expect((refused as RelayerRefusedError).relayerCode).to.equal("not_sponsor");
      // The mentor sponsors the buyer, not the seller.
      const notSponsored = await mentor.sponsor(tenants.seller, 1n).catch((e: unknown) => e);
      expect((notSponsored as RelayerRefusedError).relayerCode).to.equal("not_sponsor");
      expect(await client.showBudget(tenants.buyer)).to.deep.equal(after);
    });
  });

  describe("tasks through the relayer (Hardhat CLI processes)", function () {
    const cli = async (argv: string[], env: Record<string, string> = {}) => {
      try {
        const { stdout, stderr } = await run(
          path.resolve("node_modules/.bin/hardhat"),
          ["--network", "localhost", ...argv],
          {
            env: { ...process.env, LOCALHOST_RPC_URL: nodeUrl, ...env },
            timeout: 120_000,
          },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
      }
    };

    it("metatx budget show, and a refusal in one line with a non-zero exit", async function () {
      const shown = await cli(["metatx", "budget", "show", "--tenant", "sme-tea-house", "--relayer", relayerUrl], {
        METATX_ADMIN_KEY: ADMIN_KEY,
      });
      expect(shown.code, shown.stderr).to.equal(0);
      const budget = await client.showBudget(world.tenants.buyer);
      expect(shown.stdout).to.contain(`available ${formatEther(budget.available)}`);
      const refused = await cli(
        ["metatx", "budget", "set", "--tenant", "sme-tea-house", "--amount", "0.1", "--relayer", relayerUrl],
        { METATX_ADMIN_KEY: "not-the-admin-key-000" },
      );
      expect(refused.code).to.not.equal(0);
      expect(refused.stderr.trim().split("\n")[0]).to.match(/^Error: the relayer refused: .*x-admin-key/);
      expect(await client.showBudget(world.tenants.buyer)).to.deep.equal(budget);
    });

    it("escrow open --permit --gasless, escrow release --gasless and remit confirm --gasless as members without gas", async function () {
      const env = { BUYER_MEMBER_KEY: buyerMember.privateKey };
      const common = ["--deployment", deploymentId, "--from", "BUYER_MEMBER_KEY", "--gasless", "--relayer", relayerUrl];
      const opened = await cli(
        ["escrow", "open", "--payee", world.actors.seller.address, "--amount", "12.50", "--permit", ...common],
        env,
      );
      expect(opened.code, opened.stderr).to.equal(0);
      const dealId = /Opened deal (0x[0-9a-f]{64})/.exec(opened.stdout)?.[1];
      expect(dealId, opened.stdout).to.not.equal(undefined);
      expect((await escrow().getDeal(dealId!)).status).to.equal(1n);

      const released = await cli(["escrow", "release", "--deal", dealId!, ...common], env);
      expect(released.code, released.stderr).to.equal(0);
      expect((await escrow().getDeal(dealId!)).status).to.equal(3n);
      expect(await provider().getBalance(buyerMember.address)).to.equal(0n);
      await expectCharged(world.tenants.buyer);

      const remittance = await initiateRemittance();
      const confirmed = await cli(
        ["remit", "confirm", "--id", remittance.id, "--payout-ref", "bayani-payout-1", ...common.slice(0, 2)].concat([
          "--from",
          "PH_MEMBER_KEY",
          "--gasless",
          "--relayer",
          relayerUrl,
        ]),
        { PH_MEMBER_KEY: phMember.privateKey },
      );
      expect(confirmed.code, confirmed.stderr).to.equal(0);
      expect(await setup.remittance.statusOf(remittance.id)).to.equal(BigInt(RemittanceStatus.indexOf("PaidOut")));
      expect(await provider().getBalance(phMember.address)).to.equal(0n);

      // Releasing again: refused before anything is sent (the deal is final), one line, non-zero exit.
      const again = await cli(["escrow", "release", "--deal", dealId!, ...common], env);
      expect(again.code).to.not.equal(0);
      expect(again.stderr).to.match(/^Error: /);
    });
  });

  describe("restart", function () {
    it("a request accepted before a stop is sent once and settled once by the next instance", async function () {
      const tenant = world.tenants.buyer;
      const nonceBefore = await provider().getTransactionCount(relayerKey.address, "pending");
      const request = await sign(buyerMember, world.addresses.escrow!, (await openData(buyerMember, 100n)).data);
      const accepted = await client.forward(request);
      expect(accepted.status).to.equal("pending");
      await service.stop();

      service = await createMetatxService({ config, secrets: { wallet: relayerKey, adminKey: ADMIN_KEY } });
      relayerUrl = await service.listen({ host: "127.0.0.1", port: 0 });
      client = new MetatxClient({ url: relayerUrl, adminKey: ADMIN_KEY });
      const outcome = await client.waitForOutcome(accepted.id);
      expect(outcome.status).to.equal("confirmed");
      expect(await provider().getTransactionCount(relayerKey.address, "pending")).to.equal(nonceBefore + 1);
      const events = await service.store.read((q) =>
        q.all<{ kind: string }>("SELECT kind FROM metatx_budget_events WHERE forward_id = ? ORDER BY seq", [
          accepted.id,
        ]),
      );
      expect(events.map((e) => e.kind)).to.deep.equal(["reserve", "charge"]);
      await expectCharged(tenant);
      expect((await client.showBudget(tenant)).reserved).to.equal("0");
    });
  });

  describe("allow list config", function () {
    it("refuses a multicall-style function or the forwarder as a target at start", function () {
      const base = { ...config };
      expect(
        () =>
          new AllowList({
            ...base,
            allow: [{ target: world.addresses.forwarder!, contract: "TokenEscrow", functions: ["open"] }],
          }),
      ).to.throw(ConfigError);
      expect(
        () =>
          new AllowList({
            ...base,
            allow: [
              {
                target: world.addresses.remittance!,
                contract: "RemittanceSettlement",
                functions: ["confirmPayoutBatch"],
              },
            ],
          }),
      ).to.throw(ConfigError);
    });
  });

  describe("MemberRateLimiter", function () {
    it("admits `max` requests per member per window, then tells how long to wait", function () {
      let now = 1_000;
      const limiter = new MemberRateLimiter(2, 1_000, () => now);
      expect(limiter.take("a")).to.equal(0);
      expect(limiter.take("a")).to.equal(0);
      expect(limiter.take("a")).to.equal(1_000);
      expect(limiter.take("b")).to.equal(0);
      now += 1_001;
      expect(limiter.take("a")).to.equal(0);
    });
  });
});
