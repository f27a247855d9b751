import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ANVIL_BIN = path.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

/** The dev accounts of the "test test ... junk" mnemonic that anvil and Hardhat both fund (public test keys). */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
] as const;

export interface AnvilOptions {
  chainId?: number;
  /** Interval mining in seconds (fractions allowed); omitted = automine. */
  blockTime?: number;
  /** No automine and no interval: blocks only on `anvil_mine` / `evm_mine`. */
  noMining?: boolean;
  extraArgs?: string[];
}

export interface Anvil {
  url: string;
  process: ChildProcess;
  /** A raw JSON-RPC call, for the test's own checks and anvil_* controls. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** Starts anvil on a free loopback port; resolves once it listens. Always pair with `stop()` in an `after` hook. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const args = ["--host", "127.0.0.1", "--port", "0", "--chain-id", String(options.chainId ?? 31337)];
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (options.noMining === true) args.push("--no-mining");
  args.push(...(options.extraArgs ?? []));
  const child = spawn(ANVIL_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });

  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`anvil did not start in 15 s:\n${seen}`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onEarlyExit = (code: number | null) => fail(new Error(`anvil exited with ${code}:\n${seen}`));
    child.once("error", fail);
    child.once("exit", onEarlyExit);
    let started = false;
    child.stdout!.on("data", (chunk: Buffer) => {
      if (started) return;
      seen += chunk.toString();
      const match = /Listening on (\S+:\d+)/.exec(seen);
      if (match) {
        // Only the start-up listeners go, and only once: anvil logs every call, and stripping all exit
        // listeners on each line would also remove the one `stop()` waits on.
        started = true;
        clearTimeout(timer);
        child.off("exit", onEarlyExit);
        child.off("error", fail);
        resolve(`http://${match[1]}`);
      }
    });
  });
  // Keep draining output so a chatty anvil never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();

  let id = 0;
  return {
    url,
    process: child,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result as T;
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    },
  };
}
