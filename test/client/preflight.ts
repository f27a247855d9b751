import { expect } from "chai";
import { encodeBytes32String, Wallet } from "ethers";

import { signQuote, type SignedQuote } from "../../client/eip712/quote.js";
import type { RefusalReason } from "../../client/errors.js";
import {
  checkReceiver,
  checkWithdrawer,
  checkRefundable,
  checkSend,
  type SendRequest,
  type SendSnapshot,
} from "../../client/preflight.js";
import { buildQuote } from "../../client/quote-file.js";
import type { RemittanceHistory } from "../../client/remittance.js";
import { Roles } from "../../client/roles.js";
import { ZERO_ID } from "../../client/text.js";

const PO = BigInt(Roles["payment-operator"]);
const hk = encodeBytes32String("hk-wallet");
const ph = encodeBytes32String("ph-wallet");
const corridorId = encodeBytes32String("HKD-PHP");
const remittanceAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const sender = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const NOW = 1_800_000_000n;

let signed: SignedQuote;

before(async function () {
  const provider = Wallet.createRandom();
  const quote = buildQuote({
    corridorId,
    sendingTenant: hk,
    receivingTenant: ph,
    clientRef: encodeBytes32String("ref-1"),
    sourceAmount: 100_000n,
    destinationAmount: 720_000n,
    fee: 1_000n, // 5.00 fixed + 50 bps of 1,000.00
    expiry: NOW + 300n,
    latestDeadline: NOW + 300n + 3600n, // the whole window the corridor allows after expiry
  });
  signed = await signQuote(
    provider,
    { chainId: 31337n, verifyingContract: remittanceAddress },
    quote,
    encodeBytes32String("ref-1"),
  );
});

function request(overrides: Partial<SendRequest> = {}): SendRequest {
  return { signed, receivingTenant: ph, deadlineIn: 600n, funding: "Ledger", ...overrides };
}

/** A snapshot in which the send goes through; each case changes one thing. */
function snapshot(overrides: Partial<SendSnapshot> = {}): SendSnapshot {
  return {
    chainId: 31337n,
    remittanceAddress,
    now: NOW,
    corridor: {
      sourceToken: "0x" + "11".repeat(20),
      destinationToken: "0x" + "22".repeat(20),
      provider: encodeBytes32String("settlement-bank"),
      minAmount: 1_000n,
      maxAmount: 5_000_000n,
      dailyCap: 100_000_000n,
      feeFixed: 500n,
      feeBps: 50n,
      settlementWindow: 3600n,
      minReceiverWindow: 300n,
      enabled: true,
    },
    source: { symbol: "tHKD", decimals: 2 },
    sender: { account: sender, tenantId: hk, tenantRoles: PO, memberRoles: PO, status: 2n },
    receiver: { tenantId: ph, status: 2n, roles: PO },
    quoteStatus: 0n,
    usedToday: 0n,
    funds: 101_000n,
    allowance: 0n,
    ...overrides,
  };
}

