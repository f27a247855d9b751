/**
 * `npm run demo:gasless`: an SME member with no native gas at all joins its tenant, opens an escrow funded
 * by permit and releases it, each step a signed forward request that the meta-transaction relayer (run in
 * this process over real HTTP) checks, simulates, sends and charges to the tenant's gas budget.
 *
 * The node is Hardhat's, served on a free loopback port, because the relayer talks JSON-RPC over HTTP
 * like any service; the deployment gets an id of its own and is removed at the end.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { formatEther, keccak256, toUtf8Bytes, Wallet, ZeroAddress, ZeroHash } from "ethers";
import hre from "hardhat";

import { signPermit } from "../client/eip712/permit.js";
import { HashFunction } from "../client/enums.js";
import { MetatxClient, prepareForwardRequest } from "../client/metatx.js";
import { Roles } from "../client/roles.js";
import { buildPlatform } from "../fixtures/platform.js";
import { metatxConfigSchema } from "../relayer/metatx/config.js";
import { createMetatxService } from "../relayer/metatx/service.js";
import { TokenEscrow__factory } from "../typechain-types/index.js";

const log = (line: string) => console.log(line);
const deploymentId = `demo-gasless-${randomBytes(4).toString("hex")}`;
const adminKey = randomBytes(16).toString("hex");

const node = await hre.network.createServer("hardhat", "127.0.0.1", 0);
const { port } = await node.listen();
const url = `http://127.0.0.1:${port}`;
const connection = await hre.network.create({ network: "localhost", override: { url } });
const dir = await mkdtemp(path.join(tmpdir(), "demo-gasless-"));
try {
  log("== LedgerLink BaaS: an SME member acting without gas ==\n");
  const ignition = (connection as unknown as { ignition: { deploy: (m: unknown, o?: object) => Promise<unknown> } })
    .ignition;
  const world = await buildPlatform(
    {
      ...connection,
      ignition: { deploy: (m: unknown, o: object = {}) => ignition.deploy(m, { ...o, deploymentId }) },
    } as never,
    log,
  );
  const { registry, actors, tenants, addresses } = world;
  const provider = world.ethers.provider;
  const escrow = TokenEscrow__factory.connect(addresses.escrow!, provider);

  const relayerKey = new Wallet(Wallet.createRandom().privateKey);
  await (await actors.operator.sendTransaction({ to: relayerKey.address, value: 10n ** 19n })).wait();
  const config = metatxConfigSchema.parse({
    http: { port: 0 },
    store: { path: path.join(dir, "metatx.sqlite") },
    logLevel: "silent",
    chain: {
      rpcUrls: [url],
      chainId: Number((await provider.getNetwork()).chainId),
      fees: { kind: "eip1559", maxFeeCap: "100000000000", priorityFee: "1000000000" },
    },
    contracts: { forwarder: addresses.forwarder, registry: addresses.registry },
    allow: [
      { target: addresses.escrow, contract: "TokenEscrow", functions: ["openWithPermit", "release"] },
      { target: addresses.registry, contract: "TenantRegistry", functions: ["acceptMembership"] },
    ],
    settlePollMs: 50,
    txPollMs: 50,
  });
  const service = await createMetatxService({ config, secrets: { wallet: relayerKey, adminKey } });
  const relayerUrl = await service.listen({ host: "127.0.0.1", port: 0 });
  const relayer = new MetatxClient({ url: relayerUrl, adminKey });
  log(`\nMeta-transaction relayer on ${relayerUrl}, paying from ${relayerKey.address}`);

  try {
    await relayer.setBudget(tenants.buyer, 10n ** 17n);
    log(`Operator grants sme-tea-house a gas budget of ${formatEther(10n ** 17n)}`);

    const member = new Wallet(Wallet.createRandom().privateKey);
    await (await registry.connect(actors.buyer).inviteMember(tenants.buyer, member.address, Roles.merchant)).wait();
    await (await world.hkd.connect(actors.issuer).mint(member.address, 50_000_00n)).wait();
    log(
      `sme-tea-house invites ${member.address} (native balance ${formatEther(await provider.getBalance(member.address))})`,
    );

    const forward = async (title: string, to: string, data: string) => {
      const request = await prepareForwardRequest(member, provider, { forwarder: addresses.forwarder!, to, data });
      const outcome = await relayer.forwardAndWait(request);
      log(
        `  ${title.padEnd(34)} ${outcome.status}, gas ${outcome.gasUsed}, charged ${formatEther(outcome.charged ?? "0")}`,
      );
    };
    await forward(
      "accepts the invitation",
      addresses.registry!,
      registry.interface.encodeFunctionData("acceptMembership", [tenants.buyer]),
    );

    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const terms = {
      payer: member.address,
      payee: actors.seller.address,
      arbiter: ZeroAddress,
      token: addresses.hkd!,
      amount: 12_500_00n,
      deadline: now + 7n * 86_400n,
      feeBps: await escrow.feeBps(),
      hashFunction: BigInt(HashFunction.indexOf("keccak256")),
      hashlock: ZeroHash,
      milestones: ZeroHash,
      ref: keccak256(toUtf8Bytes("PO-2026-TEA-0042")),
      salt: now,
    };
    const permit = await signPermit(world.hkd, member, addresses.escrow!, terms.amount, terms.deadline);
    await forward(
      "opens an escrow of 12,500.00 tHKD",
      addresses.escrow!,
      escrow.interface.encodeFunctionData("openWithPermit", [terms, [], permit.deadline, permit.v, permit.r, permit.s]),
    );
    await forward(
      "releases it on delivery",
      addresses.escrow!,
      escrow.interface.encodeFunctionData("release", [terms]),
    );

    const budget = await relayer.showBudget(tenants.buyer);
    log(`\nMember's native balance: ${formatEther(await provider.getBalance(member.address))}`);
    log(
      `Budget of sme-tea-house: funded ${formatEther(budget.funded)}, spent ${formatEther(budget.spent)}, ` +
        `reserved ${formatEther(budget.reserved)}, available ${formatEther(budget.available)}`,
    );
  } finally {
    await service.stop();
  }
} finally {
  await connection.close();
  await node.close();
  await rm(dir, { recursive: true, force: true });
  await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
}
