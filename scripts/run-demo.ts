/**
 * `npm run demo`: says what it is doing from the first second, compiles with the compiler's output kept
 * aside (the warnings it prints come from OpenZeppelin's transient-storage code and are explained in the
 * README; a failed build prints everything), then runs the demo (scripts/demo.ts) and reports the whole
 * run's time. Ctrl-C (SIGINT) or SIGTERM reaches the demo, which stops every process it started; the exit
 * code is then non-zero.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const started = Date.now();
const hardhat = path.resolve("node_modules/.bin/hardhat");
let current: ChildProcess | undefined;
let signalled: NodeJS.Signals | undefined;

function run(args: string[], capture: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(hardhat, args, {
      stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
      env: {
        ...process.env,
        DEMO_STARTED_AT: String(started),
        // node:sqlite (the services' store, read by the demo) is flagged experimental on Node 22: known, not news.
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --disable-warning=ExperimentalWarning`.trim(),
      },
    });
    current = child;
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128 + 2), output }));
  });
}

// The demo stops what it started when it gets the signal; this process passes it on once and waits for it.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (signalled !== undefined) return;
    signalled = signal;
    current?.kill(signal);
  });
}

console.log("Compiling the contracts (about a minute on a first run)...");
const build = await run(["build"], true);
if (signalled !== undefined) process.exit(130);
if (build.code !== 0) {
  console.error(build.output);
  process.exit(build.code);
}
console.log(`Compiled in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
// Compiled just now: --no-compile spares `hardhat run` a second check of every source.
const demo = await run(["run", "--no-compile", "scripts/demo.ts"], false);
process.exit(signalled !== undefined && demo.code === 0 ? 130 : demo.code);
