import { expect } from "chai";
import { DatabaseSync } from "node:sqlite";

import { listRemittances } from "../../../client/remittance.js";
import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { balanceOf, call, tempDir } from "../wallet/helpers.js";
import { bothWalletsReconciled, eventually, openAccounts, startStack, type Stack } from "./stack.js";

interface Transfer {
  id: string;
  state: string;
  remittanceId: string | null;
  refundReason: string | null;
}
interface Remittance {
  id: string;
  status: string;
  remittanceId: string | null;
  createdAt: number;
  updatedAt: number;
}

const COUNT = 50;
const HKD = (n: number) => BigInt(Math.round(n * 100));

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

describe("Remittances end to end: wallets, operator relayers and the quote service as processes, 1 s blocks", function () {
  this.timeout(240_000);
  let node: RemittanceNode;
  let temp: { dir: string; remove(): Promise<void> };
  let stack: Stack;
  let alice: string;
  const recipients = Array.from({ length: 10 }, (_, i) => `bob-${i}`);
  let phAccounts: Map<string, string>;

  before(async function () {
    // A 10 s receiver window (600 s in the demo) so the expired case runs in seconds.
    node = await startRemittanceNode({ minReceiverWindow: 10 });
    await node.intervalMining(1);
    temp = await tempDir("ll-e2e-");
    stack = await startStack({ dir: temp.dir, node, sendDeadlineSeconds: 20, safetyMarginSeconds: 4 });
    ({ alice, phAccounts } = await openAccounts(stack, HKD(100_000), recipients));
  });

  after(async function () {
    await stack?.close();
    await node?.close();
    await temp?.remove();
  });

  const send = async (
    key: string,
    amount: bigint,
    recipientRef: string,
    compliance: object = { sender: "Alice Chan" },
  ) => {
    const answer = await call(stack.urls.hkWallet, "POST", "/transfers", {
      key: stack.keys.hkApp,
      headers: { "idempotency-key": key },
      body: { accountId: alice, amount: amount.toString(), receivingOperator: "ph-wallet", recipientRef, compliance },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return (answer.body as Transfer).id;
  };
  const transfer = async (id: string) =>
    (await call(stack.urls.hkWallet, "GET", `/transfers/${id}`, { key: stack.keys.hkApp })).body as Transfer;
  const finalState = (id: string, state: string, ms = 90_000) =>
    eventually(
      `transfer ${id} ${state}`,
      async () => {
        const t = await transfer(id);
        if (t.state === "paid_out" || t.state === "refunded") {
          expect(t.state, JSON.stringify(t)).to.equal(state);
          return t;
        }
        return undefined;
      },
      ms,
    );

  it(`pays out ${COUNT} remittances HK -> PH, credits each recipient, and both wallets reconcile with the chain`, async function () {
    const started = Date.now();
    const aliceBefore = await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice);
    const sent: { id: string; amount: bigint; to: string }[] = [];
    for (let i = 0; i < COUNT; i++) {
      const amount = HKD(100 + 7 * i);
      const to = recipients[i % recipients.length]!;
      sent.push({ id: await send(`t-${i}`, amount, to), amount, to });
    }
    const done = await Promise.all(sent.map((s) => finalState(s.id, "paid_out")));
    const seconds = (Date.now() - started) / 1000;

    // Latency as the HK relayer saw it: accepted → paid_out seen on chain.
    const list = await call(stack.urls.hkOperator, "GET", "/remittances?status=paid_out", {
      key: stack.keys.hkOperatorClient,
    });
    const remittances = (list.body as { remittances: Remittance[] }).remittances;
    expect(remittances).to.have.length(COUNT);
    const latencies = remittances.map((r) => (r.updatedAt - r.createdAt) / 1000);
    console.log(
      `      ${COUNT} remittances paid out in ${seconds.toFixed(1)} s (${(COUNT / seconds).toFixed(1)}/s); ` +
        `relayer latency p50 ${percentile(latencies, 50).toFixed(2)} s, p99 ${percentile(latencies, 99).toFixed(2)} s`,
    );

    // Each recipient got exactly the destination amounts of its paid-out remittances, once.
    const history = await listRemittances(
      { contract: node.setup.remittance, provider: node.world.ethers.provider, fromBlock: 0 },
      node.world.tenants.hkWallet,
      "sender",
    );
    const byId = new Map(history.map((h) => [h.record.id, h]));
    const expected = new Map<string, bigint>();
    for (const [i, s] of sent.entries()) {
      const h =
        byId.get(done[i]!.remittanceId!.toLowerCase()) ??
        byId.get(remittances.find((r) => r.id === done[i]!.remittanceId)?.remittanceId ?? "");
      expect(h, `remittance of ${s.id}`).to.not.equal(undefined);
      expect(h!.final?.status).to.equal("PaidOut");
      expect(h!.record.sourceAmount).to.equal(s.amount);
      expected.set(s.to, (expected.get(s.to) ?? 0n) + h!.record.destinationAmount);
    }
    for (const ref of recipients) {
      const balance = await balanceOf({ url: stack.urls.phWallet, appKey: stack.keys.phApp }, phAccounts.get(ref)!);
      expect(balance, ref).to.equal(expected.get(ref) ?? 0n);
    }
    const aliceAfter = await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice);
    expect(aliceBefore - aliceAfter).to.equal(sent.reduce((sum, s) => sum + s.amount, 0n));
    await bothWalletsReconciled(stack, 15_000);
  });

  it("refunds a remittance the receiving wallet refuses (unknown recipient): rejected on chain, the sender made whole", async function () {
    const before = await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice);
    const id = await send("t-ghost", HKD(250), "ghost-recipient");
    const t = await finalState(id, "refunded");
    expect(t.refundReason).to.match(/unknown_recipient/);
    expect(await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice)).to.equal(before);
    const r = (
      await call(stack.urls.hkOperator, "GET", `/remittances/${t.remittanceId}`, { key: stack.keys.hkOperatorClient })
    ).body as Remittance & { reason: string };
    expect(r.status).to.equal("rejected");
    expect(r.reason).to.equal("unknown_recipient");
  });

  it("refunds a remittance nobody confirms before its deadline (expired), and the receiver does not pay it late", async function () {
    const before = await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice);
    const bobBefore = await balanceOf({ url: stack.urls.phWallet, appKey: stack.keys.phApp }, phAccounts.get("bob-0")!);
    // The PH relayer dies right after it took the recipient details (before the HK relayer initiates, which
    // needs them handed over first): nobody confirms, and the HK relayer refunds past the deadline.
    const inbound = () => {
      const db = new DatabaseSync(stack.storePaths.phOperator, { readOnly: true });
      try {
        return Number((db.prepare("SELECT COUNT(*) AS n FROM op_inbound").get() as { n: number }).n);
      } finally {
        db.close();
      }
    };
    const inboundBefore = inbound();
    const id = await send("t-late", HKD(300), "bob-0");
    await eventually("details handed over", async () => (inbound() > inboundBefore ? true : undefined), 20_000);
    await stack.kill("phOperator");
    const t = await finalState(id, "refunded", 60_000);
    const r = (
      await call(stack.urls.hkOperator, "GET", `/remittances/${t.remittanceId}`, { key: stack.keys.hkOperatorClient })
    ).body as Remittance;
    expect(r.status).to.equal("expired");
    expect(await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice)).to.equal(before);
    await stack.start("phOperator");
    // The restarted receiver catches up with the chain and does not pay an expired remittance.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await balanceOf({ url: stack.urls.phWallet, appKey: stack.keys.phApp }, phAccounts.get("bob-0")!)).to.equal(
      bobBefore,
    );
    await bothWalletsReconciled(stack, 15_000);
  });
});
