/**
 * `npm run node`: the local network (anvil with interval mining and chain id 1337) in the foreground;
 * Ctrl-C stops it. Tasks reach it with `--network localhost` (LOCALHOST_RPC_URL when not on 8545).
 *
 *   npm run node                                   (1 s blocks, port 8545)
 *   npm run node -- --block-time 2 --port 8546
 */
import { parseArgs } from "node:util";

import { DEV_MNEMONIC, LOCAL_CHAIN_ID, startLocalNode } from "../fixtures/local-node.js";

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

let values: { "block-time": string; port: string; "chain-id": string };
try {
  values = parseArgs({
    options: {
      "block-time": { type: "string", default: "1" },
      port: { type: "string", default: "8545" },
      "chain-id": { type: "string", default: String(LOCAL_CHAIN_ID) },
    },
    strict: true,
  }).values as typeof values;
} catch (error) {
  fail(
    `${error instanceof Error ? error.message : String(error)} (options: --block-time <s> --port <n> --chain-id <n>)`,
  );
}
const blockTime = Number(values!["block-time"]);
const port = Number(values!.port);
const chainId = Number(values!["chain-id"]);
if (!(blockTime > 0)) fail(`--block-time must be a positive number of seconds (got "${values!["block-time"]}")`);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0 to 65535 (got "${values!.port}")`);
if (!Number.isSafeInteger(chainId) || chainId <= 0) fail(`--chain-id must be a positive integer`);

const node = await startLocalNode({ port, blockTime, chainId }).catch((error: unknown) =>
  fail(`the local network did not start: ${error instanceof Error ? error.message : String(error)}`),
);
const portNote = node.url.endsWith(":8545")
  ? ""
  : `\n  export LOCALHOST_RPC_URL=${node.url}   (for --network localhost)`;
process.stdout.write(
  [
    `Local network (anvil) on ${node.url}`,
    `  chain id ${node.chainId}, a block every ${blockTime} s, pid ${node.pid}${portNote}`,
    "",
    "WARNING: its 20 funded accounts come from the public dev mnemonic",
    `  "${DEV_MNEMONIC}":`,
    "  everyone knows their keys. Never send real funds to them, and never use them on another network.",
    "",
    "Ctrl-C stops it.",
    "",
  ].join("\n"),
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("stopping the local network...\n");
  void node.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
void node.exited.then((code) => {
  if (!stopping) fail(`anvil exited on its own (code ${code})`);
});
