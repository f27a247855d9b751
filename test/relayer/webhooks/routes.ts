import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import pino from "pino";

import { createApiKey } from "../../../relayer/core/kit/api-keys.js";
import { createService, type Service } from "../../../relayer/core/kit/service.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { WebhookDeliveryWorker } from "../../../relayer/core/webhooks/delivery-worker.js";
import { enqueue } from "../../../relayer/core/webhooks/outbox.js";
import { registerWebhookRoutes } from "../../../relayer/core/webhooks/routes.js";
import { WEBHOOKS_COMPONENT, webhookMigrations } from "../../../relayer/core/webhooks/schema.js";
import { startRecordingServer, waitFor, type RecordingServer } from "../helpers/recording-server.js";

describe("Webhook outbox over HTTP: dead letters and replay", function () {
  this.timeout(30_000);
  let dir: string;
  let service: Service;
  let worker: WebhookDeliveryWorker;
  let receiver: RecordingServer;
  let url: string;
  let hk: string;
  let ph: string;

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "ll-webhook-routes-"));
    const store = await SqliteStore.open(path.join(dir, "service.sqlite"));
    await store.migrate(WEBHOOKS_COMPONENT, webhookMigrations);
    receiver = await startRecordingServer(() => ({ status: 500 }));
    const logger = pino({ level: "silent" });
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    worker = new WebhookDeliveryWorker({
      store,
      logger,
      resolveEndpoint: () => ({ url: receiver.url, secrets: [secret] }),
      schedule: [0],
      pollMs: 20,
    }).start();
    service = await createService({
      name: "webhooks-test",
      logger,
      store,
      workers: [worker],
      routes: (app) => registerWebhookRoutes(app, { outbox: worker.outbox, notify: () => worker.notify() }),
    });
    url = await service.listen({ host: "127.0.0.1", port: 0 });
    hk = (await createApiKey(store, "hk-wallet")).key;
    ph = (await createApiKey(store, "ph-wallet")).key;
  });

  after(async function () {
    await service?.stop("test over");
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function call(method: string, route: string, key: string, body?: unknown) {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("lists an endpoint's dead letters to its tenant only, and replays them with the same id", async function () {
    const id = (await service.store.tx((q) => enqueue(q, { endpoint: "hk-wallet", eventType: "t", payload: { n: 1 } })))
      .id;
    await waitFor(async () => (await worker.outbox.message(id))?.state === "dead", "the dead letter");

    const listed = await call("GET", "/webhooks/dead-letters?endpoint=hk-wallet", hk);
    expect(listed.status).to.equal(200);
    expect((listed.body.messages as { id: string }[]).map((m) => m.id)).to.deep.equal([id]);
    expect((await call("GET", "/webhooks/dead-letters?endpoint=hk-wallet", ph)).status).to.equal(403);
    expect((await call("GET", `/webhooks/messages/${id}`, ph)).status).to.equal(404);
    expect((await call("POST", "/webhooks/replay", ph, { messageId: id })).status).to.equal(404);
    expect((await call("POST", "/webhooks/replay", ph, { endpoint: "hk-wallet", since: 0 })).status).to.equal(403);

    receiver.responder = () => ({ status: 204 });
    const replayed = await call("POST", "/webhooks/replay", hk, { messageId: id });
    expect(replayed.body).to.deep.equal({ replayed: 1 });
    await waitFor(async () => (await worker.outbox.message(id))?.state === "delivered", "the replayed delivery");
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).to.deep.equal([id, id]);
    const shown = await call("GET", `/webhooks/messages/${id}`, hk);
    expect(shown.body).to.include({ id, state: "delivered", totalAttempts: 2 });
  });

  it("refuses a malformed replay request with invalid_request", async function () {
    const answer = await call("POST", "/webhooks/replay", hk, { endpoint: "hk-wallet" });
    expect(answer.status).to.equal(400);
    expect((answer.body.error as { code: string }).code).to.equal("invalid_request");
  });
});
