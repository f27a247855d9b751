import { expect } from "chai";

import {
  BaseError,
  ContractRevertError,
  DeploymentMismatchError,
  InvalidArgumentError,
  RefusalError,
  TransactionFailedError,
} from "../../client/errors.js";

describe("client error hierarchy", function () {
  it("keeps the short message apart from meta messages and details", function () {
    const error = new DeploymentMismatchError("not on this node", {
      metaMessages: ["Redeploy: npx hardhat ignition deploy ..."],
      details: "chain 1",
    });
    expect(error.shortMessage).to.equal("not on this node");
    expect(error.message).to.equal("not on this node\n\nRedeploy: npx hardhat ignition deploy ...\n\nDetails: chain 1");
    expect(error.code).to.equal("DEPLOYMENT_MISMATCH");
  });

  it("walks the cause chain to the first error of a kind", function () {
    const revert = new ContractRevertError(undefined, "0x");
    const outer = new TransactionFailedError("0x01", "reverted on chain", {
      cause: new Error("wrapper", { cause: revert }),
    });
    expect(outer.walk((e) => e instanceof ContractRevertError)).to.equal(revert);
    expect(outer.walk()).to.equal(revert);
  });

  it("gives every class a stable code and says whether retrying helps", function () {
    const cases: Array<[BaseError, string, boolean]> = [
      [new InvalidArgumentError("amount", "bad"), "INVALID_ARGUMENT", false],
      [new RefusalError("DAILY_CAP_EXCEEDED", "over the cap", { retryable: true }), "REFUSED", true],
      [new RefusalError("ALREADY_USED", "used"), "REFUSED", false],
      [new TransactionFailedError("0x01", "no event", { notProven: true }), "TRANSACTION_NOT_PROVEN", false],
    ];
    for (const [error, code, retryable] of cases) {
      expect(error.code, error.name).to.equal(code);
      expect(error.retryable, error.name).to.equal(retryable);
      expect(error).to.be.instanceOf(BaseError);
    }
  });
});
