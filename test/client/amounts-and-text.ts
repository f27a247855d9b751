import { expect } from "chai";

import { formatAmount, parseAmount, parseDuration, parseUint } from "../../client/amounts.js";
import { DealStatus, nameOf, RemittanceStatus, TenantStatus, valueOf } from "../../client/enums.js";
import { InvalidArgumentError } from "../../client/errors.js";
import { formatRoles, parseRoles, Roles } from "../../client/roles.js";
import { escapeText, formatId, formatTime, parseId, requirePrintable } from "../../client/text.js";

describe("client amounts", function () {
  it("parses decimal text into base units and formats it back with every decimal", function () {
    const amount = parseAmount("amount", "1250.5", 2);
    expect(amount).to.equal(125_050n);
    expect(formatAmount(amount, { symbol: "tHKD", decimals: 2 })).to.equal("1,250.50 tHKD");
  });

  it("accepts trailing zeros beyond the token's decimals but not significant digits", function () {
    expect(parseAmount("amount", "1.500", 2)).to.equal(150n);
    expect(() => parseAmount("amount", "1.005", 2)).to.throw(InvalidArgumentError, /has more than 2 decimals/);
  });

  it("refuses zero unless the caller admits it (revoking an allowance)", function () {
    expect(() => parseAmount("amount", "0", 2)).to.throw(InvalidArgumentError, /greater than zero/);
    expect(parseAmount("amount", "0", 2, { allowZero: true })).to.equal(0n);
  });

  it("refuses amounts beyond the contract field as an argument error, not an encoding error", function () {
    expect(() => parseAmount("amount", "1" + "0".repeat(40), 2)).to.throw(InvalidArgumentError, /largest amount/);
  });

  it("bounds integers and durations", function () {
    expect(() => parseUint("fee-bps", "10001", 10_000n)).to.throw(InvalidArgumentError, /above the maximum 10000/);
    expect(parseDuration("window", "2h")).to.equal(7200n);
    expect(() => parseDuration("window", "99999999999d")).to.throw(InvalidArgumentError, /longer than/);
    expect(() => parseDuration("window", "-5")).to.throw(InvalidArgumentError, /not a duration/);
  });
});

describe("client text", function () {
  it("refuses control characters in text bound for the chain", function () {
    expect(() => requirePrintable("name", "Harbour\nPay")).to.throw(InvalidArgumentError, /control characters/);
    expect(() => requirePrintable("name", "evil\u202eyap")).to.throw(InvalidArgumentError, /control characters/);
    expect(requirePrintable("name", "Bayani Pay ₱")).to.equal("Bayani Pay ₱");
  });

  it("escapes control characters in text read from the chain", function () {
    expect(escapeText("a\u001b[31mb")).to.equal("a\\u{1b}[31mb");
  });

  it("shows unicode labels as their labels and other bytes32 values as hex", function () {
    expect(formatId(parseId("tenant", "香港-wallet"))).to.equal("香港-wallet");
    const hash = "0x" + "ff".repeat(32);
    expect(formatId(hash)).to.equal(hash);
  });

  it("formats unix times as ISO dates", function () {
    expect(formatTime(0n)).to.equal("1970-01-01T00:00:00Z");
  });
});

describe("client tables", function () {
  it("maps enum values to names and back", function () {
    expect(valueOf(TenantStatus, "Active")).to.equal(2n);
    expect(nameOf(DealStatus, 5n)).to.equal("Resolved");
    expect(nameOf(RemittanceStatus, 9n)).to.equal("Unknown(9)");
    // Frozen was appended so the earlier tenant statuses keep their numbers.
    expect(valueOf(TenantStatus, "Offboarded")).to.equal(4n);
    expect(valueOf(TenantStatus, "Frozen")).to.equal(5n);
  });

  it("knows the member-only treasury permission (bit 14) and keeps it out of tenant roles", function () {
    expect(Roles.treasury).to.equal(1 << 14);
    expect(parseRoles("roles", "payment-operator,treasury", true)).to.equal(Roles["payment-operator"] | Roles.treasury);
    expect(formatRoles(Roles.treasury | Roles.admin)).to.equal("treasury,admin");
    expect(() => parseRoles("roles", "treasury", false)).to.throw(InvalidArgumentError, /unknown role "treasury"/);
  });

  it("parses and formats role names", function () {
    const bits = parseRoles("roles", "merchant, sponsor", false);
    expect(bits).to.equal(Roles.merchant | Roles.sponsor);
    expect(formatRoles(bits)).to.equal("merchant,sponsor");
    expect(() => parseRoles("roles", "admin", false)).to.throw(InvalidArgumentError, /unknown role "admin"/);
    expect(() => parseRoles("roles", "toString", true)).to.throw(InvalidArgumentError, /unknown role/);
  });
});
