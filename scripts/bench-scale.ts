/**
 * The scale-out row on its own: sustained remittances per second through the HK operator relayer with one
 * and two instances on PostgreSQL, against one instance on SQLite, in one run (see scripts/bench/scale-out.ts).
 *
 *   npm run bench:scale                       (about a minute)
 *   BENCH_SCALE_N=500 BENCH_SCALE_CONCURRENCY=32 npm run bench:scale
 */
import hre from "hardhat";

import { measureScaleOut } from "./bench/scale-out.js";

const setting = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`${name} must be a positive integer, got "${raw}"\n`);
    process.exit(1);
  }
  return value;
};

try {
  const rows = await measureScaleOut({
    network: hre.network,
    ignitionDir: hre.config.paths.ignition,
    remittances: setting("BENCH_SCALE_N", 200),
    concurrency: setting("BENCH_SCALE_CONCURRENCY", 16),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write("\n| measure | value | vs 1 instance on SQLite |\n| --- | --- | --- |\n");
  for (const row of rows) {
    process.stdout.write(
      `| ${row.label} | ${row.value} ${row.unit} | ${row.ratio === undefined ? "baseline" : `× ${row.ratio}`} |\n`,
    );
  }
} catch (error) {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
