import { expect } from "chai";
import { encodeBytes32String, verifyTypedData, Wallet } from "ethers";

import {
  FORWARD_REQUEST_TYPES,
  forwarderTypedDataDomain,
  signForwardRequest,
} from "../../client/eip712/forward-request.js";
import {
  quoteDigest,
  quoteHasher,
  recoverQuoteSigner,
  remittanceIdOf,
  signQuote,
  type QuoteDomain,
} from "../../client/eip712/quote.js";
import { QuoteError } from "../../client/errors.js";
import { buildQuote, parseSignedQuote, priceDestination, serializeSignedQuote } from "../../client/quote-file.js";

const provider = Wallet.fromPhrase("test test test test test test test test test test test junk");
const domain: QuoteDomain = { chainId: 31337n, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
const sendingTenant = encodeBytes32String("hk-wallet");
const receivingTenant = encodeBytes32String("ph-wallet");
const clientRef = encodeBytes32String("harbour-000001");

function quote() {
  return buildQuote({
    corridorId: encodeBytes32String("HKD-PHP"),
    sendingTenant,
    receivingTenant,
    clientRef,
    sourceAmount: 100_000n,
    destinationAmount: 720_000n,
    fee: 1_000n,
    expiry: 1_800_000_000n,
    latestDeadline: 1_800_003_600n,
  });
}

describe("client EIP-712 tables", function () {
  describe("quote", function () {
    it("derives the quote id from the sending tenant and the client reference", function () {
      expect(quote().quoteId).to.equal(remittanceIdOf(sendingTenant, clientRef));
    });

    it("round-trips a signed quote through its file and recovers the provider's signer", async function () {
      const signed = await signQuote(provider, domain, quote(), clientRef);
      const parsed = parseSignedQuote(serializeSignedQuote(signed));
      expect(parsed).to.deep.equal(signed);
      expect(recoverQuoteSigner(parsed)).to.equal(provider.address);
    });

    it("refuses a quote file whose amount was changed after signing", async function () {
      const signed = await signQuote(provider, domain, quote(), clientRef);
      const tampered = serializeSignedQuote(signed).replace('"sourceAmount": "100000"', '"sourceAmount": "900000"');
      expect(() => parseSignedQuote(tampered)).to.throw(QuoteError, /recovers to .*, not to the stated signer/);
    });

    it("binds the receiving operator and the latest deadline: changing either breaks the signature", async function () {
      const signed = await signQuote(provider, domain, quote(), clientRef);
      const text = serializeSignedQuote(signed);
      const otherReceiver = text.replace(receivingTenant, encodeBytes32String("sg-wallet"));
      expect(() => parseSignedQuote(otherReceiver)).to.throw(QuoteError, /recovers to .*, not to the stated signer/);
      const later = text.replace('"latestDeadline": "1800003600"', '"latestDeadline": "1800007200"');
      expect(() => parseSignedQuote(later)).to.throw(QuoteError, /recovers to .*, not to the stated signer/);
    });

    it("hashes many quotes of one domain to the same digest as quoteDigest", function () {
      const digest = quoteHasher(domain);
      for (const q of [quote(), { ...quote(), fee: 0n, sourceAmount: 2n ** 128n - 1n }]) {
        expect(digest(q)).to.equal(quoteDigest(domain, q));
      }
    });

    it("refuses a quote file naming the sender as its receiver", async function () {
      const signed = await signQuote(provider, domain, { ...quote(), receivingTenant: sendingTenant }, clientRef);
      expect(() => parseSignedQuote(serializeSignedQuote(signed))).to.throw(QuoteError, /cannot pay itself out/);
    });

    it("refuses an amount wider than the quote's uint128 field", async function () {
      const signed = await signQuote(provider, domain, quote(), clientRef);
      const wide = serializeSignedQuote(signed).replace('"fee": "1000"', `"fee": "${2n ** 128n}"`);
      expect(() => parseSignedQuote(wide)).to.throw(QuoteError, /quote.fee is above its field's maximum/);
    });

    it("prices the destination at the rate less the spread, rounded down across decimals", function () {
      // 1,000.00 HKD at 7.2450 less 35 bps = 7,219.64 PHP (2 decimals each).
      expect(priceDestination(100_000n, "7.2450", 35n, { source: 2, destination: 2 })).to.equal(721_964n);
    });
  });

  describe("forward request", function () {
    it("signs a request that OpenZeppelin's forwarder type verifies to the signer", async function () {
      const fwd = { chainId: 31337n, verifyingContract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" };
      const request = await signForwardRequest(provider, fwd, {
        to: domain.verifyingContract,
        data: "0x1234",
        nonce: 3n,
        deadline: 1_800_000_000n,
      });
      const { signature, ...fields } = request;
      const recovered = verifyTypedData(
        forwarderTypedDataDomain(fwd),
        FORWARD_REQUEST_TYPES,
        { ...fields, nonce: 3n },
        signature,
      );
      expect(recovered).to.equal(provider.address);
      expect(request.from).to.equal(provider.address);
    });
  });
});
