import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { tempDir } from "../wallet/helpers.js";

interface DemoReport {
  ok: boolean;
  failure?: string;
  network?: { chainId: number; blockTimeSeconds: number };
  processes: Array<{ name: string; pid: number }>;
  remittances: Array<{
    label: string;
    kind: "payout" | "rejected" | "expired";
    remittanceId: string | null;
    expected: string;
    finalStatus: string;
    relayerStatus: string | null;
    chainStatus: string | null;
    refundReason: string | null;
    endToEndMs: number;
    statusPath: Array<{ status: string; ms: number }>;
  }>;
  reconciliation?: {
    ok: boolean;
    wallets: Record<string, { reconciled: boolean }>;
    problems: string[];
  };
}

const SERVICES = ["quotes", "phWallet", "phOperator", "hkOperator", "hkWallet", "metatx"];

/** True while a process with this pid exists. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm run demo` as a terminal runs it: scripts/run-demo.ts in a process group of its own. */
function startDemo(dir: string, remittances: number, workDir = path.join(dir, "run")): DemoRun {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/run-demo.ts"], {
    env: {
      ...process.env,
      REMITTANCES: String(remittances),
      DEMO_DIR: workDir,
      DEMO_REPORT: path.join(dir, "demo-report.json"),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const readReport = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, "demo-report.json"), "utf8")) as DemoReport;

/** Leaves nothing running whatever the test did: the demo's group, then every pid its report names. */
async function reap(run: DemoRun | undefined, dir: string | undefined) {
  if (run?.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
    try {
      process.kill(-run.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  if (dir === undefined) return;
  const report = await readReport(dir).catch(() => undefined);
  for (const { pid } of report?.processes ?? []) if (alive(pid)) process.kill(pid, "SIGKILL");
}

describe("npm run demo: the main job through the services, as a child process", function () {
  // A fresh local network, deployment and six services per run: about a minute on a loaded 2-core machine.
  this.timeout(300_000);

  describe("a full run with 3 remittances", function () {
    let temp: { dir: string; remove(): Promise<void> };
    let run: DemoRun | undefined;
    let code: number | null;
    let report: DemoReport;

    before(async function () {
      temp = await tempDir("ll-demo-");
      run = startDemo(temp.dir, 3);
      code = await run.exited;
      report = await readReport(temp.dir);
    });

    after(async function () {
      await reap(run, temp?.dir);
      await temp?.remove();
    });

    it("exits 0 and says everything reconciled", function () {
      expect(code, run!.output()).to.equal(0);
      expect(run!.output()).to.include("Everything reconciled.");
      expect(report.ok, report.failure).to.equal(true);
    });

    it("ran on the local network: chain id 1337, a block every second", function () {
      expect(report.network).to.deep.include({ chainId: 1337, blockTimeSeconds: 1 });
    });

    it("pays out every remittance: wallet, relayer and chain agree, with its status path and end-to-end time", function () {
      const payouts = report.remittances.filter((r) => r.kind === "payout");
      expect(payouts).to.have.length(3);
      for (const r of payouts) {
        expect(r.finalStatus, r.label).to.equal("paid_out");
        expect(r.relayerStatus, r.label).to.equal("paid_out");
        expect(r.chainStatus, r.label).to.equal("PaidOut");
        expect(r.remittanceId, r.label).to.match(/^0x[0-9a-f]{64}$/);
        expect(r.statusPath.map((s) => s.status)).to.include.members(["accepted", "initiated", "paid_out"]);
        expect(r.endToEndMs, r.label).to.equal(r.statusPath.at(-1)!.ms);
        expect(r.endToEndMs, r.label).to.be.greaterThan(0);
      }
    });

    it("refunds the remittance to an unknown recipient: rejected on chain, the sender made whole", function () {
      const rejected = report.remittances.filter((r) => r.kind === "rejected");
      expect(rejected).to.have.length(1);
      expect(rejected[0]).to.deep.include({
        finalStatus: "refunded",
        relayerStatus: "rejected",
        chainStatus: "Rejected",
      });
      expect(rejected[0]!.refundReason).to.match(/unknown_recipient/);
    });

    it("refunds the remittance nobody confirmed: expired on chain, refunded to the sender", function () {
      const expired = report.remittances.filter((r) => r.kind === "expired");
      expect(expired).to.have.length(1);
      expect(expired[0]).to.deep.include({ finalStatus: "refunded", relayerStatus: "expired", chainStatus: "Expired" });
    });

    it("reconciles both wallets with the chain and finds no problem", function () {
      expect(report.reconciliation?.ok).to.equal(true);
      expect(report.reconciliation?.problems).to.deep.equal([]);
      expect(report.reconciliation?.wallets.hkWallet?.reconciled).to.equal(true);
      expect(report.reconciliation?.wallets.phWallet?.reconciled).to.equal(true);
    });

    it("leaves none of the processes it started running: anvil, the six services, the restarted PH relayer", function () {
      const names = report.processes.map((p) => p.name);
      expect(names).to.include.members(["anvil", ...SERVICES, "phOperator (restarted)"]);
      expect(report.processes.filter((p) => alive(p.pid))).to.deep.equal([]);
    });
  });

  describe("a run that fails", function () {
    let temp: { dir: string; remove(): Promise<void> };
    let run: DemoRun | undefined;

    before(async function () {
      temp = await tempDir("ll-demo-fail-");
    });

    after(async function () {
      await reap(run, temp?.dir);
      await temp?.remove();
    });

    it("exits 1 with the reason, writes the report, and stops the network it started", async function () {
      // Its working folder is a file: the demo fails after it started the local network and deployed.
      const blocked = path.join(temp.dir, "not-a-folder");
      await writeFile(blocked, "");
      run = startDemo(temp.dir, 1, blocked);
      const code = await run.exited;
      expect(code, run.output()).to.equal(1);
      expect(run.output()).to.include("DEMO FAILED:").and.include("not-a-folder");

      const report = await readReport(temp.dir);
      expect(report.ok).to.equal(false);
      expect(report.failure).to.include("not-a-folder");
      expect(report.processes.map((p) => p.name)).to.include("anvil");
      expect(report.processes.filter((p) => alive(p.pid))).to.deep.equal([]);
    });
  });

  describe("Ctrl-C in the middle of the run", function () {
    let temp: { dir: string; remove(): Promise<void> };
    let run: DemoRun | undefined;

    before(async function () {
      temp = await tempDir("ll-demo-int-");
    });

    after(async function () {
      await reap(run, temp?.dir);
      await temp?.remove();
    });

    it("stops every process the demo started and exits non-zero", async function () {
      run = startDemo(temp.dir, 3);
      // Mid-run: the services are up and the remittances are being sent.
      for (let i = 0; i < 1200 && !run.output().includes("Sending 3,") && run.child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(run.output(), "the demo never reached its remittances").to.include("Sending 3,");
      // As a terminal's Ctrl-C: SIGINT to the whole foreground process group.
      process.kill(-run.child.pid!, "SIGINT");
      const code = await run.exited;
      expect(code, run.output()).to.not.equal(0);
      expect(run.output()).to.include("interrupted (SIGINT)");

      const report = await readReport(temp.dir);
      expect(report.ok).to.equal(false);
      expect(report.processes.map((p) => p.name)).to.include.members(["anvil", ...SERVICES]);
      expect(report.processes.filter((p) => alive(p.pid))).to.deep.equal([]);
    });
  });
});
