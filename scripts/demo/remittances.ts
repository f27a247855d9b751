import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String, keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";

import { buildQuote, priceDestination } from "../../client/quote-file.js";
import { corridorFee } from "../../client/amounts.js";
import { signQuote, type Quote, type QuoteDomain } from "../../client/eip712/quote.js";
import { formatId } from "../../client/text.js";
import { buildInitiateParams, chainNow, recordsFromReceipt, type RemittanceRecord } from "../../client/remittance.js";
import { formatAmount, type TokenInfo } from "../../client/amounts.js";
import type { RemittanceSettlement } from "../../typechain-types/index.js";
import { summarize } from "../bench/stats.js";
import type { DemoWorld } from "./world.js";

/** The demo's corridor. */
export const DEMO_CORRIDOR = encodeBytes32String("HKD-PHP");
/** The bank's mid rate (PHP per HKD) and the spread it quotes off it. */
export const MID_RATE = "7.2450";
export const SPREAD_BPS = 35n;
/** Seconds a quote stays firm, and seconds the receiving operator has to pay out. */
export const QUOTE_VALIDITY = 120n;
export const DEADLINE = 1800n;
/** The public mark a remittance is known for: paid out and settled in about three seconds. */
const PUBLIC_MARK_MS = 3_000;
/** Amounts the HK wallet's customers send, in HKD, cycled through. */
export const AMOUNTS = ["1250.00", "800.00", "5000.00", "2300.50", "15000.00", "420.00", "9999.99"];
/** A reason code the PH wallet uses when the recipient's account is closed. */
const RECIPIENT_ACCOUNT_CLOSED = 17;

async function mined(tx: Promise<ContractTransactionResponse>) {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction not mined");
  return receipt;
}

/** An open HKD -> PHP corridor with funded ledgers: what remittances run on. */
export interface CorridorSetup {
  remittance: RemittanceSettlement;
  corridorId: string;
  /** The corridor's terms, amounts in HKD base units. */
  corridor: {
    sourceToken: string;
    minAmount: bigint;
    destinationToken: string;
    maxAmount: bigint;
    provider: string;
    dailyCap: bigint;
    feeFixed: bigint;
    feeBps: number;
    settlementWindow: number;
    enabled: boolean;
  };
  HKD: TokenInfo;
  PHP: TokenInfo;
  /** Where the bank's quotes can be used. */
  domain: QuoteDomain;
}

/** How `openCorridor` opens and funds: what the demo uses unless told otherwise. */
export interface CorridorOptions {
  corridorId?: string;
  /** Most HKD (base units) one sending operator may initiate per day. */
  dailyCap?: bigint;
  /** PHP (base units) the bank deposits as liquidity. */
  liquidity?: bigint;
  /** HKD (base units) the HK wallet deposits to send from. */
  float?: bigint;
}

/**
 * Opens an HKD -> PHP corridor through the settlement bank (10.00 to 50,000.00 HKD per remittance, fee
 * 5.00 HKD + 50 bps), then funds the bank's PHP liquidity and the HK wallet's HKD ledger: the issuer
 * mints, each party approves and deposits. Prints what it did.
 */
