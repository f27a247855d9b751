import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, parseEther, toUtf8Bytes, Wallet, type TransactionResponse } from "ethers";

import { Roles } from "../../client/roles.js";
import { priceDestination } from "../../client/quote-file.js";
import { AMOUNTS, MID_RATE, openCorridor, SPREAD_BPS, type CorridorSetup } from "../../fixtures/corridor.js";
import { buildPlatform } from "../../fixtures/platform.js";
import type { DemoWorld } from "../../fixtures/world.js";
import { HotKey, type Chain } from "./measuring-chain.js";
import type { BenchConfig } from "./config.js";
import { QuoteSignerPool } from "./quote-signer-pool.js";

/** The platform deployed for the benchmark, with the keys of everyone who acts in it. */
export interface BenchWorld {
  world: DemoWorld;
  corridor: CorridorSetup;
  chain: Chain;
  /** The HK wallet's relayer: a PaymentOperator member of hk-wallet, initiating. */
  hkRelayer: HotKey;
  /** The PH wallet's relayer: a PaymentOperator member of ph-wallet, confirming payouts. */
  phRelayer: HotKey;
  /** The bank's quote service, signing with a LiquidityProvider member key of the bank. */
  quotes: QuoteSignerPool;
  /**
   * Holders of tHKD who send the baseline transfers of the latency measure: `single` the lone transfers
   * (a), `first` and `second` the dependent pairs (b).
   */
  transferKeys: { single: HotKey; first: HotKey; second: HotKey };
  /** Accounts of the node that send the baseline transfers of the throughput measure; each holds tHKD. */
  loadSenders: HardhatEthersSigner[];
  /** HKD amounts (base units) the remittances cycle through. */
  amounts: bigint[];
}

type Connection = Parameters<typeof buildPlatform>[0] & Pick<NetworkConnection, "provider">;

/**
 * Stays under any remittance's gas: each writes at least one new storage slot (its record), which costs
 * 20,000 gas alone. Bounds how many remittances a run can make, so the ledgers are funded for all of them.
 */
const MIN_GAS_PER_REMITTANCE = 20_000n;

async function mined(tx: Promise<TransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("setup transaction failed");
}

/**
 * Deploys and onboards the demo's platform with automine on, opens the HKD -> PHP corridor with a daily
 * cap and ledgers large enough for every remittance the run can make, and gives each party its own key:
 * the relayers' and the quote service's keys become members of their tenants, and every key gets gas.
 */
export async function buildBench(
  connection: Connection,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<BenchWorld> {
  const world = await buildPlatform(connection, log);
  const { ethers, actors, tenants, registry } = world;
  const { chainId } = await ethers.provider.getNetwork();
  const chain: Chain = { rpc: connection.provider, provider: ethers.provider, chainId, pollMs: config.pollMs };

  const [hkdDecimals, phpDecimals] = [Number(await world.hkd.decimals()), Number(await world.php.decimals())];
  const amounts = AMOUNTS.map((text) => ethers.parseUnits(text, hkdDecimals));
  const largest = amounts.reduce((a, b) => (a > b ? a : b));
  // Calibration, warm-up, measure and drain, with room to spare; plus the latency samples.
  const blocks = BigInt(config.warmupBlocks + config.measureBlocks + 20);
  const bound = BigInt(config.latencySamples) + (blocks * config.blockGasLimit) / MIN_GAS_PER_REMITTANCE;
  // The corridor's fee (5.00 HKD + 50 bps) stays below the amount itself from 10.00 HKD, its minimum.
  const float = bound * 2n * largest;
  const liquidity =
    bound * priceDestination(largest, MID_RATE, SPREAD_BPS, { source: hkdDecimals, destination: phpDecimals });
  log(`Opening the corridor, with a daily cap and ledgers for up to ${bound} remittances...`);
  const corridor = await openCorridor(world, { dailyCap: float, float, liquidity });

  const key = (label: string) => new Wallet(keccak256(toUtf8Bytes(`ledgerlink-bench/${label}`)), ethers.provider);
  const [hk, ph, bank, single, first, second] = [
    "hk-relayer",
    "ph-relayer",
    "bank-quotes",
    "transfer-single",
    "transfer-first",
    "transfer-second",
  ].map(key) as Wallet[];
  log("Adding the relayers' and the quote service's keys as members of their tenants...");
  const po = Roles["payment-operator"];
  // Membership needs consent: the admins invite, each key accepts.
  await mined(registry.connect(actors.hkWallet).inviteMember(tenants.hkWallet, hk!.address, po));
  await mined(registry.connect(actors.phWallet).inviteMember(tenants.phWallet, ph!.address, po));
  await mined(registry.connect(actors.bank).inviteMember(tenants.bank, bank!.address, Roles["liquidity-provider"]));
  // Every key that sends (the quote key too: it accepts its own membership) needs gas money.
  for (const wallet of [hk, ph, bank, single, first, second]) {
    await mined(actors.operator.sendTransaction({ to: wallet!.address, value: parseEther("100") }));
  }
  await mined(registry.connect(hk!).acceptMembership(tenants.hkWallet));
  await mined(registry.connect(ph!).acceptMembership(tenants.phWallet));
  await mined(registry.connect(bank!).acceptMembership(tenants.bank));

  const signers = await ethers.getSigners();
  const loadSenders = signers.slice(11, 11 + config.transferSenders);
  if (loadSenders.length < config.transferSenders) throw new Error("not enough accounts for the transfer senders");
  for (const holder of [single!, first!, second!, ...loadSenders].map((s) => s.address)) {
    await mined(world.hkd.connect(actors.issuer).mint(holder, ethers.parseUnits("1000000000", 2)));
  }

  const hot = async (wallet: Wallet) => {
    const k = new HotKey(wallet, chain, config.gasMarginBps);
    await k.sync();
    return k;
  };
  const quotes = new QuoteSignerPool(bank!, corridor, config.quoteThreads);
  await quotes.check(
    {
      sendingTenant: tenants.hkWallet,
      clientRef: keccak256(toUtf8Bytes("self-check")),
      sourceAmount: largest,
      expiry: 1n,
    },
    bank!,
  );
  return {
    world,
    corridor,
    chain,
    hkRelayer: await hot(hk!),
    phRelayer: await hot(ph!),
    quotes,
    transferKeys: { single: await hot(single!), first: await hot(first!), second: await hot(second!) },
    loadSenders,
    amounts,
  };
}
