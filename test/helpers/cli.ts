import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import hre from "hardhat";

const run = promisify(execFile);
const HARDHAT_BIN = path.resolve("node_modules/.bin/hardhat");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A JSON-RPC node served in process on a free port, and the Hardhat CLI run against it as a separate
 * process (`--network localhost`), exactly as an operator runs tasks against `npx hardhat node`.
 * Deployments go to a deployment id of their own, removed on `close`.
 */
export interface LocalNode {
  url: string;
  deploymentId: string;
  /** An ethers connection to the same node, to check what the tasks did. */
  ethers: HardhatEthers;
  /** Runs `hardhat --network localhost <task...> --deployment <id> <args...>` (`args` may override the deployment). */
  task(task: string[], args?: Record<string, string | number | boolean>): Promise<CliResult>;
  /** Runs `hardhat --network localhost ignition deploy <module> --deployment-id <id>`. */
  ignitionDeploy(modulePath: string, parametersFile?: string): Promise<CliResult>;
  close(): Promise<void>;
}

export async function startLocalNode(): Promise<LocalNode> {
  const server = await hre.network.createServer("hardhat", "127.0.0.1", 0);
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const deploymentId = `cli-test-${randomBytes(4).toString("hex")}`;
  const env = { ...process.env, LOCALHOST_RPC_URL: url, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true" };
  const connection = await hre.network.create({ network: "localhost", override: { url } });

  async function hardhat(argv: string[]): Promise<CliResult> {
    try {
      // No timeout of our own: after `hardhat test` has compiled with its test profile, the first CLI
      // process recompiles (about 40 s idle, minutes on a loaded 2-core machine); killing it mid-build
      // failed suites with no output. Mocha's suite timeout still bounds every test.
      const { stdout, stderr } = await run(HARDHAT_BIN, argv, { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  return {
    url,
    deploymentId,
    ethers: connection.ethers,
    task(task, args = {}) {
      const argv = ["--network", "localhost", ...task];
      const options: Record<string, string | number | boolean> = { deployment: deploymentId, ...args };
      for (const [name, value] of Object.entries(options)) {
        if (value === true) argv.push(`--${name}`);
        else if (value !== false) argv.push(`--${name}`, String(value));
      }
      return hardhat(argv);
    },
    ignitionDeploy(modulePath, parametersFile) {
      const argv = ["--network", "localhost", "ignition", "deploy", modulePath, "--deployment-id", deploymentId];
      if (parametersFile !== undefined) argv.push("--parameters", parametersFile);
      return hardhat(argv);
    },
    async close() {
      await connection.close();
      await server.close();
      await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
    },
  };
}
