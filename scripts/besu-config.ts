/**
 * `npm run besu:config -- --params deploy/besu/network.json --out <dir>`: writes a Besu QBFT consortium's
 * genesis.json, permissions_config.toml and one <node>/config.toml per node from one parameters file.
 * Every check runs before the first file is written: bad parameters print one line and change nothing.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { buildNetworkConfig, NetworkParametersError } from "./besu/network-config.js";

const USAGE = "usage: npm run besu:config -- --params <parameters.json> --out <directory>";

function fail(message: string): never {
  console.error(`besu:config: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  // `./baas besu:config -- --params ...` hands npm's separator through; it means nothing here.
  const argv = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--"));
  let values: { params?: string; out?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { params: { type: "string" }, out: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${(error as Error).message.split("\n")[0]} (${USAGE})`);
  }
  if (values.params === undefined || values.out === undefined) fail(USAGE);

  let text: string;
  try {
    text = await readFile(values.params, "utf8");
  } catch (error) {
    fail(`cannot read ${values.params}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    fail(`${values.params} is not JSON: ${(error as Error).message.split("\n")[0]}`);
  }

  let network: ReturnType<typeof buildNetworkConfig>;
  try {
    network = buildNetworkConfig(input);
  } catch (error) {
    if (error instanceof NetworkParametersError) fail(`${values.params}: ${error.message}`);
    throw error;
  }

  for (const [file, content] of network.files) {
    const target = path.join(values.out, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }

  const p = network.parameters;
  console.log(`Wrote ${network.files.size} files to ${values.out}:`);
  for (const file of network.files.keys()) console.log(`  ${file}`);
  console.log(
    `Chain ${p.chainId}: QBFT, ${network.validators.length} validators, ${p.blockPeriodSeconds} s blocks, gas limit ${p.gasLimit}${p.freeGas ? ", free gas" : ""}.`,
  );
  const rpcUrls = network.nodes.map((n) => `http://${n.host}:${n.rpcPort}`);
  console.log(`For the services' "chain" sections: "chainId": ${p.chainId}, "rpcUrls": ${JSON.stringify(rpcUrls)}`);
}

await main();
