import { expect } from "chai";
import { randomBytes } from "node:crypto";

import pino from "pino";
import { Registry } from "prom-client";

import { verifyWebhook } from "../../../client/webhooks.js";
import { WebhookDeliveryWorker, type WebhookEndpoint } from "../../../relayer/core/webhooks/delivery-worker.js";
import { enqueue, type WebhookEnvelope } from "../../../relayer/core/webhooks/outbox.js";
import { WEBHOOKS_COMPONENT, webhookMigrations } from "../../../relayer/core/webhooks/schema.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { startRecordingServer, waitFor, type RecordingServer } from "../helpers/recording-server.js";
import { newTestDatabase, STORE_KINDS, type TestDatabase } from "../helpers/stores.js";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const NEXT_SECRET = `whsec_${randomBytes(32).toString("base64")}`;

for (const kind of STORE_KINDS) {
  describe(`Webhook outbox and delivery worker (${kind} store)`, function () {
    this.timeout(30_000);
    let database: TestDatabase;
    let store: Store;
    let servers: RecordingServer[];
    let workers: WebhookDeliveryWorker[];
    const endpoints = new Map<string, WebhookEndpoint>();

    beforeEach(async function () {
      database = await newTestDatabase(kind, "webhooks");
      store = await database.open();
      await store.migrate(WEBHOOKS_COMPONENT, webhookMigrations);
      await store.tx((q) => q.run("CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT NOT NULL)"));
      servers = [];
      workers = [];
      endpoints.clear();
    });

    afterEach(async function () {
      for (const worker of workers) await worker.stop();
      for (const server of servers) await server.close();
      await store.close();
      await database.destroy();
    });

    async function receiver(name: string, secrets: string[] = [SECRET]): Promise<RecordingServer> {
      const server = await startRecordingServer();
      servers.push(server);
      endpoints.set(name, { url: `${server.url}/hooks`, secrets });
      return server;
    }

    function worker(schedule: number[], registry?: Registry): WebhookDeliveryWorker {
      const w = new WebhookDeliveryWorker({
        store,
        logger: pino({ level: "silent" }),
        resolveEndpoint: (name) => endpoints.get(name),
        schedule,
        timeoutMs: 2_000,
        pollMs: 20,
        registry,
      }).start();
      workers.push(w);
      return w;
    }

    function post(endpoint: string, n: number): Promise<string[]> {
      return store.tx(async (q) => {
        const ids: string[] = [];
        for (let i = 0; i < n; i++)
          ids.push((await enqueue(q, { endpoint, eventType: "order.updated", payload: { i } })).id);
        return ids;
      });
    }

    /** The ids a receiver answered with 2xx, in the order it answered them. */
    const accepted = (server: RecordingServer, statuses: Map<string, number>) =>
      server.requests
        .filter((r) => (statuses.get(`${r.headers["webhook-id"]}@${r.at}`) ?? 0) < 300)
        .map((r) => String(r.headers["webhook-id"]));

    it("sends the same message id and body on every retry, each attempt freshly signed", async function () {
      const server = await receiver("a");
      let calls = 0;
      server.responder = () => ({ status: ++calls <= 2 ? 503 : 204 });
      const [id] = await post("a", 1);
      const w = worker([0, 30, 30, 30]);
      await waitFor(async () => (await w.outbox.message(id!))?.state === "delivered", "delivery");

      expect(server.requests).to.have.length(3);
      for (const request of server.requests) {
        expect(request.headers["webhook-id"]).to.equal(id);
        expect(request.body).to.equal(server.requests[0]!.body);
        expect(verifyWebhook(request.headers, request.body, SECRET).id).to.equal(id);
      }
      const envelope = JSON.parse(server.requests[0]!.body) as WebhookEnvelope<{ i: number }>;
      expect(envelope).to.include({ type: "order.updated", sequence: 1 });
      expect(envelope.data).to.deep.equal({ i: 0 });
      const history = await w.outbox.attempts(id!);
      expect(history.map((a) => a.status)).to.deep.equal([503, 503, 204]);
    });

    it("delivers every message once, in sequence order, to a receiver that was down, without holding up others", async function () {
      const down = await receiver("down");
      const up = await receiver("up");
      const statuses = new Map<string, number>();
      let failures = 0;
      down.responder = (r) => {
        const status = failures++ < 4 ? 503 : 200;
        statuses.set(`${r.headers["webhook-id"]}@${r.at}`, status);
        return { status };
      };
      const downIds = await post("down", 5);
      const upIds = await post("up", 3);
      worker([0, 20, 20, 20, 20, 20, 20, 20]);

      await waitFor(() => up.requests.length === 3, "the healthy endpoint's messages");
      await waitFor(() => accepted(down, statuses).length === 5, "the recovered endpoint's messages");
      expect(up.requests.map((r) => r.headers["webhook-id"])).to.deep.equal(upIds);
      expect(accepted(down, statuses)).to.deep.equal(downIds);
      // Nothing overtook: every request, failed or not, went to the lowest undelivered message.
      const firstSeen = [...new Set(down.requests.map((r) => String(r.headers["webhook-id"])))];
      expect(firstSeen).to.deep.equal(downIds);
      const sequences = down.requests.map((r) => (JSON.parse(r.body) as WebhookEnvelope).sequence);
      expect(sequences).to.deep.equal([...sequences].sort((a, b) => a - b));
    });

    it("moves a message to the dead letters after its last attempt, then lets the next one through", async function () {
      const server = await receiver("a");
      server.responder = (r) => ({ status: JSON.parse(r.body).data.i === 0 ? 500 : 200 });
      const registry = new Registry();
      const [first, second] = await post("a", 2);
      const w = worker([0, 20, 20], registry);

      await waitFor(async () => (await w.outbox.message(second!))?.state === "delivered", "the second message");
      const dead = await w.outbox.deadLetters("a");
      expect(dead.map((m) => m.id)).to.deep.equal([first]);
      expect(dead[0]).to.include({ attempts: 3, lastError: "HTTP 500" });
      expect(server.requests.filter((r) => r.headers["webhook-id"] === first)).to.have.length(3);
      const metrics = await registry.metrics();
      expect(metrics).to.include("ledgerlink_webhooks_dead_letters 1");
      expect(metrics).to.include('ledgerlink_webhook_attempts_total{result="dead"} 1');
      expect(metrics).to.include('ledgerlink_webhook_attempts_total{result="delivered"} 1');
    });

    it("replays a dead letter or an endpoint's recent messages with their original ids, signed with rotated secrets", async function () {
      const server = await receiver("a");
      server.responder = () => ({ status: 500 });
      const [first, second] = await post("a", 2);
      const w = worker([0]);
      await waitFor(async () => (await w.outbox.deadLetters("a")).length === 2, "two dead letters");

      server.responder = () => ({ status: 200 });
      endpoints.set("a", { url: `${server.url}/hooks`, secrets: [SECRET, NEXT_SECRET] });
      expect(await w.outbox.replay(first!)).to.equal(1);
      w.notify();
      await waitFor(async () => (await w.outbox.message(first!))?.state === "delivered", "the replayed message");
      expect((await w.outbox.message(second!))?.state).to.equal("dead");

      const before = server.requests.length;
      expect(await w.outbox.replay({ endpoint: "a", since: 0 })).to.equal(2);
      await waitFor(() => server.requests.length === before + 2, "both messages again");
      const replayed = server.requests.slice(before);
      expect(replayed.map((r) => r.headers["webhook-id"])).to.deep.equal([first, second]);
      for (const r of replayed) expect(verifyWebhook(r.headers, r.body, [NEXT_SECRET]).id).to.be.a("string");
      expect(await w.outbox.replay("msg_unknown")).to.equal(0);
    });

    it("commits a state change and its webhook together, or neither", async function () {
      await store.tx(async (q) => {
        await q.run("INSERT INTO orders (id, status) VALUES ('o1', 'paid')");
        await enqueue(q, { endpoint: "a", eventType: "order.paid", payload: { id: "o1" } });
      });
      let failure: unknown;
      try {
        await store.tx(async (q) => {
          await q.run("INSERT INTO orders (id, status) VALUES ('o2', 'paid')");
          await enqueue(q, { endpoint: "a", eventType: "order.paid", payload: { id: "o2" } });
          throw new Error("the business step failed after enqueueing");
        });
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(Error).with.property("message", "the business step failed after enqueueing");
      const counts = await store.read(async (q) => ({
        orders: (await q.all<{ id: string }>("SELECT id FROM orders")).map((r) => r.id),
        messages: (await q.all<{ body: string; seq: number }>("SELECT body, seq FROM webhook_messages")).map((r) => [
          JSON.parse(r.body).data.id,
          Number(r.seq),
        ]),
      }));
      expect(counts).to.deep.equal({ orders: ["o1"], messages: [["o1", 1]] });
      // The rolled-back enqueue gave back its sequence number.
      const [next] = await post("a", 1);
      const row = await store.read((q) =>
        q.get<{ seq: number }>("SELECT seq FROM webhook_messages WHERE id = ?", [next!]),
      );
      expect(Number(row!.seq)).to.equal(2);
    });

    it("dead-letters a message whose endpoint is not configured, naming it", async function () {
      const [id] = await post("nowhere", 1);
      const w = worker([0, 10]);
      await waitFor(async () => (await w.outbox.message(id!))?.state === "dead", "the dead letter");
      expect((await w.outbox.message(id!))?.lastError).to.equal('no endpoint configured for "nowhere"');
    });

    it("dead-letters a message whose endpoint lookup throws or whose secret is unusable, instead of retrying forever", async function () {
      const server = await receiver("bad-secret", ["whsec_short"]);
      const [broken] = await post("broken", 1);
      const [unsigned] = await post("bad-secret", 1);
      const w = new WebhookDeliveryWorker({
        store,
        logger: pino({ level: "silent" }),
        resolveEndpoint: (name) => {
          if (name === "broken") throw new Error("directory unavailable");
          return endpoints.get(name);
        },
        schedule: [0, 10],
        pollMs: 20,
      }).start();
      workers.push(w);
      await waitFor(async () => (await w.outbox.deadLetters()).length === 2, "both dead letters");
      expect((await w.outbox.message(broken!))?.lastError).to.equal("endpoint lookup failed: directory unavailable");
      expect((await w.outbox.message(unsigned!))?.lastError).to.match(/secret/);
      expect(server.requests).to.have.length(0);
    });

    it("refuses at enqueue a message id the signer would refuse", async function () {
      let failure: unknown;
      try {
        await store.tx((q) => enqueue(q, { endpoint: "a", eventType: "x", payload: {}, id: "has space" }));
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(RangeError);
    });

    it("keeps undelivered messages pending across a stop and delivers them after a new start", async function () {
      const server = await receiver("a");
      server.responder = () => ({ status: 503 });
      const ids = await post("a", 2);
      const first = worker([0, 60_000]);
      await waitFor(() => server.requests.length === 1, "the first attempt");
      await first.stop();
      server.responder = () => ({ status: 200 });
      // A later start (a restarted process) picks up where the outbox stands; the retry is not yet due.
      await store.tx((q) => q.run("UPDATE webhook_messages SET next_attempt_at = 0"));
      worker([0, 60_000]);
      await waitFor(() => server.requests.length === 3, "both messages after the restart");
      expect(server.requests.map((r) => r.headers["webhook-id"])).to.deep.equal([ids[0], ids[0], ids[1]]);
    });
  });
}
