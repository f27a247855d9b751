import { expect } from "chai";
import { DatabaseSync } from "node:sqlite";

import { Wallet } from "ethers";

import { listRemittances } from "../../../client/remittance.js";
import { seededRandom } from "../../../scripts/lib/stats.js";
import { leaseHolder } from "../../../relayer/core/store/lease.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { senderLeaseName } from "../../../relayer/core/tx/tx-policy-loop.js";
import { eventually } from "../e2e/stack.js";
import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { startRecordingServer, type RecordingServer } from "../helpers/recording-server.js";
import { call, tempDir } from "../wallet/helpers.js";
import { expectOneSenderPerKey, startOperatorCluster, type Instance, type OperatorCluster } from "./cluster.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 2_000;

/**
 * Several instances of the operator relayer on one PostgreSQL database: leased work rows, one sender per
 * key (a fenced lease), one listener per subscription. Both operators run two instances each on anvil
 * (automine: every send is mined at once, so the instances race on every step).
 */
describe("Operator relayer: two instances per operator on one PostgreSQL database", function () {
  this.timeout(240_000);
  let node: RemittanceNode;
  let temp: { dir: string; remove(): Promise<void> };
  let cluster: OperatorCluster;
  let hkStore: Store;
  let phStore: Store;
  let hooks: RecordingServer;
  /** Every remittance posted, with the instance it was posted to. */
  const posted: string[] = [];
  let counter = 0;

  before(async function () {
    node = await startRemittanceNode({ minReceiverWindow: 10 });
    temp = await tempDir("ll-scale-");
    hooks = await startRecordingServer();
    cluster = await startOperatorCluster({
      dir: temp.dir,
      node,
      leaseMs: LEASE_MS,
      together: true,
      webhookUrl: `${hooks.url}/webhooks`,
    });
    const opened = await call(cluster.phWallet.url, "POST", "/accounts", {
      key: cluster.keys.phApp,
      body: { ref: "carol" },
    });
    expect(opened.status).to.equal(201);
    hkStore = await cluster.openHk();
    phStore = await cluster.openPh();
  });

  after(async function () {
    await hkStore?.close();
    await phStore?.close();
    await cluster?.close();
    await hooks?.close();
    await node?.close();
    await temp?.remove();
  });

  const live = (pair: readonly Instance[]) => pair.filter((i) => i.process !== undefined);

  /** Posts `n` remittances, alternating between the live HK instances (as a load balancer would). */
  const post = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const key = `scale-${counter++}`;
      const answer = await eventually(
        `post ${key}`,
        async () => {
          const targets = live(cluster.hk);
          const via = targets[counter % targets.length];
          if (via === undefined) return undefined;
          const a = await call(via.url, "POST", "/remittances", {
            key: cluster.keys.hkClient,
            headers: { "idempotency-key": key },
            body: { amount: "10000", receivingOperator: "ph-wallet", recipientRef: "carol", compliance: {} },
          }).catch(() => undefined);
          return a?.status === 202 ? a : undefined;
        },
        60_000,
      );
      ids.push((answer.body as { id: string }).id);
    }
    posted.push(...ids);
    return ids;
  };

  const allPaidOut = (ids: readonly string[]) =>
    Promise.all(
      ids.map((id) =>
        eventually(
          `remittance ${id} paid out`,
          async () => {
            const via = live(cluster.hk)[0]!;
            const r = await call(via.url, "GET", `/remittances/${id}`, { key: cluster.keys.hkClient }).catch(
              () => undefined,
            );
            const status = (r?.body as { status?: string } | undefined)?.status;
            if (status !== undefined && ["rejected", "expired", "error"].includes(status)) {
              throw new Error(`remittance ${id} ended ${status}: ${JSON.stringify(r!.body)}`);
            }
            return status === "paid_out" ? true : undefined;
          },
          120_000,
        ),
      ),
    );

  /** Every posted remittance initiated once and paid out once, on chain and in the PH wallet; one sender per key. */
  const expectExactlyOnce = async () => {
    const history = await listRemittances(
      { contract: node.setup.remittance, provider: node.world.ethers.provider, fromBlock: 0 },
      node.world.tenants.hkWallet,
      "sender",
    );
    // The corridor's setup sends none: every remittance on chain is one of ours.
    expect(history).to.have.length(posted.length);
    expect(history.filter((h) => h.final?.status === "PaidOut")).to.have.length(posted.length);
    const db = new DatabaseSync(`${temp.dir}/ph-wallet.sqlite`, { readOnly: true });
    const payouts = db.prepare("SELECT remittance_id FROM wallet_payouts WHERE outcome = 'paid'").all() as {
      remittance_id: string;
    }[];
    db.close();
    expect(payouts).to.have.length(posted.length);
    expect(new Set(payouts.map((p) => p.remittance_id.toLowerCase()))).to.deep.equal(
      new Set(history.map((h) => h.record.id)),
    );
    // Webhooks: every status change of every remittance reached the wallet's endpoint (at least once; a
    // kill between a delivery and its record sends it again under the same id), and the first delivery of
    // each message came in sequence order with no number skipped, whichever instance delivered it.
    const expected = posted.flatMap((id) => [`msg_${id}_initiated`, `msg_${id}_paid_out`]);
    await eventually(
      "every status webhook delivered",
      async () => {
        const seen = new Set(hooks.requests.map((r) => String(r.headers["webhook-id"])));
        return expected.every((id) => seen.has(id)) ? true : undefined;
      },
      30_000,
    );
    const firsts = new Map<string, number>();
    for (const r of hooks.requests) {
      const id = String(r.headers["webhook-id"]);
      if (!firsts.has(id)) firsts.set(id, (JSON.parse(r.body) as { sequence: number }).sequence);
    }
    const sequence = [...firsts.values()];
    expect(sequence, "first deliveries in sequence order, none skipped").to.deep.equal(sequence.map((_, i) => i + 1));
    const provider = node.world.ethers.provider;
    const hkSigner = new Wallet(node.keys.hkWallet).address;
    const phSigner = new Wallet(node.keys.phWallet).address;
    await expectOneSenderPerKey(hkStore, hkSigner, await provider.getTransactionCount(hkSigner, "latest"));
    await expectOneSenderPerKey(phStore, phSigner, await provider.getTransactionCount(phSigner, "latest"));
  };

  const holderOf = async (store: Store, key: string) => {
    const holder = await leaseHolder(store, senderLeaseName(31337, new Wallet(key).address));
    return holder?.owner;
  };

  it("never sends a request twice when both instances of each relayer start at once on an empty database", async function () {
    const ids = await post(8);
    await allPaidOut(ids);
    await expectExactlyOnce();
  });

  it("completes every remittance exactly once with contiguous nonces when the sending instances are SIGKILLed at seeded random points", async function () {
    const random = seededRandom(20261130);
    const sending = post(12);
    // Each round kills the instance that holds its operator's sender lease (the one signing), at a random
    // moment of the run; the survivor takes the lease over once it expires and carries on from the store.
    for (const [pair, store, key] of [
      [cluster.hk, hkStore, node.keys.hkWallet],
      [cluster.ph, phStore, node.keys.phWallet],
    ] as const) {
      await sleep(200 + Math.floor(random() * 1_500));
      const holder = await holderOf(store, key);
      const victim = pair.find((i) => i.name === holder) ?? pair[Math.floor(random() * 2)]!;
      await victim.kill();
    }
    const ids = await sending;
    await allPaidOut(ids);
    expect(live(cluster.hk)).to.have.length(1);
    expect(live(cluster.ph)).to.have.length(1);
    // The survivors follow the chain for their operator (a standby takes the subscription once the killed
    // holder's lease expires; the flow may have finished before that).
    for (const [pair, store] of [
      [cluster.hk, hkStore],
      [cluster.ph, phStore],
    ] as const) {
      const survivor = live(pair)[0]!.name;
      await eventually(
        `${survivor} follows the settlement events`,
        async () => {
          const listener = await leaseHolder(store, "listener:31337:settlement-remittances");
          return listener?.owner === survivor ? true : undefined;
        },
        LEASE_MS * 5,
      );
    }
    await expectExactlyOnce();
  });
});
