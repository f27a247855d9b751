import { expect } from "chai";
import { Interface, makeError } from "ethers";

import { PLATFORM_ABIS } from "../../client/abi.js";
import { BaseError, ContractRevertError, TransportError } from "../../client/errors.js";
import { classifyError, decodeRevertData, findRevertData } from "../../client/revert.js";
import { Roles } from "../../client/roles.js";
import { parseId } from "../../client/text.js";

const registry = new Interface(PLATFORM_ABIS.TenantRegistry);
const remittance = new Interface(PLATFORM_ABIS.RemittanceSettlement);
const escrow = new Interface(PLATFORM_ABIS.TokenEscrow);
const hkWallet = parseId("tenant", "hk-wallet");

describe("client revert decoding", function () {
  describe("a business contract's own errors", function () {
    it("names the error and each argument, showing ids as their labels", function () {
      const data = remittance.encodeErrorResult("RemittanceUnknownCorridor", [parseId("c", "HKD-PHP")]);
      expect(decodeRevertData(data)?.text).to.equal("RemittanceUnknownCorridor(corridorId=HKD-PHP)");
    });

    it("shows status arguments as the enum's names", function () {
      const id = "0x" + "ab".repeat(32);
      const data = remittance.encodeErrorResult("RemittanceNotPending", [id, 2]);
      expect(decodeRevertData(data)?.fields[1]?.value).to.equal("PaidOut");
    });

    it("shows unix times as dates", function () {
      const data = escrow.encodeErrorResult("EscrowDeadlinePassed", ["0x" + "01".repeat(32), 1_767_225_600n]);
      expect(decodeRevertData(data)?.fields[1]?.value).to.equal("2026-01-01T00:00:00Z");
    });
  });

  describe("registry errors raised inside a business call", function () {
    it("decodes them with role names instead of bits", function () {
      const account = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
      const data = registry.encodeErrorResult("RegistryMissingRole", [account, hkWallet, Roles["payment-operator"]]);
      expect(decodeRevertData(data)?.text).to.equal(
        `RegistryMissingRole(account=${account}, tenantId=hk-wallet, role=payment-operator)`,
      );
    });

    it("decodes tenant statuses by name", function () {
      const data = registry.encodeErrorResult("RegistryTenantNotActive", [hkWallet, 3]);
      expect(decodeRevertData(data)?.text).to.equal("RegistryTenantNotActive(tenantId=hk-wallet, status=Suspended)");
    });
  });

  describe("nested reasons", function () {
    it("decodes a batch item's own error inside RemittanceBatchItemFailed", function () {
      const inner = registry.encodeErrorResult("RegistryTenantNotActive", [hkWallet, 4]);
      const data = remittance.encodeErrorResult("RemittanceBatchItemFailed", [7, inner]);
      const decoded = decodeRevertData(data);
      expect(decoded?.name).to.equal("RemittanceBatchItemFailed");
      expect(decoded?.inner?.name).to.equal("RegistryTenantNotActive");
      expect(decoded?.text).to.equal(
        "RemittanceBatchItemFailed(index=7, reason=RegistryTenantNotActive(tenantId=hk-wallet, status=Offboarded))",
      );
    });

    it("reports the innermost error name on the typed error", function () {
      const inner = remittance.encodeErrorResult("RemittanceQuoteAlreadyUsed", ["0x" + "11".repeat(32)]);
      const data = remittance.encodeErrorResult("RemittanceBatchItemFailed", [0, inner]);
      expect(new ContractRevertError(decodeRevertData(data), data).errorName).to.equal("RemittanceQuoteAlreadyUsed");
    });
  });

  describe("built-in and unknown errors", function () {
    it("decodes Error(string), escaping control characters", function () {
      const data = new Interface(["error Error(string)"]).encodeErrorResult("Error", ["bad\u001b[2Jthing"]);
      expect(decodeRevertData(data)?.text).to.equal('Error("bad\\u{1b}[2Jthing")');
    });

    it("decodes Panic(uint256) with its meaning", function () {
      const data = new Interface(["error Panic(uint256)"]).encodeErrorResult("Panic", [0x11]);
      expect(decodeRevertData(data)?.text).to.equal("Panic(0x11 (arithmetic overflow or underflow))");
    });

    it("returns undefined for data no platform ABI declares", function () {
      expect(decodeRevertData("0xdeadbeef")).to.equal(undefined);
    });
  });

  describe("classifying what a node call threw", function () {
    it("turns a CALL_EXCEPTION with revert data into a ContractRevertError that never retries", function () {
      const data = registry.encodeErrorResult("RegistryUnknownTenant", [hkWallet]);
      const thrown = makeError("execution reverted", "CALL_EXCEPTION", {
        action: "estimateGas",
        data,
        reason: null,
        transaction: { to: null, data: "0x" },
        invocation: null,
        revert: null,
      });
      const error = classifyError(thrown);
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).code).to.equal("CONTRACT_REVERT");
      expect((error as ContractRevertError).retryable).to.equal(false);
      expect((error as BaseError).shortMessage).to.equal(
        "the contract rejected the call: RegistryUnknownTenant(tenantId=hk-wallet)",
      );
      expect((error as BaseError).walk((e) => e === thrown)).to.equal(thrown);
    });

    it("finds revert data nested in a JSON-RPC error's cause chain", function () {
      const data = registry.encodeErrorResult("RegistryZeroAccount", []);
      expect(findRevertData({ error: { cause: { data: { data } } } })).to.equal(data);
    });

    it("turns a network failure into a retryable TransportError", function () {
      const error = classifyError(makeError("connection refused", "NETWORK_ERROR", { event: "request" }));
      expect(error).to.be.instanceOf(TransportError);
      expect((error as TransportError).retryable).to.equal(true);
    });
  });
});
