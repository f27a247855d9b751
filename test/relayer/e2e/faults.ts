import { expect } from "chai";
import { DatabaseSync } from "node:sqlite";

import { listRemittances } from "../../../client/remittance.js";
import { seededRandom } from "../../../scripts/lib/stats.js";
import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { startSwitchableProxy, type SwitchableProxy } from "../helpers/switchable-proxy.js";
import { ADMIN_KEY, balanceOf, call, tempDir } from "../wallet/helpers.js";
import { bothWalletsReconciled, eventually, openAccounts, startStack, type ServiceName, type Stack } from "./stack.js";

const HKD = (n: number) => BigInt(Math.round(n * 100));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Faults during runs of the five services on 1 s blocks; after each, every remittance is paid out once,
 * each recipient holds exactly the destination amounts of its paid-out remittances, and both wallets
 * reconcile with the chain.
 */
describe("Remittances under faults: SIGKILL and restart, node outage, payout endpoint down, webhooks replayed", function () {
  this.timeout(300_000);
  let node: RemittanceNode;
  let proxy: SwitchableProxy;
  let temp: { dir: string; remove(): Promise<void> };
  let stack: Stack;
  let alice: string;
  const recipients = ["carol-0", "carol-1", "carol-2", "carol-3"];
  let phAccounts: Map<string, string>;
  /** Every transfer sent, with its recipient. */
  const sent: { id: string; to: string; amount: bigint }[] = [];
  let counter = 0;

  before(async function () {
    node = await startRemittanceNode({ minReceiverWindow: 10 });
    await node.intervalMining(1);
    proxy = await startSwitchableProxy(node.anvil.url);
    temp = await tempDir("ll-faults-");
    stack = await startStack({ dir: temp.dir, node, rpcUrl: proxy.url, safetyMarginSeconds: 5 });
    ({ alice, phAccounts } = await openAccounts(stack, HKD(100_000), recipients));
  });

  after(async function () {
    await stack?.close();
    await proxy?.close();
    await node?.close();
    await temp?.remove();
  });

  /** Sends through the HK wallet, retrying while the wallet itself is being restarted. */
  const send = async (n: number) => {
    const batch: typeof sent = [];
    for (let i = 0; i < n; i++) {
      const key = `f-${counter++}`;
      const to = recipients[counter % recipients.length]!;
      const amount = HKD(100 + counter);
      const answer = await eventually(
        `send ${key}`,
        async () => {
          const a = await call(stack.urls.hkWallet, "POST", "/transfers", {
            key: stack.keys.hkApp,
            headers: { "idempotency-key": key },
            body: {
              accountId: alice,
              amount: amount.toString(),
              receivingOperator: "ph-wallet",
              recipientRef: to,
              compliance: {},
            },
          }).catch(() => undefined);
          return a?.status === 202 ? a : undefined;
        },
        30_000,
      );
      batch.push({ id: (answer.body as { id: string }).id, to, amount });
    }
    sent.push(...batch);
    return batch;
  };

  const allPaidOut = (batch: typeof sent, ms = 120_000) =>
    Promise.all(
      batch.map((s) =>
        eventually(
          `transfer ${s.id} paid out`,
          async () => {
            const t = await call(stack.urls.hkWallet, "GET", `/transfers/${s.id}`, { key: stack.keys.hkApp }).catch(
              () => undefined,
            );
            const state = (t?.body as { state?: string } | undefined)?.state;
            if (state === "refunded") throw new Error(`transfer ${s.id} refunded: ${JSON.stringify(t!.body)}`);
            return state === "paid_out" ? true : undefined;
          },
          ms,
        ),
      ),
    );

  /** Exactly once: one payout per remittance in the PH wallet, balances equal the chain's paid-out amounts. */
  const expectExactlyOnce = async () => {
    const history = await listRemittances(
      { contract: node.setup.remittance, provider: node.world.ethers.provider, fromBlock: 0 },
      node.world.tenants.hkWallet,
      "sender",
    );
    const paid = history.filter((h) => h.final?.status === "PaidOut");
    expect(paid).to.have.length(sent.length);
    const db = new DatabaseSync(stack.storePaths.phWallet, { readOnly: true });
    const payouts = db.prepare("SELECT remittance_id, amount FROM wallet_payouts WHERE outcome = 'paid'").all() as {
      remittance_id: string;
      amount: string;
    }[];
    db.close();
    expect(payouts).to.have.length(sent.length);
    expect(new Set(payouts.map((p) => p.remittance_id.toLowerCase()))).to.deep.equal(
      new Set(paid.map((h) => h.record.id)),
    );
    const expected = new Map<string, bigint>();
    for (const s of sent) {
      const t = (await call(stack.urls.hkWallet, "GET", `/transfers/${s.id}`, { key: stack.keys.hkApp })).body as {
        remittanceId: string;
      };
      const r = (
        await call(stack.urls.hkOperator, "GET", `/remittances/${t.remittanceId}`, { key: stack.keys.hkOperatorClient })
      ).body as { remittanceId: string };
      const h = paid.find((p) => p.record.id === r.remittanceId.toLowerCase());
      expect(h, s.id).to.not.equal(undefined);
      expected.set(s.to, (expected.get(s.to) ?? 0n) + h!.record.destinationAmount);
    }
    for (const ref of recipients) {
      expect(
        await balanceOf({ url: stack.urls.phWallet, appKey: stack.keys.phApp }, phAccounts.get(ref)!),
        ref,
      ).to.equal(expected.get(ref) ?? 0n);
    }
    await bothWalletsReconciled(stack, 20_000);
  };

  it("completes every remittance exactly once while each service is SIGKILLed at random points and restarted", async function () {
    const random = seededRandom(20261129);
    const victims: ServiceName[] = ["hkOperator", "phOperator", "quotes", "phWallet", "hkOperator", "phOperator"];
    const sending = send(16);
    for (const victim of victims) {
      await sleep(300 + Math.floor(random() * 1_500));
      await stack.kill(victim);
      await sleep(Math.floor(random() * 1_000));
      await stack.start(victim);
    }
    const batch = await sending;
    await allPaidOut(batch);
    await expectExactlyOnce();
  });

  it("loses nothing while the node is unreachable for 8 s (the proxy in front of it is down, then back)", async function () {
    const batch = await send(8);
    await sleep(700);
    await proxy.down();
    await sleep(8_000);
    await proxy.up();
    await allPaidOut(batch);
    await expectExactlyOnce();
  });

  it("retries payouts while the payout endpoint fails, then pays each once when it recovers", async function () {
    const armed = await call(stack.urls.phWallet, "POST", "/admin/faults", {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { mode: "unavailable", count: 8, delayMs: 0 },
    });
    expect(armed.status).to.equal(200);
    const batch = await send(4);
    await allPaidOut(batch);
    const left = await call(stack.urls.phWallet, "GET", "/admin/faults", { headers: { "x-admin-key": ADMIN_KEY } });
    expect((left.body as { count: number }).count).to.equal(0);
    await expectExactlyOnce();
  });

  it("delivers the webhooks a receiver missed while down, and a replay changes nothing twice", async function () {
    const since = Date.now();
    const batch = await send(4);
    // Wait until the HK relayer holds them all, then take the HK wallet (the webhook receiver) down.
    await eventually("accepted by the relayer", async () => {
      const list = await call(stack.urls.hkOperator, "GET", `/remittances?since=${since}`, {
        key: stack.keys.hkOperatorClient,
      });
      return (list.body as { remittances: unknown[] }).remittances.length >= batch.length ? true : undefined;
    });
    await stack.kill("hkWallet");
    await eventually(
      "paid out on chain",
      async () => {
        const list = await call(stack.urls.hkOperator, "GET", `/remittances?status=paid_out&since=${since}`, {
          key: stack.keys.hkOperatorClient,
        });
        return (list.body as { remittances: unknown[] }).remittances.length >= batch.length ? true : undefined;
      },
      60_000,
    );
    await sleep(2_000);
    await stack.start("hkWallet");
    const replay = await call(stack.urls.hkOperator, "POST", "/webhooks/replay", {
      key: stack.keys.hkOperatorClient,
      body: { endpoint: "wallet", since },
    });
    expect(replay.status, JSON.stringify(replay.body)).to.equal(200);
    expect((replay.body as { replayed: number }).replayed).to.be.greaterThan(0);
    await allPaidOut(batch);
    await expectExactlyOnce();
  });
});
