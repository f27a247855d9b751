import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { Wallet } from "ethers";

import {
  forwardRequestId,
  forwardRequestToJson,
  type ForwardRequestData,
} from "../../../client/eip712/forward-request.js";
import { prepareForwardRequest } from "../../../client/metatx.js";
import { Roles } from "../../../client/roles.js";
import { seededRandom } from "../../../scripts/lib/stats.js";
import { leaseHolder } from "../../../relayer/core/store/lease.js";
import { openStore } from "../../../relayer/core/store/open-store.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { senderLeaseName } from "../../../relayer/core/tx/tx-policy-loop.js";
import { PlatformForwarder__factory } from "../../../typechain-types/index.js";
import { eventually } from "../e2e/stack.js";
import { newPostgresDatabase, type PostgresDatabase } from "../helpers/postgres.js";
import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { ADMIN_KEY, call, tempDir } from "../wallet/helpers.js";
import { expectOneSenderPerKey, freePort, serviceInstance, type Instance } from "./cluster.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BUDGET = 10n ** 18n;

/**
 * Two instances of the meta-transaction relayer on one PostgreSQL database and one hot key: pending
 * requests are leased rows, the key's nonces are allocated by the holder of its fenced sender lease, and
 * budgets are reserved and settled once whichever instance accepted or settled a request.
 */
