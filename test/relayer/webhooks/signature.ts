import { expect } from "chai";
import { randomBytes } from "node:crypto";

import {
  WebhookVerificationError,
  signWebhook,
  verifyWebhook,
  type WebhookErrorCode,
} from "../../../client/webhooks.js";

const secret = () => `whsec_${randomBytes(32).toString("base64")}`;

function codeOf(fn: () => unknown): WebhookErrorCode {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).code;
  }
  expect.fail("verification passed but should have failed");
}

describe("Webhook signatures (Standard Webhooks)", function () {
  const now = 1_800_000_000;
  const body = JSON.stringify({ type: "remittance.status_changed", data: { id: "r1", status: "paid_out" } });
  const oldSecret = secret();
  const newSecret = secret();

  describe("signWebhook", function () {
    it("produces the three headers with a v1 HMAC-SHA256 over id.timestamp.body", function () {
      const headers = signWebhook({ id: "msg_1", timestamp: now, body, secrets: oldSecret });
      expect(headers["webhook-id"]).to.equal("msg_1");
      expect(headers["webhook-timestamp"]).to.equal(String(now));
      expect(headers["webhook-signature"]).to.match(/^v1,[A-Za-z0-9+/]{43}=$/);
    });

    it("matches the Standard Webhooks reference vector", function () {
      // From the standard-webhooks reference test suite (JavaScript library).
      const headers = signWebhook({
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secrets: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      });
      expect(headers["webhook-signature"]).to.equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    });

    it("signs with every active secret, space-separated, during a rotation", function () {
      const headers = signWebhook({ id: "msg_2", timestamp: now, body, secrets: [oldSecret, newSecret] });
      expect(headers["webhook-signature"].split(" ")).to.have.length(2);
    });

    it("refuses a secret that is not base64 or too short, without quoting it", function () {
      expect(() => signWebhook({ id: "m", timestamp: now, body, secrets: "whsec_!!!" }))
        .to.throw(WebhookVerificationError)
        .with.property("code", "webhook_invalid_secret");
      expect(() => signWebhook({ id: "m", timestamp: now, body, secrets: "whsec_AAAA" }))
        .to.throw(WebhookVerificationError)
        .that.satisfies((e: Error) => !e.message.includes("AAAA"));
    });
  });

  describe("verifyWebhook", function () {
    const headers = signWebhook({ id: "msg_3", timestamp: now, body, secrets: oldSecret });

    it("accepts a genuine message and returns its id for deduplication", function () {
      expect(verifyWebhook(headers, body, oldSecret, { now })).to.deep.equal({ id: "msg_3", timestamp: now });
      expect(verifyWebhook(new Headers({ ...headers }), Buffer.from(body), [oldSecret], { now }).id).to.equal("msg_3");
    });

    it("refuses a tampered body, a changed id and a changed timestamp", function () {
      expect(codeOf(() => verifyWebhook(headers, body.replace("paid_out", "rejected"), oldSecret, { now }))).to.equal(
        "webhook_bad_signature",
      );
      expect(codeOf(() => verifyWebhook({ ...headers, "webhook-id": "msg_4" }, body, oldSecret, { now }))).to.equal(
        "webhook_bad_signature",
      );
      expect(
        codeOf(() => verifyWebhook({ ...headers, "webhook-timestamp": String(now + 1) }, body, oldSecret, { now })),
      ).to.equal("webhook_bad_signature");
    });

    it("refuses a signature made with another secret", function () {
      expect(codeOf(() => verifyWebhook(headers, body, newSecret, { now }))).to.equal("webhook_bad_signature");
    });

    it("accepts old and new secrets during a rotation, from either side", function () {
      const byOld = signWebhook({ id: "msg_5", timestamp: now, body, secrets: oldSecret });
      const byNew = signWebhook({ id: "msg_5", timestamp: now, body, secrets: newSecret });
      const byBoth = signWebhook({ id: "msg_5", timestamp: now, body, secrets: [oldSecret, newSecret] });
      for (const signed of [byOld, byNew, byBoth]) {
        expect(verifyWebhook(signed, body, [oldSecret, newSecret], { now }).id).to.equal("msg_5");
      }
      // A receiver that has moved to the new secret only still accepts a sender signing with both.
      expect(verifyWebhook(byBoth, body, [newSecret], { now }).id).to.equal("msg_5");
      expect(codeOf(() => verifyWebhook(byOld, body, [newSecret], { now }))).to.equal("webhook_bad_signature");
    });

    it("refuses a stale timestamp and a future one beyond the tolerance, and accepts the edges", function () {
      expect(codeOf(() => verifyWebhook(headers, body, oldSecret, { now: now + 301 }))).to.equal(
        "webhook_timestamp_too_old",
      );
      expect(codeOf(() => verifyWebhook(headers, body, oldSecret, { now: now - 301 }))).to.equal(
        "webhook_timestamp_too_new",
      );
      expect(verifyWebhook(headers, body, oldSecret, { now: now + 300 }).id).to.equal("msg_3");
      expect(verifyWebhook(headers, body, oldSecret, { now: now - 300 }).id).to.equal("msg_3");
      expect(codeOf(() => verifyWebhook(headers, body, oldSecret, { now: now + 11, toleranceSeconds: 10 }))).to.equal(
        "webhook_timestamp_too_old",
      );
    });

    it("names each missing header and refuses a malformed timestamp", function () {
      for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
        const partial: Record<string, string> = { ...headers };
        delete partial[name];
        expect(codeOf(() => verifyWebhook(partial, body, oldSecret, { now }))).to.equal("webhook_missing_header");
      }
      expect(
        codeOf(() => verifyWebhook({ ...headers, "webhook-timestamp": "12.5" }, body, oldSecret, { now })),
      ).to.equal("webhook_invalid_timestamp");
    });

    it("ignores signature versions it does not know and refuses when no v1 entry matches", function () {
      const v1 = headers["webhook-signature"];
      expect(verifyWebhook({ ...headers, "webhook-signature": `v1a,xyz ${v1}` }, body, oldSecret, { now }).id).to.equal(
        "msg_3",
      );
      expect(
        codeOf(() =>
          verifyWebhook({ ...headers, "webhook-signature": v1.replace("v1,", "v2,") }, body, oldSecret, { now }),
        ),
      ).to.equal("webhook_bad_signature");
    });
  });
});
