import { expect } from "chai";
import { Wallet } from "ethers";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  API_KEYS_COMPONENT,
  apiKeyMigrations,
  createApiKey,
  type IssuedApiKey,
} from "../../../relayer/core/kit/api-keys.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";

const SCRIPT = "test/relayer/fixtures/example-service.ts";

describe("Service kit: graceful shutdown of a service process", function () {
  this.timeout(60_000);

  let dir: string;
  let dbPath: string;
  let key: IssuedApiKey;
  const running: ServiceProcess[] = [];

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "ll-kit-shutdown-"));
    dbPath = path.join(dir, "example.sqlite");
    const store = await SqliteStore.open(dbPath);
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    key = await createApiKey(store, "alice");
    await store.close();
  });

  after(async function () {
    for (const service of running) await service.kill();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{ service: ServiceProcess; url: string }> {
    const service = spawnService(SCRIPT, {
      EXAMPLE_HTTP__PORT: "0",
      EXAMPLE_STORE__PATH: dbPath,
      EXAMPLE_JOBS__STEP_MS: "100",
      EXAMPLE_PRIVATE_KEY: Wallet.createRandom().privateKey,
    });
    running.push(service);
    const listening = await service.waitForLog((line) => line.msg === "listening");
    return { service, url: listening.address as string };
  }

  function post(url: string, route: string, body: unknown): Promise<Response> {
    return fetch(`${url}${route}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
  }

  async function readDb<T>(sql: string, params: (string | number)[] = []): Promise<T[]> {
    const store = await SqliteStore.open(dbPath);
    try {
      return await store.read((q) => q.all<T>(sql, params));
    } finally {
      await store.close();
    }
  }

  it("on SIGTERM finishes the request in flight, stops the worker between steps, closes the store and exits 0; a restart completes the queued work exactly once", async function () {
    const first = await start();
    const created = await post(first.url, "/jobs", { steps: 10 });
    expect(created.status).to.equal(202);
    const job = (await created.json()) as { id: string };

    await first.service.waitForLog((line) => line.msg === "job step done" && line.job === job.id);

    const slow = post(first.url, "/slow", {});
    await first.service.waitForLog((line) => line.msg === "slow request started");
    first.service.process.kill("SIGTERM");

    const answer = await slow;
    expect(answer.status).to.equal(200);
    expect(((await answer.json()) as { state: string }).state).to.equal("finished");
    expect(await first.service.exited).to.equal(0);
    const messages = first.service.logs.map((line) => line.msg);
    expect(messages.indexOf("shutting down: no new requests, in-flight requests finish")).to.be.lessThan(
      messages.indexOf("stopping worker"),
    );
    expect(messages[messages.length - 1]).to.equal("stopped");

    expect(await readDb<{ state: string }>("SELECT state FROM slow_requests")).to.deep.equal([{ state: "finished" }]);
    const [persisted] = await readDb<{ done_steps: number }>("SELECT done_steps FROM jobs WHERE id = ?", [job.id]);
    const stepsBefore = await readDb<{ step: number }>("SELECT step FROM job_steps WHERE job_id = ? ORDER BY step", [
      job.id,
    ]);
    expect(stepsBefore.map((s) => s.step)).to.deep.equal(
      Array.from({ length: persisted!.done_steps }, (_, i) => i + 1),
    );

    const second = await start();
    await second.service.waitForLog((line) => line.msg === "job step done" && line.job === job.id && line.step === 10);
    second.service.process.kill("SIGTERM");
    expect(await second.service.exited).to.equal(0);
    const steps = await readDb<{ step: number }>("SELECT step FROM job_steps WHERE job_id = ? ORDER BY step", [job.id]);
    expect(steps.map((s) => s.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await readDb("SELECT state FROM jobs WHERE id = ?", [job.id])).to.deep.equal([{ state: "done" }]);
  });
});
