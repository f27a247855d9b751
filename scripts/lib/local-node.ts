/**
 * The local network: anvil (from npm, `@foundry-rs/anvil-linux-amd64`) with interval mining and a chain id
 * that is not Hardhat's 31337, so tools and services treat it as they would a consortium network (no
 * Hardhat-only shortcuts keyed on 31337). Used by `npm run node`, the demo and the bench.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** The local network's chain id: not 31337, so the local network behaves like a consortium network. */
export const LOCAL_CHAIN_ID = 1337;

/** The public dev mnemonic anvil and Hardhat fund: its keys are known to everyone, test funds only. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export const ANVIL_BIN = path.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

export interface LocalNodeOptions {
  /** Loopback port; 0 (the default) takes a free one. */
  port?: number;
  /** Seconds between blocks (interval mining); 1 by default. */
  blockTime?: number;
  chainId?: number;
  /** Dev accounts funded at genesis; the platform builder needs 11, the services one more: 20 by default. */
  accounts?: number;
  /** The host to listen on: loopback unless told otherwise. */
  host?: string;
  /** Milliseconds to wait for anvil to listen. */
  startTimeoutMs?: number;
}

export interface LocalNode {
  url: string;
  chainId: number;
  pid: number;
  /** A raw JSON-RPC call (anvil_* / evm_* controls, checks). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Resolves when anvil has exited, with its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` (2 s); resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts anvil and resolves once it listens; pair every call with `stop()`. */
export async function startLocalNode(options: LocalNodeOptions = {}): Promise<LocalNode> {
  const chainId = options.chainId ?? LOCAL_CHAIN_ID;
  const blockTime = options.blockTime ?? 1;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`port must be 0 to 65535 (got ${port})`);
  if (!(blockTime > 0)) throw new Error(`block time must be a positive number of seconds (got ${blockTime})`);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new Error(`chain id must be a positive integer`);
  if (!existsSync(ANVIL_BIN)) {
    throw new Error(`anvil is not installed at ${ANVIL_BIN}: run npm ci (it comes from @foundry-rs/anvil-linux-amd64)`);
  }
  const args = [
    "--host",
    options.host ?? "127.0.0.1",
    "--port",
    String(port),
    "--chain-id",
    String(chainId),
    "--block-time",
    String(blockTime),
    "--accounts",
    String(options.accounts ?? 20),
    "--mnemonic",
    DEV_MNEMONIC,
  ];
  const child = spawn(ANVIL_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const timer = setTimeout(() => fail(new Error(`anvil did not start in ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onEarlyExit = (code: number | null) => fail(new Error(`anvil exited with ${code}:\n${seen}`));
    child.once("error", fail);
    child.once("exit", onEarlyExit);
    child.stderr!.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /Listening on (\S+:\d+)/.exec(seen);
      if (match === null) return;
      clearTimeout(timer);
      child.off("exit", onEarlyExit);
      child.off("error", fail);
      child.stdout!.off("data", onData);
      resolve(`http://${match[1]}`);
    };
    child.stdout!.on("data", onData);
  });
  // anvil logs every call: keep draining so a full pipe never blocks it.
  child.stdout!.resume();
  child.stderr!.resume();

  let id = 0;
  let stopping: Promise<void> | undefined;
  return {
    url,
    chainId,
    pid: child.pid!,
    exited,
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
    stop(graceMs = 2_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
