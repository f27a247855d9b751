import { execFile } from "node:child_process";
import { appendFile, chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

/**
 * `./baas` is what a newcomer runs first, so its setup decisions are specified here without a network:
 * each case runs the real script in a temporary copy of the files it reads, with a PATH built for the case.
 * Where the case is about what it asks npm to do, a stand-in `npm` first on PATH writes down its arguments
 * (a probe of our script, not of npm): that shows whether `npm ci` ran without installing anything.
 */

const REPO = path.resolve(".");
const NODE_BIN = path.dirname(process.execPath);
const SYSTEM_PATH = "/usr/bin:/bin";

interface Run {
  code: number;
  stderr: string;
  npmCalls: string[];
}

interface Sandbox {
  dir: string;
  run(args: string[], options?: { pathDirs?: string[]; env?: Record<string, string> }): Promise<Run>;
  /** A directory holding `node` that answers `--version` with `version` and runs the real Node otherwise. */
  nodeReporting(version: string): Promise<string>;
}

async function sandbox(): Promise<Sandbox> {
  const base = await mkdtemp(path.join(tmpdir(), "baas-spec-"));
  const dir = path.join(base, "repo");
  for (const file of ["baas", "package.json", "package-lock.json", "hardhat.config.ts", "scripts/use-node22.sh"]) {
    await cp(path.join(REPO, file), path.join(dir, file));
  }
  await cp(path.join(REPO, "contracts"), path.join(dir, "contracts"), { recursive: true });

  const fakeNpm = path.join(base, "fake-npm");
  const npmLog = path.join(base, "npm-calls.txt");
  await writeFile(npmLog, "");
  await writeFile(
    path.join(await mkdirp(fakeNpm), "npm"),
    [
      "#!/usr/bin/env bash",
      'printf "%s\\n" "$*" >>"$FAKE_NPM_LOG"',
      // What the real commands leave behind, so the script's stamps have somewhere to go.
      'if [ "$1" = ci ]; then mkdir -p node_modules; fi',
      'if [ "$*" = "run --silent build" ]; then mkdir -p artifacts typechain-types; fi',
      'if [ -n "${FAKE_NPM_FAIL:-}" ] && [ "${2:-}" = "$FAKE_NPM_FAIL" ]; then exit 3; fi',
      "exit 0",
      "",
    ].join("\n"),
  );
  await chmod(path.join(fakeNpm, "npm"), 0o755);

  let shims = 0;
  return {
    dir,
    async run(args, options = {}) {
      const pathDirs = options.pathDirs ?? [fakeNpm, NODE_BIN];
      const env: Record<string, string> = {
        HOME: base,
        PATH: [...pathDirs, SYSTEM_PATH].join(":"),
        FAKE_NPM_LOG: npmLog,
        // npm's cache and logs stay in the sandbox.
        npm_config_cache: path.join(base, "npm-cache"),
        ...options.env,
      };
      await writeFile(npmLog, "");
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(path.join(dir, "baas"), args, { cwd: dir, env }, (error, _stdout, stderr) => {
          const exit = (error as { code?: unknown } | null)?.code;
          resolve({ code: error ? (typeof exit === "number" ? exit : 1) : 0, stderr });
        });
      });
      const npmCalls = (await readFile(npmLog, "utf8")).split("\n").filter((line) => line !== "");
      return { code, stderr, npmCalls };
    },
    async nodeReporting(version) {
      const shimDir = await mkdirp(path.join(base, `node-${++shims}`));
      await writeFile(
        path.join(shimDir, "node"),
        `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; exit 0; fi\nexec "${process.execPath}" "$@"\n`,
      );
      await chmod(path.join(shimDir, "node"), 0o755);
      return shimDir;
    },
  };
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

const NPM_CI = "ci --no-audit --no-fund";
const BUILD = "run --silent build";

