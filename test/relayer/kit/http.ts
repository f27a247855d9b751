import { expect } from "chai";
import { Wallet } from "ethers";
import hre from "hardhat";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { createApiKey, revokeApiKey, rotateApiKey, type IssuedApiKey } from "../../../relayer/core/kit/api-keys.js";
import { IdempotencyInFlightError } from "../../../relayer/core/kit/errors.js";
import { requestHash } from "../../../relayer/core/kit/idempotency.js";
import { nodeCheck, type ReadyCheck } from "../../../relayer/core/kit/readiness.js";
import type { Service } from "../../../relayer/core/kit/service.js";
import { testProvider } from "../helpers/token-chain.js";
import { createExampleService, exampleConfigSchema } from "../fixtures/example-service.js";

/** Everything the service logged, one JSON line per entry. */
class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get text(): string {
    return this.lines.join("");
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

const signerKey = Wallet.createRandom().privateKey;

async function startService(
  dir: string,
  overrides: { rateMax?: number; bodyLimit?: number; readiness?: Record<string, ReadyCheck> } = {},
) {
  const logs = new LogCapture();
  const config = exampleConfigSchema.parse({
    http: {
      port: 0,
      bodyLimit: overrides.bodyLimit ?? 1024,
      rateLimit: { max: overrides.rateMax ?? 1000, windowMs: 60_000 },
    },
    store: { path: path.join(dir, "example.sqlite") },
  });
  const service = await createExampleService({
    config,
    logDestination: logs,
    env: { EXAMPLE_PRIVATE_KEY: signerKey },
    readiness: overrides.readiness,
  });
  const url = await service.listen({ host: "127.0.0.1", port: 0 });
  return { service, url, logs };
}

async function call(
  url: string,
  method: string,
  route: string,
  init: { key?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${url}${route}`, {
    method,
    headers,
    body: init.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: response.status, headers: response.headers, body };
}

function errorOf(answer: Answer): {
  code: string;
  message: string;
  details?: { issues?: { in: string; path: string }[] };
} {
  return (answer.body as { error: { code: string; message: string } }).error;
}

describe("Service kit: HTTP layer", function () {
  let dir: string;
  let service: Service;
  let url: string;
  let logs: LogCapture;
  let alice: IssuedApiKey;
  let bob: IssuedApiKey;

  const payment = { amount: "125.50", currency: "HKD", reference: "INV-1" };

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "ll-kit-http-"));
    ({ service, url, logs } = await startService(dir));
    alice = await createApiKey(service.store, "alice");
    bob = await createApiKey(service.store, "bob");
  });

  after(async function () {
    await service?.stop("test over");
    await rm(dir, { recursive: true, force: true });
  });

  async function rows(): Promise<{ payments: number; idempotency: number }> {
    return service.store.read(async (q) => ({
      payments: (await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM payments"))!.n,
      idempotency: (await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM kit_idempotency"))!.n,
    }));
  }

  function postPayment(
    body: string,
    key: IssuedApiKey | string | undefined,
    idempotencyKey?: string,
    headers: Record<string, string> = {},
  ) {
    return call(url, "POST", "/payments", {
      key: typeof key === "string" || key === undefined ? key : key.key,
      body,
      headers: idempotencyKey === undefined ? headers : { "idempotency-key": idempotencyKey, ...headers },
    });
  }

  describe("health, readiness, metrics and the OpenAPI document", function () {
    it("answers /health without an API key", async function () {
      const answer = await call(url, "GET", "/health");
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ status: "ok" });
    });

    it("answers /ready with each check, the store among them", async function () {
      const answer = await call(url, "GET", "/ready");
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ ready: true, checks: { store: { ok: true } } });
    });

    it("serves a generated OpenAPI document naming the routes, their schemas and the API-key scheme", async function () {
      const answer = await call(url, "GET", "/openapi.json");
      expect(answer.status).to.equal(200);
      const doc = answer.body as {
        openapi: string;
        paths: Record<
          string,
          Record<string, { requestBody?: { content: Record<string, { schema: { required: string[] } }> } }>
        >;
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(doc.openapi).to.match(/^3\./);
      expect(Object.keys(doc.paths)).to.include.members(["/payments", "/payments/{id}", "/jobs", "/health", "/ready"]);
      expect(doc.paths["/payments"]!.post!.requestBody!.content["application/json"]!.schema.required).to.have.members([
        "amount",
        "currency",
        "reference",
      ]);
      expect(doc.components.securitySchemes).to.have.property("apiKey");
    });

    it("exposes Prometheus metrics, request durations included", async function () {
      await call(url, "GET", "/health");
      const answer = await call(url, "GET", "/metrics");
      expect(answer.status).to.equal(200);
      expect(answer.body)
        .to.be.a("string")
        .and.to.include(
          'ledgerlink_http_request_seconds_count{service="example",method="GET",route="/health",status="200"}',
        );
      expect(answer.body).to.include("ledgerlink_tx_submit_to_mined_seconds");
    });
  });

  describe("API keys", function () {
    it("refuses a request without an API key with 401 unauthorized", async function () {
      const answer = await postPayment(JSON.stringify(payment), undefined, "k-nokey");
      expect(answer.status).to.equal(401);
      expect(errorOf(answer)).to.deep.equal({ code: "unauthorized", message: "missing API key" });
    });

    it("refuses an unknown or forged key with 401", async function () {
      const forged = `${alice.key.slice(0, -4)}AAAA`;
      for (const key of ["llk_nonsense", forged]) {
        const answer = await postPayment(JSON.stringify(payment), key, "k-forged");
        expect(answer.status).to.equal(401);
        expect(errorOf(answer).code).to.equal("unauthorized");
      }
    });

    it("stores only the SHA-256 of a key, never the key", async function () {
      const stored = await service.store.read((q) =>
        q.all<Record<string, unknown>>("SELECT * FROM kit_api_keys WHERE id = ?", [alice.keyId]),
      );
      expect(stored).to.have.length(1);
      expect(JSON.stringify(stored)).not.to.include(alice.key.slice(21));
      expect(stored[0]!.key_hash).to.match(/^[0-9a-f]{64}$/);
    });

    it("stops accepting a revoked key", async function () {
      const carol = await createApiKey(service.store, "carol");
      expect((await call(url, "GET", `/payments/${crypto.randomUUID()}`, { key: carol.key })).status).to.equal(404);
      expect(await revokeApiKey(service.store, carol.keyId)).to.equal(true);
      expect((await call(url, "GET", `/payments/${crypto.randomUUID()}`, { key: carol.key })).status).to.equal(401);
    });

    it("rotates a key: the successor works for the same tenant, the old one after its grace period no more", async function () {
      const dave = await createApiKey(service.store, "dave");
      const next = await rotateApiKey(service.store, dave.keyId, { graceMs: 0 });
      expect(next?.tenant).to.equal("dave");
      const created = await postPayment(JSON.stringify(payment), next!.key, "k-rotated");
      expect(created.status).to.equal(201);
      expect((created.body as { tenant: string }).tenant).to.equal("dave");
      expect((await postPayment(JSON.stringify(payment), dave.key, "k-rotated-old")).status).to.equal(401);
    });
  });

  describe("bad input gets a 4xx with a machine-readable code and changes nothing", function () {
    let before: { payments: number; idempotency: number };

    beforeEach(async function () {
      before = await rows();
    });

    afterEach(async function () {
      expect(await rows()).to.deep.equal(before);
    });

    it("names every invalid field with 400 invalid_request", async function () {
      const answer = await postPayment(
        JSON.stringify({ amount: "12.5.0", currency: "EUR", reference: "x" }),
        alice,
        "k-invalid",
      );
      expect(answer.status).to.equal(400);
      const error = errorOf(answer);
      expect(error.code).to.equal("invalid_request");
      expect(error.details!.issues!.map((i) => `${i.in}:${i.path}`)).to.have.members([
        "body:/amount",
        "body:/currency",
      ]);
    });

    it("refuses unknown fields in a strict body", async function () {
      const answer = await postPayment(JSON.stringify({ ...payment, admin: true }), alice, "k-extra");
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).code).to.equal("invalid_request");
    });

    it("requires an Idempotency-Key header where the route does", async function () {
      const answer = await postPayment(JSON.stringify(payment), alice);
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).details!.issues!.map((i) => `${i.in}:${i.path}`)).to.deep.equal([
        "headers:/idempotency-key",
      ]);
    });

    it("answers malformed JSON with 400 malformed_json", async function () {
      const answer = await postPayment('{"amount": "1",', alice, "k-malformed");
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).code).to.equal("malformed_json");
    });

    it("answers an empty JSON body with 400 malformed_json", async function () {
      const answer = await postPayment("", alice, "k-empty");
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).code).to.equal("malformed_json");
    });

    it("answers a body over the limit with 413 body_too_large", async function () {
      const answer = await postPayment(JSON.stringify({ ...payment, reference: "x".repeat(2000) }), alice, "k-large");
      expect(answer.status).to.equal(413);
      expect(errorOf(answer)).to.deep.include({ code: "body_too_large" });
    });

    it("answers a body that is not JSON with 415 unsupported_media_type", async function () {
      const answer = await postPayment("amount=1", alice, "k-form", {
        "content-type": "application/x-www-form-urlencoded",
      });
      expect(answer.status).to.equal(415);
      expect(errorOf(answer).code).to.equal("unsupported_media_type");
    });

    it("answers a malformed path parameter with 400 invalid_request in params", async function () {
      const answer = await call(url, "GET", "/payments/not-a-uuid", { key: alice.key });
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).details!.issues!.map((i) => `${i.in}:${i.path}`)).to.deep.equal(["params:/id"]);
    });

    it("answers an unknown route with 404 not_found", async function () {
      const answer = await call(url, "GET", "/nowhere", { key: alice.key });
      expect(answer.status).to.equal(404);
      expect(errorOf(answer).code).to.equal("not_found");
    });
  });

  describe("tenants and Idempotency-Key", function () {
    it("creates a payment once and answers a retry with the same key and body with the same response", async function () {
      const first = await postPayment(JSON.stringify(payment), alice, "k-same");
      // Same content, other key order: still the same request.
      const retry = await postPayment(
        JSON.stringify({ reference: "INV-1", currency: "HKD", amount: "125.50" }),
        alice,
        "k-same",
      );
      expect(first.status).to.equal(201);
      expect(retry.status).to.equal(201);
      expect(retry.body).to.deep.equal(first.body);
      const id = (first.body as { id: string }).id;
      const count = await service.store.read((q) =>
        q.get<{ n: number }>("SELECT COUNT(*) AS n FROM payments WHERE reference = 'INV-1' AND tenant = 'alice'"),
      );
      expect(count!.n).to.equal(1);
      expect(id).to.be.a("string");
    });

    it("refuses the same key with another body with 422 idempotency_key_reused, creating nothing", async function () {
      await postPayment(JSON.stringify({ ...payment, reference: "INV-2" }), alice, "k-reuse");
      const before = await rows();
      const answer = await postPayment(JSON.stringify({ ...payment, reference: "INV-3" }), alice, "k-reuse");
      expect(answer.status).to.equal(422);
      expect(errorOf(answer).code).to.equal("idempotency_key_reused");
      expect(await rows()).to.deep.equal(before);
    });

    it("keeps keys apart per tenant: another tenant may use the same Idempotency-Key", async function () {
      const a = await postPayment(JSON.stringify({ ...payment, reference: "INV-4" }), alice, "k-shared");
      const b = await postPayment(JSON.stringify({ ...payment, reference: "INV-5" }), bob, "k-shared");
      expect([a.status, b.status]).to.deep.equal([201, 201]);
      expect((b.body as { tenant: string }).tenant).to.equal("bob");
    });

    it("answers a request still in flight under the same key with IdempotencyInFlightError (409)", async function () {
      const request = { tenant: "alice", key: "k-in-flight", hash: requestHash({ n: 1 }) };
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = service.idempotency.runOutside(request, async () => {
        await gate;
        return { status: 201, body: { done: true } };
      });
      // Wait until the first request's record is committed as in flight.
      for (let i = 0; i < 100; i++) {
        const row = await service.store.read((q) =>
          q.get("SELECT state FROM kit_idempotency WHERE idem_key = 'k-in-flight'"),
        );
        if (row !== undefined) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const second = await service.idempotency
        .runOutside(request, async () => ({ status: 201, body: { done: false } }))
        .catch((e: unknown) => e);
      expect(second).to.be.instanceOf(IdempotencyInFlightError);
      expect((second as IdempotencyInFlightError).status).to.equal(409);
      release();
      expect(await first).to.deep.equal({ status: 201, body: { done: true } });
      expect(await service.idempotency.runOutside(request, async () => ({ status: 500, body: {} }))).to.deep.equal({
        status: 201,
        body: { done: true },
      });
    });

    it("forgets answered keys past their retention, keeping those in flight", async function () {
      const done = { tenant: "alice", key: "k-purge-done", hash: requestHash({ n: 2 }) };
      await service.idempotency.run(done, async () => ({ status: 201, body: {} }));
      const inFlight = { tenant: "alice", key: "k-purge-flight", hash: requestHash({ n: 3 }) };
      await service.store.tx((q) => service.idempotency.beginIn(q, inFlight));
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await service.idempotency.purge(0)).to.be.greaterThan(0);
      const keys = await service.store.read((q) =>
        q.all<{ idem_key: string }>("SELECT idem_key FROM kit_idempotency WHERE idem_key LIKE 'k-purge-%'"),
      );
      expect(keys.map((k) => k.idem_key)).to.deep.equal(["k-purge-flight"]);
      await service.store.tx((q) => service.idempotency.abandonIn(q, inFlight));
    });

    it("refuses another tenant's resource with 403 forbidden", async function () {
      const created = await postPayment(JSON.stringify({ ...payment, reference: "INV-6" }), alice, "k-owned");
      const id = (created.body as { id: string }).id;
      expect((await call(url, "GET", `/payments/${id}`, { key: alice.key })).status).to.equal(200);
      const answer = await call(url, "GET", `/payments/${id}`, { key: bob.key });
      expect(answer.status).to.equal(403);
      expect(errorOf(answer).code).to.equal("forbidden");
    });
  });

  describe("request ids and logs", function () {
    it("echoes the caller's x-request-id and puts it on every log line of that request", async function () {
      const answer = await postPayment(JSON.stringify({ ...payment, reference: "INV-7" }), alice, "k-reqid", {
        "x-request-id": "trace-7",
      });
      expect(answer.headers.get("x-request-id")).to.equal("trace-7");
      const lines = logs.entries().filter((e) => e.reqId === "trace-7");
      expect(lines.map((e) => e.msg)).to.include.members(["incoming request", "payment accepted", "request completed"]);
      expect(lines.find((e) => e.msg === "payment accepted")).to.include({ tenant: "alice" });
    });

    it("gives a request without one a fresh id", async function () {
      const a = await call(url, "GET", "/health");
      const b = await call(url, "GET", "/health");
      expect(a.headers.get("x-request-id")).to.match(/^[0-9a-f-]{36}$/);
      expect(a.headers.get("x-request-id")).not.to.equal(b.headers.get("x-request-id"));
    });

    it("never writes the signing key, a password or an API key to the log", async function () {
      service.logger.info(
        { privateKey: signerKey, nested: { password: "hunter2", apiKey: alice.key } },
        "careless caller",
      );
      const careless = logs.entries().find((e) => e.msg === "careless caller");
      expect(careless).to.deep.include({
        privateKey: "[redacted]",
        nested: { password: "[redacted]", apiKey: "[redacted]" },
      });
      expect(logs.entries().some((e) => e.msg === "starting" && typeof e.signer === "string")).to.equal(true);
      expect(logs.text).not.to.include(signerKey.slice(2));
      expect(logs.text).not.to.include("hunter2");
      expect(logs.text).not.to.include(alice.key.slice(21));
      expect(logs.text).not.to.include(bob.key.slice(21));
    });
  });

  describe("readiness of a service with a node", function () {
    it("is ready while its node answers and answers 503 naming the node once it does not", async function () {
      const node = await hre.network.createServer("hardhat", "127.0.0.1", 0);
      const { port } = await node.listen();
      const nodeDir = await mkdtemp(path.join(tmpdir(), "ll-kit-ready-"));
      const started = await startService(nodeDir, {
        readiness: { node: nodeCheck(testProvider(`http://127.0.0.1:${port}`), 2000) },
      });
      try {
        const ready = await call(started.url, "GET", "/ready");
        expect(ready.status).to.equal(200);
        expect(ready.body).to.deep.equal({
          ready: true,
          checks: { store: { ok: true }, node: { ok: true, detail: "head 0" } },
        });
        await node.close();
        const down = await call(started.url, "GET", "/ready");
        expect(down.status).to.equal(503);
        const checks = (down.body as { checks: Record<string, { ok: boolean }> }).checks;
        expect(checks.store!.ok).to.equal(true);
        expect(checks.node!.ok).to.equal(false);
      } finally {
        await started.service.stop("test over");
        await node.close().catch(() => undefined);
        await rm(nodeDir, { recursive: true, force: true });
      }
    });
  });

  describe("rate limits", function () {
    let limited: { service: Service; url: string };
    let limitedDir: string;

    before(async function () {
      limitedDir = await mkdtemp(path.join(tmpdir(), "ll-kit-rate-"));
      const started = await startService(limitedDir, { rateMax: 3 });
      limited = { service: started.service, url: started.url };
    });

    after(async function () {
      await limited?.service.stop("test over");
      await rm(limitedDir, { recursive: true, force: true });
    });

    it("answers past the per-key limit with 429 rate_limited and retry-after, other keys unaffected", async function () {
      const erin = await createApiKey(limited.service.store, "erin");
      const frank = await createApiKey(limited.service.store, "frank");
      const route = `/payments/${crypto.randomUUID()}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(limited.url, "GET", route, { key: erin.key })).status);
      expect(statuses).to.deep.equal([404, 404, 404, 429]);
      const refused = await call(limited.url, "GET", route, { key: erin.key });
      expect(errorOf(refused).code).to.equal("rate_limited");
      expect(Number(refused.headers.get("retry-after"))).to.be.greaterThan(0);
      expect((await call(limited.url, "GET", route, { key: frank.key })).status).to.equal(404);
    });
  });
});
