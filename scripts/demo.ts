/**
 * The main job: the platform end to end on the embedded network.
 *
 *   npm run demo            (REMITTANCES=10 npm run demo for more remittances; scripts/run-demo.ts compiles
 *                            first and starts the clock)
 *
 * Deploys the platform with its Ignition module, onboards the tenants (two wallet operators, a
 * settlement bank, two SMEs, an arbiter, a mentor), runs an SME escrow trade and a series of
 * HK -> PH remittances, then prints statuses, balances, end-to-end times against the 3-second mark,
 * and gas.
 */
import { network } from "hardhat";

import { buildPlatform } from "../fixtures/platform.js";
import { runEscrowTrade } from "./demo/escrow-trade.js";
import { runRemittances } from "./demo/remittances.js";

// `npm run demo` starts the clock before compiling, so the time reported is the whole run's.
const started = Number(process.env.DEMO_STARTED_AT ?? Date.now());
const log = (line: string) => console.log(line);
const count = Number(process.env.REMITTANCES ?? "5");
if (!Number.isInteger(count) || count < 1 || count > 200) {
  console.error(`REMITTANCES must be an integer from 1 to 200 (got "${process.env.REMITTANCES}")`);
  process.exit(1);
}

const connection = await network.create();

log("== LedgerLink BaaS demo: the platform on the embedded Hardhat network ==\n");
const world = await buildPlatform(connection, log);

log("\n== SME escrow trade ==");
await runEscrowTrade(world);

log("\n== HK -> PH remittances ==");
await runRemittances(world, count);

log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
await connection.close();
