import { expect } from "chai";
import { DatabaseSync } from "node:sqlite";

import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { call, codeOf, tempDir, type Answer } from "../wallet/helpers.js";
import { startStack, type Stack } from "../e2e/stack.js";

/**
 * `POST /remittances` on the HK relayer (a process, with the quote service and the PH relayer running):
 * every bad request is a 4xx with a stable code, and neither the relayer's store nor the chain changes.
 */
describe("Operator relayer: bad input on POST /remittances", function () {
  this.timeout(180_000);
  let node: RemittanceNode;
  let temp: { dir: string; remove(): Promise<void> };
  let stack: Stack;

  before(async function () {
    node = await startRemittanceNode();
    temp = await tempDir("ll-op-bad-");
    stack = await startStack({ dir: temp.dir, node, quoteValiditySeconds: 5 });
  });

  after(async function () {
    await stack?.close();
    await node?.close();
    await temp?.remove();
  });

  /** What a refused request must leave as it was: the relayer's rows, its idempotency records, the chain. */
  const snapshot = async () => {
    const db = new DatabaseSync(stack.storePaths.hkOperator, { readOnly: true });
    try {
      const rows = (sql: string) => db.prepare(sql).all();
      return {
        remittances: rows("SELECT id, status, step FROM op_remittances ORDER BY id"),
        idempotency: rows("SELECT tenant, idem_key, state FROM kit_idempotency ORDER BY tenant, idem_key"),
        batchItems: rows("SELECT id FROM tx_batch_items ORDER BY id"),
        ledger: (
          await node.setup.remittance.balanceOf(node.world.tenants.hkWallet, node.world.addresses.hkd!)
        ).toString(),
        nonce: await node.world.ethers.provider.getTransactionCount(node.world.actors.hkWallet.address),
      };
    } finally {
      db.close();
    }
  };

  const body = { amount: "10000", receivingOperator: "ph-wallet", recipientRef: "bob-1", compliance: { sender: "A" } };
  const post = (init: { key?: string; body?: unknown; raw?: string; idem?: string | null }) =>
    call(stack.urls.hkOperator, "POST", "/remittances", {
      key: init.key,
      body: init.body,
      raw: init.raw,
      headers: init.idem === null ? {} : { "idempotency-key": init.idem ?? `k-${Math.random()}` },
    });
  const quote = async (key: string) => {
    const answer = await call(stack.urls.quotes, "POST", "/quotes", {
      key,
      body: { corridor: "HKD-PHP", sellAmount: body.amount, receivingOperator: "ph-wallet" },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    return (answer.body as { id: string; expiresAt: number }).id;
  };

  it("refuses malformed, mistyped, incomplete, oversized and unauthenticated requests without a trace", async function () {
    const key = stack.keys.hkOperatorClient;
    const before = await snapshot();
    const cases: [string, Answer, number, string][] = [
      ["malformed JSON", await post({ key, raw: "{ amount: " }), 400, "malformed_json"],
      ["amount as a number", await post({ key, body: { ...body, amount: 10000 } }), 400, "invalid_request"],
      ["negative amount", await post({ key, body: { ...body, amount: "-5" } }), 400, "invalid_request"],
      ["compliance as a string", await post({ key, body: { ...body, compliance: "x" } }), 400, "invalid_request"],
      ["missing recipient", await post({ key, body: { ...body, recipientRef: undefined } }), 400, "invalid_request"],
      ["unknown field", await post({ key, body: { ...body, extra: true } }), 400, "invalid_request"],
      ["no Idempotency-Key", await post({ key, body, idem: null }), 400, "invalid_request"],
      ["bad quote id", await post({ key, body: { ...body, quoteId: "0x12" } }), 400, "invalid_request"],
      [
        "huge body",
        await post({ key, raw: JSON.stringify({ ...body, pad: "x".repeat(200_000) }) }),
        413,
        "body_too_large",
      ],
      ["no API key", await post({ body }), 401, "unauthorized"],
      ["wrong API key", await post({ key: "llk_wrong", body }), 401, "unauthorized"],
      ["another tenant's key", await post({ key: stack.keys.foreignOperatorClient, body }), 403, "forbidden"],
      [
        "unknown receiving operator",
        await post({ key, body: { ...body, receivingOperator: "nowhere" } }),
        422,
        "unknown_receiving_operator",
      ],
    ];
    for (const [what, answer, status, code] of cases) {
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).to.equal(status);
      expect(codeOf(answer), what).to.equal(code);
    }
    expect(await snapshot()).to.deep.equal(before);
  });

  it("refuses a replayed Idempotency-Key with another body, and answers the same body with the same remittance", async function () {
    const key = stack.keys.hkOperatorClient;
    const first = await post({ key, body, idem: "replay-1" });
    expect(first.status, JSON.stringify(first.body)).to.equal(202);
    const again = await post({ key, body, idem: "replay-1" });
    expect(again.status).to.equal(202);
    expect((again.body as { id: string }).id).to.equal((first.body as { id: string }).id);
    const before = await snapshot();
    const other = await post({ key, body: { ...body, amount: "20000" }, idem: "replay-1" });
    expect(other.status).to.equal(422);
    expect(codeOf(other)).to.equal("idempotency_key_reused");
    const after = await snapshot();
    // The first request goes on (its own steps may move); nothing new was created.
    expect(after.remittances.map((r) => (r as { id: string }).id)).to.deep.equal(
      before.remittances.map((r) => (r as { id: string }).id),
    );
    expect(after.idempotency).to.deep.equal(before.idempotency);
  });

  it("refuses a foreign quote, an expired quote and a quote for other terms", async function () {
    const key = stack.keys.hkOperatorClient;
    const foreign = await quote(stack.keys.foreignQuotes);
    const mine = await quote(stack.keys.quotes);
    const before = await snapshot();
    const foreignAnswer = await post({ key, body: { ...body, quoteId: foreign } });
    expect(foreignAnswer.status).to.equal(422);
    expect(codeOf(foreignAnswer)).to.equal("foreign_quote");
    const otherAmount = await post({ key, body: { ...body, amount: "20000", quoteId: mine } });
    expect(codeOf(otherAmount)).to.equal("quote_mismatch");
    const unknown = await post({ key, body: { ...body, quoteId: `0x${"cd".repeat(32)}` } });
    expect(codeOf(unknown)).to.equal("unknown_quote");
    // 5 s validity, 3 s required to remain: after 3 s the quote is too close to its expiry to be used.
    await new Promise((r) => setTimeout(r, 3_000));
    const expired = await post({ key, body: { ...body, quoteId: mine } });
    expect(expired.status).to.equal(422);
    expect(codeOf(expired)).to.equal("quote_expired");
    const after = await snapshot();
    expect(after.remittances.map((r) => (r as { id: string }).id)).to.deep.equal(
      before.remittances.map((r) => (r as { id: string }).id),
    );
    expect(after.idempotency).to.deep.equal(before.idempotency);
  });
});
