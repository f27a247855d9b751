/**
 * Starts the remittance services of a local network as separate processes, against a running node with
 * the platform deployed: the bank's quote service, the HK and PH operator relayers and the HK and PH
 * wallet ledgers. Keys and secrets are generated into a temp folder (never the repo), URLs and the
 * wallets' app keys are printed, Ctrl-C stops them all.
 *
 *   npm run services -- --deployment <ignition deployment id> [--rpc <url>] --dev-keys   (--rpc: $LOCALHOST_RPC_URL, else 127.0.0.1:8545)
 *   npm run services -- --manifest export/deployments/<id>.json ...
 *
 * Hot keys: HK_OPERATOR_KEY, PH_OPERATOR_KEY, BANK_QUOTES_KEY (members of hk-wallet, ph-wallet and
 * settlement-bank); `--dev-keys` takes the demo builder's admin accounts of the public dev mnemonic
 * (local nodes only).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { HDNodeWallet, JsonRpcProvider, Mnemonic, encodeBytes32String } from "ethers";

import { readIgnitionDeployment, readManifest } from "../client/deployment.js";
import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../relayer/core/kit/api-keys.js";
import { openStore } from "../relayer/core/store/open-store.js";
import { RemittanceSettlement__factory } from "../typechain-types/index.js";

const { values } = parseArgs({
  options: {
    // The node `npm run setup:local` set up (LOCALHOST_RPC_URL, as `--network localhost` reads it).
    rpc: { type: "string", default: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    deployment: { type: "string" },
    manifest: { type: "string" },
    dir: { type: "string" },
    "base-port": { type: "string", default: "8100" },
    "dev-keys": { type: "boolean", default: false },
    rate: { type: "string", default: "7.2450" },
  },
  strict: true,
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

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
const remittance = deployment.contracts.remittance ?? fail("the deployment has no RemittanceSettlement");
const hkd = deployment.contracts.HKD ?? fail("the deployment has no tHKD");
const php = deployment.contracts.PHP ?? fail("the deployment has no tPHP");
const chainId = Number(deployment.chainId);

const devKey = (i: number) =>
  HDNodeWallet.fromMnemonic(
    Mnemonic.fromPhrase("test test test test test test test test test test test junk"),
    `m/44'/60'/0'/0/${i}`,
  ).privateKey;
const key = (name: string, devIndex: number) =>
  process.env[name] ?? (values["dev-keys"] ? devKey(devIndex) : fail(`set ${name} or pass --dev-keys`));
const keys = { hk: key("HK_OPERATOR_KEY", 5), ph: key("PH_OPERATOR_KEY", 6), bank: key("BANK_QUOTES_KEY", 7) };

const dir = values.dir ?? (await mkdtemp(path.join(tmpdir(), "ledgerlink-services-")));
const base = Number(values["base-port"]);
const names = ["quotes", "phWallet", "phOperator", "hkOperator", "hkWallet"] as const;
type Name = (typeof names)[number];
const ports: Record<Name, number> = {
  quotes: base + 1,
  hkOperator: base + 2,
  phOperator: base + 3,
  hkWallet: base + 4,
  phWallet: base + 5,
};
const url = (n: Name) => `http://127.0.0.1:${ports[n]}`;
const store = (n: Name) => path.join(dir, `${n}.sqlite`);

async function issue(n: Name, tenant: string): Promise<string> {
  const s = await openStore({ path: store(n) });
  try {
    await s.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    return (await createApiKey(s, tenant)).key;
  } finally {
    await s.close();
  }
}

const hookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const adminKey = randomBytes(24).toString("hex");
const apiKeys = {
  quotes: await issue("quotes", "hk-wallet"),
  hkClient: await issue("hkOperator", "hk-wallet"),
  peer: await issue("phOperator", "hk-wallet"),
  phPayouts: await issue("phWallet", "ph-operator"),
  phApp: await issue("phWallet", "ph-app"),
  hkApp: await issue("hkWallet", "hk-app"),
};
const ratesFile = path.join(dir, "rates.json");
await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": values.rate } }, null, 2));
const chain = { rpcUrls: [values.rpc], chainId, settlement: remittance.address, startBlock: remittance.blockNumber };
const configs: Record<Name, object> = {
  quotes: {
    name: "bank-quotes",
    http: { port: ports.quotes },
    store: { path: store("quotes") },
    chain: { rpcUrl: values.rpc, chainId, settlement: remittance.address },
    providerTenant: "settlement-bank",
    rates: { file: ratesFile },
    corridors: [{ id: "HKD-PHP", spreadBps: 35 }],
  },
  hkOperator: {
    name: "hk-operator",
    tenant: "hk-wallet",
    http: { port: ports.hkOperator },
    store: { path: store("hkOperator") },
    chain,
    quotes: { url: url("quotes"), corridors: { "ph-wallet": "HKD-PHP" } },
    peers: { "ph-wallet": { url: url("phOperator") } },
    webhooks: { url: `${url("hkWallet")}/webhooks/operator` },
  },
  phOperator: {
    name: "ph-operator",
    tenant: "ph-wallet",
    http: { port: ports.phOperator },
    store: { path: store("phOperator") },
    chain,
    wallet: { url: url("phWallet") },
  },
  hkWallet: {
    name: "hk-wallet",
    currency: "HKD",
    http: { port: ports.hkWallet },
    store: { path: store("hkWallet") },
    operator: { url: url("hkOperator") },
    chain: { rpcUrl: values.rpc, chainId, settlement: remittance.address, tenantId: "hk-wallet", token: hkd.address },
  },
  phWallet: {
    name: "ph-wallet",
    currency: "PHP",
    http: { port: ports.phWallet },
    store: { path: store("phWallet") },
    chain: { rpcUrl: values.rpc, chainId, settlement: remittance.address, tenantId: "ph-wallet", token: php.address },
  },
};
const envs: Record<Name, NodeJS.ProcessEnv> = {
  quotes: { QUOTES_SIGNER_KEY: keys.bank },
  hkOperator: {
    OPERATOR_SIGNER_KEY: keys.hk,
    OPERATOR_QUOTES_API_KEY: apiKeys.quotes,
    OPERATOR_PEER_API_KEYS: JSON.stringify({ "ph-wallet": apiKeys.peer }),
    OPERATOR_WEBHOOK_SECRETS: hookSecret,
  },
  phOperator: { OPERATOR_SIGNER_KEY: keys.ph, OPERATOR_WALLET_API_KEY: apiKeys.phPayouts },
  hkWallet: {
    WALLET_ADMIN_KEY: adminKey,
    WALLET_OPERATOR_API_KEY: apiKeys.hkClient,
    WALLET_WEBHOOK_SECRETS: hookSecret,
  },
  phWallet: { WALLET_ADMIN_KEY: adminKey },
};
const scripts: Record<Name, [string, string]> = {
  quotes: ["relayer/quotes/main.ts", "QUOTES_CONFIG_FILE"],
  hkOperator: ["relayer/operator/main.ts", "OPERATOR_CONFIG_FILE"],
  phOperator: ["relayer/operator/main.ts", "OPERATOR_CONFIG_FILE"],
  hkWallet: ["relayer/wallet/main.ts", "WALLET_CONFIG_FILE"],
  phWallet: ["relayer/wallet/main.ts", "WALLET_CONFIG_FILE"],
};

const children: ChildProcess[] = [];
for (const n of names) {
  const file = path.join(dir, `${n}.json`);
  await writeFile(file, JSON.stringify(configs[n], null, 2));
  const [script, configEnv] = scripts[n];
  const log = createWriteStream(path.join(dir, `${n}.log`));
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve(script)], {
    env: { ...process.env, ...envs[n], [configEnv]: file },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a terminal's Ctrl-C reaches the launcher only, which stops each service once
    // with SIGTERM (a second signal would make a service exit without finishing its step).
    detached: true,
  });
  child.stdout!.pipe(log);
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(`[${n}] ${chunk.toString()}`));
  child.once("exit", (code, signal) => process.stdout.write(`${n} exited (${code ?? signal})\n`));
  children.push(child);
}

// The wallets mirror their operator's on-chain ledger position: start each mirror at today's balance.
const provider = new JsonRpcProvider(values.rpc, chainId, { staticNetwork: true });
const settlement = RemittanceSettlement__factory.connect(remittance.address, provider);
for (const [wallet, tenant, token] of [
  ["hkWallet", "hk-wallet", hkd.address],
  ["phWallet", "ph-wallet", php.address],
] as const) {
  const balance = await settlement.balanceOf(encodeBytes32String(tenant), token);
  if (balance === 0n) continue;
  for (let attempt = 0; ; attempt++) {
    const answer = await fetch(`${url(wallet)}/admin/settlement`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-admin-key": adminKey, "idempotency-key": "initial-position" },
      body: JSON.stringify({
        direction: "deposit",
        amount: balance.toString(),
        reference: "on-chain position at start",
      }),
      signal: AbortSignal.timeout(3_000),
    }).catch(() => undefined);
    if (answer?.status === 201) break;
    if (attempt >= 40) fail(`${wallet}: its settlement mirror could not be set (${answer?.status ?? "no answer"})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
provider.destroy();

process.stdout.write(
  [
    `Services started (configs, databases, keys and logs in ${dir}):`,
    ...names.map((n, i) => `  ${n.padEnd(11)} ${url(n)}  (pid ${children[i]!.pid}, log ${path.join(dir, `${n}.log`)})`),
    `HK wallet app key:  ${apiKeys.hkApp}`,
    `PH wallet app key:  ${apiKeys.phApp}`,
    `Wallet admin key (x-admin-key): ${adminKey}`,
    "Ctrl-C stops them all.",
    "",
  ].join("\n"),
);

let stopping = false;
const stopAll = () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("stopping the services...\n");
  const exits = children.map(
    (c) =>
      new Promise<void>((resolve) =>
        c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()),
      ),
  );
  for (const c of children) c.kill("SIGTERM");
  const force = setTimeout(() => children.forEach((c) => c.kill("SIGKILL")), 15_000);
  void Promise.all(exits).then(() => {
    clearTimeout(force);
    process.exit(0);
  });
};
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);
