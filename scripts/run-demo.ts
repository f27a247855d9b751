/**
 * `npm run demo`: says what it is doing from the first second, compiles with the compiler's output kept
 * aside (the warnings it prints come from OpenZeppelin's transient-storage code and are explained in the
 * README; a failed build prints everything), then runs the demo and reports the whole run's time.
 */
import { spawn } from "node:child_process";
import path from "node:path";

const started = Date.now();
const hardhat = path.resolve("node_modules/.bin/hardhat");

function run(args: string[], capture: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(hardhat, args, {
      stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
      env: { ...process.env, DEMO_STARTED_AT: String(started) },
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

console.log("Compiling the contracts (about a minute on a first run)...");
const build = await run(["build"], true);
if (build.code !== 0) {
  console.error(build.output);
  process.exit(build.code);
}
console.log(`Compiled in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
const demo = await run(["run", "scripts/demo.ts"], false);
process.exit(demo.code);
