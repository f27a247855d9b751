import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";

import { buildQuote } from "../../client/quote-file.js";
import { compactSignature, quoteTerms, signQuote, type QuoteDomain } from "../../client/eip712/quote.js";
import { Roles } from "../../client/roles.js";
import { recordsFromReceipt } from "../../client/remittance.js";
import { signPermit } from "../../client/eip712/permit.js";
import {
  deployForwarder,
  deployRegistry,
  deployRemittance,
  deploySettlementToken,
  onboardTenant,
} from "../../fixtures/contracts.js";
import type { IRemittanceSettlement } from "../../typechain-types/remittance/RemittanceSettlement.js";
import type { GasRow } from "./types.js";

type InitiateParams = IRemittanceSettlement.InitiateParamsStruct;

const BATCH = 50;
const CORRIDOR = encodeBytes32String("HKD-PHP");
const HK = encodeBytes32String("hk-wallet");
const PH = encodeBytes32String("ph-wallet");
const BANK = encodeBytes32String("settlement-bank");
const HOUR = 3600n;

async function mined(tx: Promise<ContractTransactionResponse>) {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction not mined");
  return receipt;
}

async function gas(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  return (await mined(tx)).gasUsed;
}

/**
 * Gas of the remittance flow next to the baseline transfer. Every row is measured in the steady state a
 * running corridor sees: the ledger entries it touches (sender, provider's liquidity, receiver, provider's
 * source leg, platform fees) and the sender's daily-cap counter for today are already non-zero, because a
 * first remittance has settled before; each remittance still writes its own new record slot.
 */
