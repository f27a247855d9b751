/**
 * `npm run export`: what a backend team in any language needs to integrate without this repository's
 * toolchain, written to `export/`:
 *
 *   export/abi/<Contract>.json            the contract's ABI plus every custom error a call to it can
 *                                         surface (the registry's inside business calls, the tokens'), so
 *                                         any EVM library decodes every revert
 *   export/deployments/<id>.json          one manifest per Ignition deployment: chain id, addresses and
 *                                         creation blocks (where event history starts)
 *
 * Runs without Hardhat (plain Node via tsx); the ABIs come from the generated typechain factories.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { ErrorFragment } from "ethers";

import { errorsReachableFrom, PLATFORM_ABIS, type PlatformContractName } from "../client/abi.js";
import { readIgnitionDeployment, serializeManifest } from "../client/deployment.js";

const OUT = path.resolve("export");
const DEPLOYMENTS = path.resolve("deploy/deployments");

await rm(OUT, { recursive: true, force: true });
await mkdir(path.join(OUT, "abi"), { recursive: true });
await mkdir(path.join(OUT, "deployments"), { recursive: true });

for (const name of Object.keys(PLATFORM_ABIS) as PlatformContractName[]) {
  const abi = [...(PLATFORM_ABIS[name] as ReadonlyArray<{ type: string }>)];
  const own = new Set(
    abi.filter((item) => item.type === "error").map((item) => ErrorFragment.from(item as never).selector),
  );
  for (const error of errorsReachableFrom(name)) {
    if (!own.has(ErrorFragment.from(error).selector)) abi.push(error);
  }
  await writeFile(path.join(OUT, "abi", `${name}.json`), JSON.stringify(abi, null, 2) + "\n");
  console.log(`abi/${name}.json  ${abi.filter((i) => i.type === "error").length} errors`);
}

const ids = await readdir(DEPLOYMENTS).catch(() => [] as string[]);
for (const id of ids) {
  try {
    const deployment = await readIgnitionDeployment(DEPLOYMENTS, id);
    await writeFile(path.join(OUT, "deployments", `${id}.json`), serializeManifest(deployment));
    console.log(
      `deployments/${id}.json  chain ${deployment.chainId}, ${Object.keys(deployment.contracts).length} contracts`,
    );
  } catch (error) {
    console.error(`skipped deployment ${id}: ${(error as Error).message.split("\n")[0]}`);
  }
}
if (ids.length === 0) console.log("no deployments in deploy/deployments/ yet: deploy first to export manifests");