export async function openCorridor(world: DemoWorld, options: CorridorOptions = {}): Promise<CorridorSetup> {
  const { ethers, log, actors, tenants } = world;
  const remittance = (await ethers.getContractAt(
    "RemittanceSettlement",
    world.addresses.remittance!,
  )) as unknown as RemittanceSettlement;
  const settlement = await remittance.getAddress();
  const [hkd, php] = [await world.hkd.getAddress(), await world.php.getAddress()];
  const HKD: TokenInfo = {
    address: hkd,
    symbol: await world.hkd.symbol(),
    decimals: Number(await world.hkd.decimals()),
  };
  const PHP: TokenInfo = {
    address: php,
    symbol: await world.php.symbol(),
    decimals: Number(await world.php.decimals()),
  };
  const domain: QuoteDomain = { chainId: (await ethers.provider.getNetwork()).chainId, verifyingContract: settlement };
  const units = (text: string, token: TokenInfo) => ethers.parseUnits(text, token.decimals);

  const corridorId = options.corridorId ?? DEMO_CORRIDOR;
  const corridor: CorridorSetup["corridor"] = {
    sourceToken: hkd,
    minAmount: units("10", HKD),
    destinationToken: php,
    maxAmount: units("50000", HKD),
    provider: tenants.bank,
    dailyCap: options.dailyCap ?? units("1000000", HKD),
    feeFixed: units("5", HKD),
    feeBps: 50,
    settlementWindow: 3600,
    enabled: true,
  };
  const opened = await mined(remittance.connect(actors.operator).openCorridor(corridorId, corridor));
  log(
    `Opened corridor ${formatId(corridorId)} via ${formatId(tenants.bank)}: ${formatAmount(corridor.minAmount, HKD)} to ` +
      `${formatAmount(corridor.maxAmount, HKD)} per remittance, fee ${formatAmount(corridor.feeFixed, HKD)} + ` +
      `${corridor.feeBps} bps (gas ${opened.gasUsed})`,
  );

  const fund = async (member: HardhatEthersSigner, token: typeof world.hkd, info: TokenInfo, amount: bigint) => {
    await mined(token.connect(actors.issuer).mint(member.address, amount));
    await mined(token.connect(member).approve(settlement, amount));
    const receipt = await mined(remittance.connect(member).deposit(info.address, amount));
    return receipt.gasUsed;
  };
  const bankGas = await fund(actors.bank, world.php, PHP, options.liquidity ?? units("10000000", PHP));
  const hkGas = await fund(actors.hkWallet, world.hkd, HKD, options.float ?? units("250000", HKD));
  log(`Funded the ledger: issuer mints, then each party deposits (gas ${bankGas} and ${hkGas})`);
  return { remittance, corridorId, corridor, HKD, PHP, domain };
}

/**
 * The bank's firm quote for `sourceAmount` in the corridor, priced for the sending operator's client
 * reference at the bank's mid rate less its spread, with the corridor's fee; unsigned.
 */
export function priceQuote(
  setup: CorridorSetup,
  fields: { sendingTenant: string; clientRef: string; sourceAmount: bigint; expiry: bigint },
): Quote {
  return buildQuote({
    corridorId: setup.corridorId,
    sendingTenant: fields.sendingTenant,
    clientRef: fields.clientRef,
    sourceAmount: fields.sourceAmount,
    destinationAmount: priceDestination(fields.sourceAmount, MID_RATE, SPREAD_BPS, {
      source: setup.HKD.decimals,
      destination: setup.PHP.decimals,
    }),
    fee: corridorFee(setup.corridor, fields.sourceAmount),
    expiry: fields.expiry,
  });
}

/**
 * HK -> PH remittances end to end: opens the HKD -> PHP corridor, funds the bank's PHP liquidity and the
 * HK wallet's HKD ledger, then runs `count` remittances (the bank quotes, the HK wallet initiates, the PH
 * wallet confirms the payout) and one that the PH wallet rejects, printing each status path, its time
 * from quote to PaidOut against the public 3-second mark, the gas of every step and every party's ledger
 * balances before and after. Quotes and records go through the same library code as the `remit` tasks.
 */
