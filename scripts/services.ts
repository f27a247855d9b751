/**
 * Starts the platform's services against a running node with the platform deployed, as separate
 * processes (fixtures/stack.ts): the bank's quote service, the HK and PH operator relayers, the HK and
 * PH wallet ledgers and the meta-transaction relayer. Keys and secrets are generated into a temp folder
 * (never the repo), URLs and the wallets' app keys are printed, Ctrl-C stops them all.
 *
 *   npm run services -- --deployment <ignition deployment id> [--rpc <url>] --dev-keys   (--rpc: $LOCALHOST_RPC_URL, else 127.0.0.1:8545)
 *   npm run services -- --manifest export/deployments/<id>.json ...
 *
 * Hot keys: HK_OPERATOR_KEY, PH_OPERATOR_KEY, BANK_QUOTES_KEY (members of hk-wallet, ph-wallet and
 * settlement-bank) and METATX_RELAYER_KEY (pays the gas of forwarded requests); `--dev-keys` takes the
 * demo builder's admin accounts of the public dev mnemonic and its account #11 (local nodes only).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { HDNodeWallet, Mnemonic } from "ethers";

import { readIgnitionDeployment, readManifest } from "../client/deployment.js";
import { MID_RATE } from "../fixtures/corridor.js";
import { DEV_MNEMONIC } from "../fixtures/local-node.js";
import { SERVICE_NAMES, startStack, type ServiceName } from "../fixtures/stack.js";

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const options = {
  // The node `npm run setup:local` set up (LOCALHOST_RPC_URL, as `--network localhost` reads it).
  rpc: { type: "string", default: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
  deployment: { type: "string" },
  manifest: { type: "string" },
  dir: { type: "string" },
  "base-port": { type: "string", default: "8100" },
  "dev-keys": { type: "boolean", default: false },
  rate: { type: "string", default: MID_RATE },
} as const;
const parse = () => {
  try {
    return parseArgs({ options, strict: true }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
};
const values = parse();
const base = Number(values["base-port"]);
if (!Number.isInteger(base) || base < 1 || base + 6 > 65_535)
  fail(`--base-port must be a port number (got "${values["base-port"]}")`);

const deployment = await (async () => {
  try {
    if (values.manifest !== undefined) return await readManifest(values.manifest);
    if (values.deployment !== undefined) {
      return await readIgnitionDeployment(path.resolve("deploy/deployments"), values.deployment);
    }
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  return fail("give --deployment <ignition deployment id> or --manifest <file>");
})();

const devKey = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;
const key = (name: string, devIndex: number) =>
  process.env[name] ?? (values["dev-keys"] ? devKey(devIndex) : fail(`set ${name} or pass --dev-keys`));
const hotKeys = {
  hkOperator: key("HK_OPERATOR_KEY", 5),
  phOperator: key("PH_OPERATOR_KEY", 6),
  bank: key("BANK_QUOTES_KEY", 7),
  metatx: key("METATX_RELAYER_KEY", 11),
};

const dir = values.dir ?? (await mkdtemp(path.join(tmpdir(), "ledgerlink-services-")));
// --base-port + 1 to 6, in the order the README lists them.
const order: ServiceName[] = ["quotes", "hkOperator", "phOperator", "hkWallet", "phWallet", "metatx"];
const ports = Object.fromEntries(order.map((n, i) => [n, base + 1 + i])) as Record<ServiceName, number>;

process.stdout.write(`Starting the services (configs, databases, keys and logs in ${dir})...\n`);
const stack = await startStack({
  rpcUrl: values.rpc,
  deployment,
  dir,
  hotKeys,
  ports,
  rate: values.rate,
}).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));

process.stdout.write(
  [
    `Services started (configs, databases, keys and logs in ${dir}):`,
    ...SERVICE_NAMES.map((n) => {
      const s = stack.services[n];
      return `  ${n.padEnd(11)} ${s.url}  (pid ${s.pid}, log ${s.logFile})`;
    }),
    `HK wallet app key:  ${stack.keys.hkApp}`,
    `PH wallet app key:  ${stack.keys.phApp}`,
    `Wallet and metatx admin key (x-admin-key): ${stack.keys.admin}`,
    `Mentor's sponsor key at the metatx relayer: ${stack.keys.sponsor}`,
    "Ctrl-C stops them all.",
    "",
  ].join("\n"),
);

let stopping = false;
const stopAll = () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("stopping the services...\n");
  void stack.stop().then((codes) => {
    for (const [n, code] of Object.entries(codes)) process.stdout.write(`${n} exited (${code ?? "killed"})\n`);
    process.exit(Object.values(codes).every((c) => c === 0) ? 0 : 1);
  });
};
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);