describe("client pre-flight checks", function () {
  describe("remit send", function () {
    it("lets a request through when every off-chain condition holds", function () {
      expect(checkSend(request(), snapshot())).to.equal(undefined);
    });

    const base = () => snapshot();
    const cases: Array<[string, () => [SendRequest, SendSnapshot], RefusalReason]> = [
      ["a quote signed for another chain", () => [request(), snapshot({ chainId: 1n })], "QUOTE_OTHER_DEPLOYMENT"],
      ["an expired quote", () => [request(), snapshot({ now: NOW + 300n })], "QUOTE_EXPIRED"],
      ["an unknown corridor", () => [request(), snapshot({ corridor: undefined })], "UNKNOWN_CORRIDOR"],
      [
        "a disabled corridor",
        () => [request(), snapshot({ corridor: { ...base().corridor!, enabled: false } })],
        "CORRIDOR_DISABLED",
      ],
      [
        "an amount above the corridor's maximum",
        () => [request(), snapshot({ corridor: { ...base().corridor!, maxAmount: 99_999n } })],
        "AMOUNT_OUT_OF_RANGE",
      ],
      [
        "a fee that is not the corridor's",
        () => [request(), snapshot({ corridor: { ...base().corridor!, feeBps: 60n } })],
        "QUOTE_FEE_MISMATCH",
      ],
      [
        "a signer acting for another tenant",
        () => [request(), snapshot({ sender: { ...base().sender, tenantId: ph } })],
        "WRONG_TENANT",
      ],
      [
        "a signer of no tenant",
        () => [request(), snapshot({ sender: { ...base().sender, tenantId: ZERO_ID } })],
        "WRONG_TENANT",
      ],
      [
        "a member without the payment-operator role",
        () => [request(), snapshot({ sender: { ...base().sender, memberRoles: 0n } })],
        "MISSING_ROLE",
      ],
      [
        "a suspended sending tenant",
        () => [request(), snapshot({ sender: { ...base().sender, status: 3n } })],
        "TENANT_NOT_ACTIVE",
      ],
      [
        "an unknown receiver",
        () => [request(), snapshot({ receiver: { tenantId: ph, status: 0n, roles: 0n } })],
        "UNKNOWN_TENANT",
      ],
      [
        "a receiver that is not a payment operator",
        () => [request(), snapshot({ receiver: { tenantId: ph, status: 2n, roles: 1n } })],
        "MISSING_ROLE",
      ],
      ["a client reference already used", () => [request(), snapshot({ quoteStatus: 2n })], "ALREADY_USED"],
      ["a send over the daily cap", () => [request(), snapshot({ usedToday: 99_950_000n })], "DAILY_CAP_EXCEEDED"],
      ["a zero deadline", () => [request({ deadlineIn: 0n }), snapshot()], "DEADLINE_OUT_OF_RANGE"],
      [
        "a deadline that leaves the receiver less than the corridor's minimum window",
        () => [request({ deadlineIn: 299n }), snapshot()],
        "DEADLINE_OUT_OF_RANGE",
      ],
      [
        "a deadline past the quote's latest deadline",
        () => [
          request({
            signed: { ...signed, quote: { ...signed.quote, latestDeadline: NOW + 1_000n } },
            deadlineIn: 1_001n,
          }),
          snapshot(),
        ],
        "DEADLINE_OUT_OF_RANGE",
      ],
      [
        "a quote naming the sender as its receiver",
        () => [request({ signed: { ...signed, quote: { ...signed.quote, receivingTenant: hk } } }), snapshot()],
        "RECEIVER_IS_SENDER",
      ],
      [
        "a --to that is not the receiver the quote binds",
        () => [request({ receivingTenant: corridorId }), snapshot()],
        "RECEIVER_MISMATCH",
      ],
      [
        "a deadline past expiry plus window",
        () => [request({ deadlineIn: 3901n }), snapshot()],
        "DEADLINE_OUT_OF_RANGE",
      ],
      ["a ledger short of amount plus fee", () => [request(), snapshot({ funds: 100_999n })], "INSUFFICIENT_BALANCE"],
      [
        "a pull without the allowance (nothing is approved on the caller's behalf)",
        () => [request({ funding: "Pull" }), snapshot({ allowance: 100_000n })],
        "INSUFFICIENT_ALLOWANCE",
      ],
    ];
    for (const [what, make, reason] of cases) {
      it(`refuses ${what} with ${reason}`, function () {
        const [req, snap] = make();
        const refusal = checkSend(req, snap);
        expect(refusal?.reason).to.equal(reason);
        expect(refusal?.code).to.equal("REFUSED");
      });
    }

    it("says how much is missing in the token's units", function () {
      expect(checkSend(request(), snapshot({ funds: 50_000n }))?.shortMessage).to.equal(
        "hk-wallet has 500.00 tHKD available in its ledger, not 1,010.00 tHKD (amount and fee): deposit first, or pull from the wallet",
      );
    });
  });

  describe("withdraw", function () {
    const member = {
      account: sender,
      tenantId: hk,
      tenantRoles: PO,
      memberRoles: PO | BigInt(Roles.treasury),
      status: 2n,
    };

    it("lets a treasury member withdraw, also while its tenant is suspended", function () {
      expect(checkWithdrawer(member)).to.equal(undefined);
      expect(checkWithdrawer({ ...member, status: 3n })).to.equal(undefined);
    });

    it("refuses a ledger member without the treasury permission", function () {
      expect(checkWithdrawer({ ...member, memberRoles: PO })?.reason).to.equal("NOT_TREASURER");
    });

    it("refuses a member of a frozen tenant", function () {
      expect(checkWithdrawer({ ...member, status: 5n })?.reason).to.equal("TENANT_FROZEN");
    });
  });

  describe("confirm, reject and refund", function () {
    const history: RemittanceHistory = {
      record: {
        id: "0x" + "aa".repeat(32),
        sendingTenant: hk,
        receivingTenant: ph,
        provider: encodeBytes32String("settlement-bank"),
        sourceToken: "0x" + "11".repeat(20),
        destinationToken: "0x" + "22".repeat(20),
        sourceAmount: 100_000n,
        destinationAmount: 720_000n,
        fee: 1_000n,
        deadline: NOW + 600n,
      },
      corridorId,
      recipientHash: ZERO_ID,
      complianceHash: ZERO_ID,
      initiated: { blockNumber: 10, txHash: "0x" + "bb".repeat(32) },
    };
    const receiver = { account: sender, tenantId: ph, tenantRoles: PO, memberRoles: PO, status: 2n };

    it("lets the receiving operator confirm only before the deadline", function () {
      expect(checkReceiver(history, receiver, "confirm", NOW)).to.equal(undefined);
      expect(checkReceiver(history, receiver, "confirm", NOW + 600n)?.reason).to.equal("DEADLINE_PASSED");
    });

    it("refuses a confirm by a member of another tenant", function () {
      expect(checkReceiver(history, { ...receiver, tenantId: hk }, "confirm", NOW)?.reason).to.equal("NOT_RECEIVER");
    });

    it("lets an offboarded receiver reject but not confirm", function () {
      const offboarded = { ...receiver, status: 4n };
      expect(checkReceiver(history, offboarded, "confirm", NOW)?.reason).to.equal("RECEIVER_OFFBOARDED");
      expect(checkReceiver(history, offboarded, "reject", NOW)).to.equal(undefined);
    });

    it("lets a frozen receiver reject but not confirm", function () {
      const frozen = { ...receiver, status: 5n };
      expect(checkReceiver(history, frozen, "confirm", NOW)?.reason).to.equal("TENANT_FROZEN");
      expect(checkReceiver(history, frozen, "reject", NOW)).to.equal(undefined);
    });

    it("refuses a refund before the deadline as retryable later", function () {
      const refusal = checkRefundable(history, NOW);
      expect(refusal?.reason).to.equal("DEADLINE_NOT_REACHED");
      expect(refusal?.retryable).to.equal(true);
      expect(checkRefundable(history, NOW + 600n)).to.equal(undefined);
    });
  });
});
