import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { PgStore } from "../../../relayer/core/store/pg-store.js";
import { newPostgresDatabase, type PostgresDatabase } from "../helpers/postgres.js";
import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { balanceOf, call, tempDir } from "../wallet/helpers.js";
import { bothWalletsReconciled, eventually, openAccounts, startStack, type ServiceName, type Stack } from "./stack.js";

interface Transfer {
  id: string;
  state: string;
  remittanceId: string | null;
}

const HKD = (n: number) => BigInt(Math.round(n * 100));
const COUNT = 6;
const SERVICES: ServiceName[] = ["quotes", "hkOperator", "phOperator", "hkWallet", "phWallet"];

describe("Services on PostgreSQL: the five remittance services as processes, each on its own database", function () {
  this.timeout(180_000);
  let node: RemittanceNode;
  let temp: { dir: string; remove(): Promise<void> };
  let stack: Stack;
  const databases = {} as Record<ServiceName, PostgresDatabase>;
  let alice: string;
  const recipients = ["bob-0", "bob-1", "bob-2"];
  let phAccounts: Map<string, string>;

  before(async function () {
    node = await startRemittanceNode({ minReceiverWindow: 10 });
    await node.intervalMining(1);
    temp = await tempDir("ll-e2e-pg-");
    for (const n of SERVICES) databases[n] = await newPostgresDatabase(`e2e_${n.toLowerCase()}`);
    stack = await startStack({
      dir: temp.dir,
      node,
      sendDeadlineSeconds: 20,
      safetyMarginSeconds: 4,
      postgres: Object.fromEntries(SERVICES.map((n) => [n, databases[n].url])),
    });
    ({ alice, phAccounts } = await openAccounts(stack, HKD(10_000), recipients));
  });

  after(async function () {
    await stack?.close();
    await node?.close();
    await temp?.remove();
    for (const db of Object.values(databases)) await db.drop();
  });

  const send = async (key: string, amount: bigint, recipientRef: string) => {
    const answer = await call(stack.urls.hkWallet, "POST", "/transfers", {
      key: stack.keys.hkApp,
      headers: { "idempotency-key": key },
      body: {
        accountId: alice,
        amount: amount.toString(),
        receivingOperator: "ph-wallet",
        recipientRef,
        compliance: { sender: "Alice Chan" },
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    return (answer.body as Transfer).id;
  };
  const finalState = (id: string) =>
    eventually(`transfer ${id} final`, async () => {
      const t = (await call(stack.urls.hkWallet, "GET", `/transfers/${id}`, { key: stack.keys.hkApp }))
        .body as Transfer;
      return t.state === "paid_out" || t.state === "refunded" ? t : undefined;
    });

  it("pays out remittances HK -> PH exactly once each, credits the recipients, and both wallets reconcile", async function () {
    const aliceBefore = await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice);
    const sent: { id: string; amount: bigint }[] = [];
    for (let i = 0; i < COUNT; i++) {
      const amount = HKD(100 + 11 * i);
      sent.push({ id: await send(`pg-${i}`, amount, recipients[i % recipients.length]!), amount });
    }
    const done = await Promise.all(sent.map((s) => finalState(s.id)));
    expect(done.map((t) => t.state)).to.deep.equal(sent.map(() => "paid_out"));

    // The relayer's list query (a nullable status filter) on PostgreSQL, and every remittance in it once.
    const list = await call(stack.urls.hkOperator, "GET", "/remittances?status=paid_out", {
      key: stack.keys.hkOperatorClient,
    });
    const listed = (list.body as { remittances: { id: string }[] }).remittances.map((r) => r.id);
    expect([...listed].sort()).to.deep.equal(done.map((t) => t.remittanceId).sort());
    const all = await call(stack.urls.hkOperator, "GET", "/remittances", { key: stack.keys.hkOperatorClient });
    expect((all.body as { remittances: unknown[] }).remittances).to.have.length(COUNT);

    const aliceAfter = await balanceOf({ url: stack.urls.hkWallet, appKey: stack.keys.hkApp }, alice);
    expect(aliceBefore - aliceAfter).to.equal(sent.reduce((sum, s) => sum + s.amount, 0n));
    let credited = 0n;
    for (const ref of recipients) {
      credited += await balanceOf({ url: stack.urls.phWallet, appKey: stack.keys.phApp }, phAccounts.get(ref)!);
    }
    expect(credited > 0n).to.equal(true);
    await bothWalletsReconciled(stack, 15_000);

    // The rows are in PostgreSQL, amounts as NUMERIC: the HK relayer's database holds each remittance once.
    const store = await PgStore.open({ url: databases.hkOperator.url, poolSize: 1 });
    try {
      const rows = await store.read((q) =>
        q.all<{ amount: string; n: number }>(
          "SELECT amount, COUNT(*) AS n FROM op_remittances GROUP BY amount ORDER BY amount",
        ),
      );
      expect(rows).to.deep.equal(
        [...sent].sort((a, b) => Number(a.amount - b.amount)).map((s) => ({ amount: s.amount.toString(), n: 1 })),
      );
    } finally {
      await store.close();
    }
  });

  it("keeps the database password out of every log line, and logs the store URL as [redacted]", async function () {
    const logsOf = async (n: ServiceName) =>
      (await readFile(stack.launched.services[n].logFile, "utf8"))
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg?: string; config?: { store?: unknown } });
    const logs = Object.fromEntries(await Promise.all(SERVICES.map(async (n) => [n, await logsOf(n)])));
    for (const n of SERVICES) {
      const password = new URL(databases[n].url).password;
      expect(await readFile(stack.launched.services[n].logFile, "utf8"), n).to.not.include(password);
      const starting = logs[n].find((l: { msg?: string }) => l.msg === "starting");
      if (starting?.config !== undefined) expect(starting.config.store, n).to.deep.include({ url: "[redacted]" });
    }
    const logged = SERVICES.filter((n) => logs[n].some((l: { msg?: string }) => l.msg === "starting" && "config" in l));
    expect(logged, "the services that log their config at start").to.include.members(["hkOperator", "phOperator"]);
  });

  it("refuses to start on an unreachable database: one line on stderr, exit code 1, no password", async function () {
    const db = await newPostgresDatabase("e2e_gone");
    await db.drop();
    const file = path.join(temp.dir, "gone.json");
    await writeFile(
      file,
      JSON.stringify({
        name: "gone-operator",
        tenant: "hk-wallet",
        http: { port: 0 },
        chain: { rpcUrls: [node.anvil.url], chainId: 31337, settlement: node.world.addresses.remittance },
      }),
    );
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("relayer/operator/main.ts")], {
      env: {
        ...process.env,
        OPERATOR_CONFIG_FILE: file,
        OPERATOR_STORE__URL: db.url,
        OPERATOR_SIGNER_KEY: node.keys.hkWallet,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).to.equal(1);
    // Node's own warnings (node:sqlite is experimental) are not the service's output.
    const lines = stderr
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("(node:") && !l.startsWith("(Use `node"));
    expect(lines, stderr).to.have.length(1);
    expect(lines[0]).to.match(/^cannot connect to PostgreSQL: /);
    expect(stdout + stderr).to.not.include(new URL(db.url).password);
  });
});