describe("./baas, the fresh-machine wrapper", function () {
  this.timeout(60_000);
  let box: Sandbox;

  beforeEach(async function () {
    box = await sandbox();
  });

  afterEach(async function () {
    await rm(path.dirname(box.dir), { recursive: true, force: true });
  });

  describe("Node", function () {
    it("on a Node 20 machine with the registry unreachable, exits non-zero with one line saying what it could not fetch", async function () {
      const node20 = await box.nodeReporting("v20.11.1");
      // The real npm (run by the real Node through the shim) against a registry nobody listens on.
      const result = await box.run(["demo"], {
        pathDirs: [node20, NODE_BIN],
        env: { npm_config_registry: "http://127.0.0.1:1" },
      });

      expect(result.code).to.not.equal(0);
      const errors = result.stderr.split("\n").filter((line) => /cannot|failed|error/i.test(line));
      expect(errors).to.have.lengthOf(1);
      expect(errors[0]).to.match(
        /^baas: cannot fetch node-linux-(x64|arm64)@22 from the npm registry \(http:\/\/127\.0\.0\.1:1\/?\): ECONNREFUSED; check the network or install Node >= 22\.13$/,
      );
      expect(await exists(path.join(box.dir, ".toolchain/node22"))).to.equal(false);
      expect(await exists(path.join(box.dir, "node_modules"))).to.equal(false);
    });

    it("on a machine the registry has no Node package for, exits non-zero with one line saying so", async function () {
      const node20 = await box.nodeReporting("v20.11.1");
      const riscv = path.join(path.dirname(box.dir), "uname-riscv");
      await mkdir(riscv);
      await writeFile(
        path.join(riscv, "uname"),
        '#!/bin/sh\nif [ "$1" = -m ]; then echo riscv64; else echo Linux; fi\n',
      );
      await chmod(path.join(riscv, "uname"), 0o755);
      const result = await box.run(["demo"], { pathDirs: [riscv, node20, NODE_BIN] });

      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal("baas: no Node 22 package for riscv64; install Node >= 22.13 yourself\n");
      expect(await exists(path.join(box.dir, ".toolchain/node22"))).to.equal(false);
    });

    it("uses the machine's Node when it is 22.13 or newer, fetching nothing", async function () {
      const result = await box.run(["lint"]);

      expect(result.code).to.equal(0);
      expect(result.stderr).to.not.match(/fetching Node/);
      expect(await exists(path.join(box.dir, ".toolchain/node22"))).to.equal(false);
    });
  });

  describe("dependencies", function () {
    it("runs npm ci when node_modules is missing, then the build, then the script", async function () {
      const result = await box.run(["bench"]);

      expect(result.code).to.equal(0);
      expect(result.npmCalls).to.deep.equal([NPM_CI, BUILD, "run bench"]);
      expect(result.stderr).to.match(/npm ci \(node_modules is missing\)/);
    });

    it("skips npm ci when the stamp matches the lock file and the Node version", async function () {
      await box.run(["bench"]);
      const second = await box.run(["bench"]);

      expect(second.code).to.equal(0);
      expect(second.npmCalls).to.deep.equal(["run bench"]);
    });

    it("runs npm ci again when package-lock.json changed", async function () {
      await box.run(["bench"]);
      await appendFile(path.join(box.dir, "package-lock.json"), "\n");
      const result = await box.run(["bench"]);

      expect(result.npmCalls).to.include(NPM_CI);
      expect(result.stderr).to.match(/package-lock\.json or the Node version changed/);
    });

    it("runs npm ci again when the Node version changed", async function () {
      await box.run(["bench"]);
      const otherNode = await box.nodeReporting("v22.99.0");
      const fakeNpm = path.join(path.dirname(box.dir), "fake-npm");
      const result = await box.run(["bench"], { pathDirs: [fakeNpm, otherNode, NODE_BIN] });

      // The contracts do not depend on the Node that compiled them: no new build.
      expect(result.npmCalls).to.deep.equal([NPM_CI, "run bench"]);
    });

    it("reports a failed npm ci in one line and runs nothing after it", async function () {
      const result = await box.run(["bench"], { env: { FAKE_NPM_FAIL: "--no-audit" } });

      expect(result.code).to.equal(1);
      expect(result.npmCalls).to.deep.equal([NPM_CI]);
      expect(result.stderr.trim().split("\n").at(-1)).to.equal(
        "baas: npm ci failed (output above); check the network and run ./baas again",
      );
    });
  });

  describe("build", function () {
    it("compiles again when a contract changed, and only then", async function () {
      await box.run(["bench"]);
      const unchanged = await box.run(["bench"]);
      await appendFile(path.join(box.dir, "contracts/tenants/TenantRegistry.sol"), "\n// changed\n");
      const changed = await box.run(["bench"]);

      expect(unchanged.npmCalls).to.not.include(BUILD);
      expect(changed.npmCalls).to.deep.equal([BUILD, "run bench"]);
    });
  });

  describe("commands", function () {
    it("runs lint, the tests and the gas check for `test`, in CI's order", async function () {
      const result = await box.run(["test"]);

      expect(result.code).to.equal(0);
      expect(result.npmCalls).to.deep.equal([NPM_CI, BUILD, "run lint", "run test", "run gas:check"]);
    });

    it("stops `test` at the first step that fails, with that step's exit status", async function () {
      const result = await box.run(["test"], { env: { FAKE_NPM_FAIL: "lint" } });

      expect(result.code).to.equal(3);
      expect(result.npmCalls.at(-1)).to.equal("run lint");
    });

    it("runs `demo` as npm run demo", async function () {
      const result = await box.run(["demo"]);

      expect(result.npmCalls.at(-1)).to.equal("run demo");
    });

    it("passes arguments after the script's name through to it", async function () {
      const result = await box.run(["test:mocha", "test/client/errors.ts", "--bail"]);

      expect(result.npmCalls.at(-1)).to.equal("run test:mocha -- test/client/errors.ts --bail");
    });

    it("refuses an unknown command in one line before fetching or installing anything", async function () {
      const result = await box.run(["dmeo"]);

      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal("baas: no command 'dmeo'; ./baas help lists them\n");
      expect(result.npmCalls).to.deep.equal([]);
      expect(await exists(path.join(box.dir, "node_modules"))).to.equal(false);
    });
  });
});