describe("Meta-transaction relayer: two instances on one PostgreSQL database", function () {
  this.timeout(240_000);
  let node: RemittanceNode;
  let temp: { dir: string; remove(): Promise<void> };
  let db: PostgresDatabase;
  let store: Store;
  let pair: [Instance, Instance];
  const relayerKey = Wallet.createRandom();
  /** Every request posted: its id and its member. */
  const posted: { id: string; member: string }[] = [];

  before(async function () {
    node = await startRemittanceNode();
    temp = await tempDir("ll-scale-metatx-");
    db = await newPostgresDatabase("metatx");
    const { actors } = node.world;
    await (await actors.operator.sendTransaction({ to: relayerKey.address, value: 10n ** 19n })).wait();
    const config = (instance: string, port: number) => ({
      name: "metatx",
      http: { port, rateLimit: { max: 100_000, windowMs: 60_000 } },
      store: { url: db.url, poolSize: 6 },
      chain: {
        rpcUrls: [node.anvil.url],
        chainId: 31337,
        fees: { kind: "eip1559", maxFeeCap: "100000000000", priorityFee: "1000000000" },
      },
      contracts: { forwarder: node.world.addresses.forwarder, registry: node.world.addresses.registry },
      allow: [{ target: node.world.addresses.registry, contract: "TenantRegistry", functions: ["acceptMembership"] }],
      settlePollMs: 100,
      txPollMs: 100,
      leases: { instance, ttlMs: 2_000 },
    });
    const start = async (instance: "metatx-a" | "metatx-b") => {
      const port = await freePort();
      const file = path.join(temp.dir, `${instance}.json`);
      await writeFile(file, JSON.stringify(config(instance, port)));
      return serviceInstance(instance, "relayer/metatx/main.ts", port, {
        METATX_CONFIG_FILE: file,
        METATX_SIGNER_PRIVATE_KEY: relayerKey.privateKey,
        METATX_ADMIN_KEY: ADMIN_KEY,
      });
    };
    pair = [await start("metatx-a"), await start("metatx-b")];
    // Both at once, on an empty database.
    await Promise.all(pair.map((i) => i.start()));
    store = await openStore({ url: db.url, poolSize: 2 });
    const granted = await call(pair[1].url, "PUT", `/budgets/${node.world.tenants.buyer}`, {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { amount: BUDGET.toString() },
    });
    expect(granted.status, JSON.stringify(granted.body)).to.equal(200);
  });

  after(async function () {
    await Promise.all((pair ?? []).map((i) => i.kill()));
    await store?.close();
    await db?.drop();
    await node?.close();
    await temp?.remove();
  });

  const live = () => pair.filter((i) => i.process !== undefined);

  /** New members of the buyer's tenant, invited by its admin; each accepts through the relayer, gasless. */
  const invite = async (n: number) => {
    const { registry, actors, tenants } = node.world;
    const members = Array.from({ length: n }, () => Wallet.createRandom());
    for (const m of members) {
      await (await registry.connect(actors.buyer).inviteMember(tenants.buyer, m.address, Roles.merchant)).wait();
    }
    const requests: ForwardRequestData[] = [];
    for (const m of members) {
      requests.push(
        await prepareForwardRequest(m, node.world.ethers.provider, {
          forwarder: node.world.addresses.forwarder!,
          to: node.world.addresses.registry!,
          data: registry.interface.encodeFunctionData("acceptMembership", [tenants.buyer]),
        }),
      );
    }
    return requests;
  };

  /** Posts each request to the live instances in turn; an instance killed mid-request is retried on the other. */
  const post = async (requests: readonly ForwardRequestData[]) => {
    let turn = 0;
    for (const request of requests) {
      const id = forwardRequestId(request);
      await eventually(
        `forward ${id}`,
        async () => {
          const targets = live();
          const via = targets[turn++ % targets.length];
          if (via === undefined) return undefined;
          const a = await call(via.url, "POST", "/forward", { body: { request: forwardRequestToJson(request) } }).catch(
            () => undefined,
          );
          const code = (a?.body as { error?: { code?: string } } | undefined)?.error?.code;
          // Accepted, or accepted already by the instance that was killed while answering.
          return a?.status === 202 || a?.status === 200 || code === "forward_replayed" ? true : undefined;
        },
        30_000,
      );
      posted.push({ id, member: request.from });
    }
  };

  const allConfirmed = () =>
    Promise.all(
      posted.map(({ id }) =>
        eventually(
          `forward ${id} confirmed`,
          async () => {
            const a = await call(live()[0]!.url, "GET", `/forward/${id}`).catch(() => undefined);
            const status = (a?.body as { status?: string } | undefined)?.status;
            if (status !== undefined && status !== "pending" && status !== "confirmed") {
              throw new Error(`forward ${id} ended ${status}: ${JSON.stringify(a!.body)}`);
            }
            return status === "confirmed" ? true : undefined;
          },
          120_000,
        ),
      ),
    );

  /** Each request executed once by the forwarder, charged once, the budget whole; one sender for the key. */
  const expectExactlyOnce = async () => {
    const { registry, tenants } = node.world;
    const forwarder = PlatformForwarder__factory.connect(node.world.addresses.forwarder!, node.world.ethers.provider);
    for (const { member } of posted) {
      expect(await forwarder.nonces(member), member).to.equal(1n);
      expect((await registry.memberOf(member)).tenantId).to.equal(tenants.buyer);
    }
    const rows = await store.read((q) =>
      q.all<{ status: string; charged: string; tx_hash: string }>(
        "SELECT status, charged, tx_hash FROM metatx_forwards",
      ),
    );
    expect(rows).to.have.length(posted.length);
    expect(new Set(rows.map((r) => r.status))).to.deep.equal(new Set(["confirmed"]));
    let receipts = 0n;
    for (const row of rows) {
      const receipt = (await node.world.ethers.provider.getTransactionReceipt(row.tx_hash))!;
      receipts += receipt.gasUsed * receipt.gasPrice;
      expect(BigInt(row.charged)).to.equal(receipt.gasUsed * receipt.gasPrice);
    }
    const budget = (
      await call(live()[0]!.url, "GET", `/budgets/${tenants.buyer}`, { headers: { "x-admin-key": ADMIN_KEY } })
    ).body as {
      reserved: string;
      spent: string;
    };
    expect(budget.reserved, "nothing left reserved").to.equal("0");
    expect(BigInt(budget.spent), "spent = what the receipts cost").to.equal(receipts);
    const events = await store.read((q) =>
      q.all<{ forward_id: string; n: number }>(
        "SELECT forward_id, COUNT(*) AS n FROM metatx_budget_events WHERE kind IN ('charge', 'release') GROUP BY forward_id",
      ),
    );
    expect(
      events.every((e) => Number(e.n) === 1),
      "each request settled once",
    ).to.equal(true);
    await expectOneSenderPerKey(
      store,
      relayerKey.address,
      await node.world.ethers.provider.getTransactionCount(relayerKey.address, "latest"),
    );
  };

  it("never sends a request twice when both instances start at once and take requests side by side", async function () {
    await post(await invite(6));
    await allConfirmed();
    await expectExactlyOnce();
  });

  it("settles every request exactly once with contiguous nonces when the sending instance is SIGKILLed at a seeded random point", async function () {
    const random = seededRandom(20261131);
    const requests = await invite(10);
    const posting = post(requests);
    await sleep(200 + Math.floor(random() * 1_500));
    const holder = await leaseHolder(store, senderLeaseName(31337, relayerKey.address));
    await (pair.find((i) => i.name === holder?.owner) ?? pair[0]).kill();
    await posting;
    await allConfirmed();
    expect(live()).to.have.length(1);
    await expectExactlyOnce();
  });
});