export async function measureRemittanceGas(ethers: HardhatEthers): Promise<GasRow[]> {
  const signers = await ethers.getSigners();
  const [admin, operator, issuer, feeCollector, hkMember, phMember, bankMember, stranger] = signers;
  if (stranger === undefined) throw new Error("need 8 accounts");
  const rows: GasRow[] = [];
  const row = (operation: string, gasUsed: bigint, count?: number) =>
    rows.push({ group: "remittance", operation, gasUsed, ...(count === undefined ? {} : { count }) });

  const forwarder = await deployForwarder(admin!);
  const registry = await deployRegistry(admin!, {
    admin: admin!,
    operator: operator!,
    forwarder: await forwarder.getAddress(),
  });
  const token = (symbol: string, currency: string) =>
    deploySettlementToken(admin!, { name: `Gas ${currency}`, symbol, currency, issuer: issuer! });
  const hkd = await token("tHKD", "HKD");
  const php = await token("tPHP", "PHP");
  const onboard = (tenant: string, name: string, roles: number, member: HardhatEthersSigner) =>
    onboardTenant(registry, operator!, {
      tenantId: tenant,
      name,
      roles,
      jurisdiction: "0x484b",
      kybHash: keccak256(toUtf8Bytes(tenant)),
      admin: member,
    });
  await onboard(HK, "Harbour Pay", Roles["payment-operator"], hkMember!);
  await onboard(PH, "Bayani Wallet", Roles["payment-operator"], phMember!);
  await onboard(BANK, "Pearl River Settlement Bank", Roles["liquidity-provider"], bankMember!);

  const remittance = await deployRemittance(admin!, {
    admin: admin!,
    operator: operator!,
    feeCollector: feeCollector!,
    registry: await registry.getAddress(),
    forwarder: await forwarder.getAddress(),
  });
  const settlement = await remittance.getAddress();
  const domain: QuoteDomain = { chainId: (await ethers.provider.getNetwork()).chainId, verifyingContract: settlement };

  row(
    "openCorridor",
    await gas(
      remittance.connect(operator).openCorridor(CORRIDOR, {
        sourceToken: await hkd.getAddress(),
        minAmount: 100n,
        destinationToken: await php.getAddress(),
        maxAmount: 5_000_000n,
        provider: BANK,
        dailyCap: 10n ** 12n,
        feeFixed: 500n,
        feeBps: 50,
        settlementWindow: Number(HOUR),
        minReceiverWindow: 600,
        enabled: true,
      }),
    ),
  );

  await mined(hkd.connect(issuer).mint(hkMember!.address, 10n ** 13n));
  await mined(php.connect(issuer).mint(bankMember!.address, 10n ** 14n));
  await mined(hkd.connect(hkMember).approve(settlement, ethers.MaxUint256));
  await mined(php.connect(bankMember).approve(settlement, ethers.MaxUint256));
  await mined(remittance.connect(hkMember).deposit(await hkd.getAddress(), 10n ** 12n));
  await mined(remittance.connect(bankMember).deposit(await php.getAddress(), 10n ** 13n));

  row(
    "deposit (transferFrom, into a funded ledger entry)",
    await gas(remittance.connect(hkMember).deposit(await hkd.getAddress(), 1_000_00n)),
  );
  const permitValue = 1_000_00n;
  const permitDeadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + HOUR;
  const permit = await signPermit(hkd, hkMember!, settlement, permitValue, permitDeadline);
  row(
    "depositWithPermit (into a funded ledger entry)",
    await gas(
      remittance
        .connect(hkMember)
        .depositWithPermit(await hkd.getAddress(), permitValue, permitDeadline, permit.v, permit.r, permit.s),
    ),
  );
  row(
    "withdraw (part of a balance, to a holder)",
    await gas(remittance.connect(hkMember).withdraw(await hkd.getAddress(), 500_00n, hkMember!.address)),
  );

  let sequence = 0;
  const params = async (sourceAmount: bigint): Promise<InitiateParams> => {
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const clientRef = keccak256(toUtf8Bytes(`gas-payment-${sequence++}`));
    const fee = 500n + (sourceAmount * 50n) / 10_000n;
    const quote = buildQuote({
      corridorId: CORRIDOR,
      sendingTenant: HK,
      receivingTenant: PH,
      clientRef,
      sourceAmount,
      destinationAmount: (sourceAmount * 7_23n) / 100n,
      fee,
      expiry: now + 300n,
      latestDeadline: now + 300n + HOUR,
    });
    const signed = await signQuote(bankMember!, domain, quote, clientRef);
    const { r, vs } = compactSignature(signed.signature);
    return {
      quote: quoteTerms(quote),
      signatureR: r,
      signatureVS: vs,
      clientRef,
      recipientHash: keccak256(toUtf8Bytes(`recipient-${sequence}`)),
      complianceHash: keccak256(toUtf8Bytes(`travel-rule-${sequence}`)),
      deadline: now + 1800n,
      funding: 0,
    };
  };
  const recordOf = async (receipt: Awaited<ReturnType<typeof mined>>) => recordsFromReceipt(remittance, receipt);

  // Warm-up: a first remittance settles, so every ledger entry of the flow and the cap counter exist.
  const firstInitiate = await mined(remittance.connect(hkMember).initiate(await params(1_000_00n)));
  const [warm] = await recordOf(firstInitiate);
  const firstConfirm = await mined(
    remittance.connect(phMember).confirmPayout(warm!, keccak256(toUtf8Bytes("payout-warm"))),
  );

  const initiated = await mined(remittance.connect(hkMember).initiate(await params(2_500_00n)));
  row("initiate (from the ledger; new record slot; sender's, provider's and cap entries non-zero)", initiated.gasUsed);
  const [record] = await recordOf(initiated);
  row(
    "confirmPayout (receiver credited, provider's source leg and fee in one entry; entries non-zero)",
    await gas(remittance.connect(phMember).confirmPayout(record!, keccak256(toUtf8Bytes("payout-1")))),
  );

  const items: InitiateParams[] = [];
  for (let i = 0; i < BATCH; i++) items.push(await params(1_000_00n + BigInt(i)));
  const batch = await mined(remittance.connect(hkMember).initiateBatch(items));
  row(`initiateBatch of ${BATCH} (one signer, one receiver)`, batch.gasUsed, BATCH);
  const records = await recordOf(batch);
  row(
    `confirmPayoutBatch of ${BATCH}`,
    await gas(
      remittance
        .connect(phMember)
        .confirmPayoutBatch(records.map((r, i) => ({ remittance: r, payoutRef: keccak256(toUtf8Bytes(`p-${i}`)) }))),
    ),
    BATCH,
  );

  const [toReject] = await recordOf(await mined(remittance.connect(hkMember).initiate(await params(1_500_00n))));
  row(
    "reject (refund to the sender's ledger, reservation released)",
    await gas(remittance.connect(phMember).reject(toReject!, 7)),
  );
  const [toExpire] = await recordOf(await mined(remittance.connect(hkMember).initiate(await params(1_500_00n))));
  await ethers.provider.send("evm_increaseTime", [Number(2n * HOUR)]);
  await ethers.provider.send("evm_mine", []);
  row(
    "refundExpired (by anyone, after the deadline)",
    await gas(remittance.connect(stranger).refundExpired(toExpire!)),
  );

  // The permit above replaced the wallet's allowance; a pulling wallet approves the contract once.
  await mined(hkd.connect(hkMember).approve(settlement, ethers.MaxUint256));
  const pulled = await params(1_000_00n);
  row(
    "initiate, pulled from the member's wallet (a token transfer instead of a ledger debit)",
    await gas(remittance.connect(hkMember).initiate({ ...pulled, funding: 1 })),
  );
  // For reference, not the steady state: the very first remittance of a sender in a corridor creates its
  // cap counter, and the first payout creates the receiver's and the provider's source entries.
  row("initiate, first ever of the sender in the corridor (cap counter slot created)", firstInitiate.gasUsed);
  row("confirmPayout, first ever (receiver's and provider's source entries created)", firstConfirm.gasUsed);
  return rows;
}
