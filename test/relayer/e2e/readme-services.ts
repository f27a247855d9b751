import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";
import hre from "hardhat";

import { call, tempDir } from "../wallet/helpers.js";

const run = promisify(execFile);
const HARDHAT_BIN = path.resolve("node_modules/.bin/hardhat");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while a process with this pid exists. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves when the loopback port is free to bind. */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

/** A base port whose next six ports (the launcher's services) are free. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const checks = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => portFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error("no six free consecutive ports");
}

/**
 * The README's "Services" sequence, as a newcomer types it, against a node served in process (as
 * `npx hardhat node` would serve it): `npm run setup:local` (its command line, as a CLI process),
 * `npm run services -- --deployment <id> --dev-keys` (scripts/services.ts as a child process in a process
 * group of its own, as a terminal runs it), one HK -> PH transfer over real HTTP to paid out with the PH
 * recipient credited, then Ctrl-C (SIGINT to the launcher's group): every service exits.
 */
describe("The README's services walk-through: setup:local, npm run services, one transfer, Ctrl-C", function () {
  this.timeout(300_000);
  let server: { listen(): Promise<{ port: number }>; close(): Promise<void> };
  let url: string;
  let temp: { dir: string; remove(): Promise<void> };
  let launcher: ChildProcess | undefined;
  let servicePids: number[] = [];
  const deploymentId = `readme-services-${randomBytes(4).toString("hex")}`;

  before(async function () {
    server = await hre.network.createServer("hardhat", "127.0.0.1", 0);
    url = `http://127.0.0.1:${(await server.listen()).port}`;
    temp = await tempDir("ll-readme-services-");
  });

  after(async function () {
    if (launcher?.pid !== undefined && launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill("SIGKILL");
    }
    for (const pid of servicePids) if (alive(pid)) process.kill(pid, "SIGKILL");
    await server?.close();
    await temp?.remove();
    await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  });

  it("sets up, starts the services, pays one transfer out, and stops them all on Ctrl-C", async function () {
    const env = { ...process.env, LOCALHOST_RPC_URL: url, DEPLOYMENT_ID: deploymentId };

    // `npm run setup:local` is `hardhat run --network localhost scripts/setup-local.ts`; `hardhat test`
    // has compiled already, so --no-compile spares the CLI a rebuild under the test profile.
    const setupArgs = ["run", "--no-compile", "--network", "localhost", "scripts/setup-local.ts"];
    const setup = await run(HARDHAT_BIN, setupArgs, { env, timeout: 120_000 });
    expect(setup.stdout).to.include(`Deployment id: ${deploymentId}`);
    expect(setup.stdout).to.match(/settlement-bank\s+Active/);
    expect(setup.stdout).to.include("Opened corridor HKD-PHP");
    // Idempotent: a second run on the same node says so and succeeds.
    const again = await run(HARDHAT_BIN, setupArgs, { env, timeout: 120_000 });
    expect(again.stdout).to.include(`already set up on this node: deployment id ${deploymentId}`);

    // `npm run services -- --deployment <id> --dev-keys` (the RPC from LOCALHOST_RPC_URL).
    const base = await freeBasePort();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/services.ts",
        "--deployment",
        deploymentId,
        "--dev-keys",
        "--base-port",
        String(base),
        "--dir",
        temp.dir,
      ],
      { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    launcher = child;
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Six tsx processes start at once: on a loaded 2-core machine that has taken most of a minute.
    for (let i = 0; i < 480 && !stdout.includes("Ctrl-C stops them all.") && child.exitCode === null; i++) {
      await sleep(250);
    }
    expect(stdout, `launcher did not start the services:\n${stdout}\n${stderr}`).to.include("Ctrl-C stops them all.");

    const serviceUrl = (name: string) => new RegExp(`^\\s+${name}\\s+(http://\\S+)\\s+\\(pid (\\d+)`, "m").exec(stdout);
    const names = ["quotes", "phWallet", "phOperator", "hkOperator", "hkWallet", "metatx"];
    servicePids = names.map((n) => Number(serviceUrl(n)![2]));
    const hkWallet = serviceUrl("hkWallet")![1]!;
    const phWallet = serviceUrl("phWallet")![1]!;
    const hkKey = /HK wallet app key:\s+(\S+)/.exec(stdout)![1]!;
    const phKey = /PH wallet app key:\s+(\S+)/.exec(stdout)![1]!;

    // As the README's curl calls: a recipient in the PH wallet, a funded sender in the HK wallet, a transfer.
    const maria = await call(phWallet, "POST", "/accounts", { key: phKey, body: { ref: "maria" } });
    expect(maria.status, JSON.stringify(maria.body)).to.equal(201);
    const mariaId = (maria.body as { id: string }).id;
    const alice = await call(hkWallet, "POST", "/accounts", { key: hkKey, body: { ref: "alice" } });
    expect(alice.status, JSON.stringify(alice.body)).to.equal(201);
    const aliceId = (alice.body as { id: string }).id;
    const deposit = await call(hkWallet, "POST", `/accounts/${aliceId}/deposits`, {
      key: hkKey,
      headers: { "idempotency-key": "fund-alice" },
      body: { amount: "500000" },
    });
    expect(deposit.status, JSON.stringify(deposit.body)).to.equal(201);
    const sent = await call(hkWallet, "POST", "/transfers", {
      key: hkKey,
      headers: { "idempotency-key": "transfer-1" },
      body: {
        accountId: aliceId,
        amount: "125000",
        receivingOperator: "ph-wallet",
        recipientRef: "maria",
        compliance: { sender: "Alice Chan" },
      },
    });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(202);
    const transferId = (sent.body as { id: string }).id;

    let transfer: { state?: string } = {};
    for (let i = 0; i < 120 && transfer.state !== "paid_out" && transfer.state !== "refunded"; i++) {
      await sleep(500);
      transfer = (await call(hkWallet, "GET", `/transfers/${transferId}`, { key: hkKey })).body as typeof transfer;
    }
    expect(transfer.state, JSON.stringify(transfer)).to.equal("paid_out");
    const credited = await call(phWallet, "GET", `/accounts/${mariaId}`, { key: phKey });
    expect(BigInt((credited.body as { balance: string }).balance) > 0n, JSON.stringify(credited.body)).to.equal(true);
    for (const [wallet, key] of [
      [hkWallet, hkKey],
      [phWallet, phKey],
    ] as const) {
      const report = await call(wallet, "GET", "/reconciliation", { key });
      expect((report.body as { reconciled: boolean }).reconciled, JSON.stringify(report.body)).to.equal(true);
    }

    // Ctrl-C: SIGINT to the terminal's foreground process group, which holds the launcher only.
    process.kill(-child.pid!, "SIGINT");
    const code = await Promise.race([exited, sleep(30_000).then(() => "timeout" as const)]);
    expect(code, stdout).to.equal(0);
    for (const n of names) expect(stdout).to.include(`${n} exited (0)`);
    for (let i = 0; i < 40 && servicePids.some(alive); i++) await sleep(250);
    expect(servicePids.filter(alive), "services still running after Ctrl-C").to.deep.equal([]);
  });
});