export async function runRemittances(world: DemoWorld, count: number): Promise<void> {
  const { ethers, log, actors, tenants } = world;
  const setup = await openCorridor(world);
  const { remittance, domain, HKD, PHP } = setup;
  const hkd = HKD.address;
  const units = (text: string, token: TokenInfo) => ethers.parseUnits(text, token.decimals);

  const parties: Array<[string, string, TokenInfo]> = [
    [`${formatId(tenants.hkWallet)}`, tenants.hkWallet, HKD],
    [`${formatId(tenants.phWallet)}`, tenants.phWallet, PHP],
    [`${formatId(tenants.bank)}`, tenants.bank, PHP],
    [`${formatId(tenants.bank)}`, tenants.bank, HKD],
  ];
  const balances = async (title: string) => {
    log(`  ${title}`);
    for (const [name, tenant, token] of parties) {
      log(
        `    ${name.padEnd(16)} ${formatAmount(await remittance.balanceOf(tenant, token.address), token).padStart(20)}`,
      );
    }
    const fees = await remittance.feesAccrued(tenants.bank, hkd);
    log(
      `    ${"platform fees".padEnd(16)} ${formatAmount(fees, HKD).padStart(20)}  (for ${actors.feeCollector.address})`,
    );
  };
  log("");
  await balances("Ledger balances before:");

  // ---------------------------------------------------------------- remittances
  let sequence = 0;
  const initiate = async (amountText: string) => {
    const clientRef = keccak256(toUtf8Bytes(`harbour-pay/payment/${Date.now()}/${++sequence}`));
    const sourceAmount = units(amountText, HKD);
    const started = performance.now();
    const quote = priceQuote(setup, {
      sendingTenant: tenants.hkWallet,
      clientRef,
      sourceAmount,
      expiry: (await chainNow(ethers.provider)) + QUOTE_VALIDITY,
    });
    const signed = await signQuote(actors.bank, domain, quote, clientRef);
    const params = buildInitiateParams(signed, {
      receivingTenant: tenants.phWallet,
      recipientHash: keccak256(toUtf8Bytes(`bayani/recipient/${sequence}`)),
      complianceHash: keccak256(toUtf8Bytes(`travel-rule/${sequence}`)),
      deadline: (await chainNow(ethers.provider)) + DEADLINE,
    });
    const receipt = await mined(remittance.connect(actors.hkWallet).initiate(params));
    const [record] = recordsFromReceipt(remittance, receipt);
    return { record: record as RemittanceRecord, started, gas: receipt.gasUsed };
  };

  log("");
  log(
    `Remittances: ${formatId(tenants.hkWallet)} -> ${formatId(tenants.phWallet)}, quoted by ${formatId(tenants.bank)} at ${MID_RATE} less ${SPREAD_BPS} bps`,
  );
  const times: number[] = [];
  const gas = { initiate: 0n, confirm: 0n };
  for (let i = 0; i < count; i++) {
    const { record, started, gas: initiateGas } = await initiate(AMOUNTS[i % AMOUNTS.length]!);
    const confirmed = await mined(
      remittance.connect(actors.phWallet).confirmPayout(record, keccak256(toUtf8Bytes(`bayani/payout/${record.id}`))),
    );
    const elapsed = performance.now() - started;
    times.push(elapsed);
    gas.initiate += initiateGas;
    gas.confirm += confirmed.gasUsed;
    const status = await remittance.statusOf(record.id);
    log(
      `  #${i + 1} ${record.id.slice(0, 10)}… ${formatAmount(record.sourceAmount, HKD).padStart(15)} + fee ` +
        `${formatAmount(record.fee, HKD)} -> ${formatAmount(record.destinationAmount, PHP).padStart(16)}  ` +
        `Initiated -> ${status === 2n ? "PaidOut" : `status ${status}`}  ` +
        `${elapsed.toFixed(0)} ms (mark ${PUBLIC_MARK_MS / 1000} s: ${elapsed <= PUBLIC_MARK_MS ? "met" : "MISSED"})  ` +
        `gas initiate ${initiateGas}, confirm ${confirmed.gasUsed}`,
    );
  }

  const { record: closed, gas: closedGas } = await initiate("3000.00");
  const rejected = await mined(remittance.connect(actors.phWallet).reject(closed, RECIPIENT_ACCOUNT_CLOSED));
  log(
    `  +1 ${closed.id.slice(0, 10)}… ${formatAmount(closed.sourceAmount, HKD).padStart(15)}: recipient account closed  ` +
      `Initiated -> Rejected (reason ${RECIPIENT_ACCOUNT_CLOSED}), ${formatAmount(closed.sourceAmount + closed.fee, HKD)} ` +
      `refunded to ${formatId(tenants.hkWallet)}  gas initiate ${closedGas}, reject ${rejected.gasUsed}`,
  );

  log("");
  await balances("Ledger balances after:");
  const { max, p99 } = summarize(times);
  log("");
  log(
    `${count} paid out: end to end (quote signed -> PaidOut mined) max ${max.toFixed(0)} ms, ` +
      `p99 ${p99.toFixed(0)} ms against the public ${PUBLIC_MARK_MS / 1000} s mark. The embedded network mines ` +
      "each transaction at once: `npm run bench` measures the flow with 1 s blocks.",
  );
  log(
    `Gas per remittance: initiate ${gas.initiate / BigInt(count)}, confirm ${gas.confirm / BigInt(count)} ` +
      "(see `npm run gas` for the measured ratios to plain transfers).",
  );
}
