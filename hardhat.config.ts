import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

import { platformTasks } from "./tasks/index.js";

// Hardhat cannot download compilers on the machines we build on, so the
// compiler is the WASM build shipped by the `solc` npm package. Version and
// path both come from that one package, so they can never disagree.
const require = createRequire(import.meta.url);
const solcVersion: string = require("solc/package.json").version;
const solcPath = require.resolve("solc/soljson.js");

const optimizer = { enabled: true, runs: 10_000 };

const ci = process.env.CI === "true";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  tasks: platformTasks,
  typechain: { outDir: "typechain-types" },
  // Every network the platform runs on is final at one block: a QBFT consortium (immediate finality) and the
  // local single-node anvil (`npm run node`). Ignition's default of 5 confirmations made a deployment on 1 s
  // blocks take three minutes for nothing.
  ignition: { requiredConfirmations: 1 },
  paths: {
    ignition: "deploy",
    tests: {
      mocha: "test",
      solidity: "test/solidity",
    },
  },
  solidity: {
    profiles: {
      default: {
        version: solcVersion,
        path: solcPath,
        settings: { optimizer, evmVersion: "cancun" },
      },
      production: {
        version: solcVersion,
        path: solcPath,
        settings: { optimizer, evmVersion: "cancun" },
      },
    },
  },
  test: {
    solidity: {
      fuzz: {
        // A fixed seed makes a failing fuzz run reproducible on any machine;
        // CI explores more inputs than a developer's quick local run.
        seed: "0x5eed",
        runs: ci ? 1000 : 256,
      },
      invariant: {
        runs: ci ? 128 : 48,
        depth: ci ? 64 : 32,
        failOnRevert: false,
      },
    },
  },
  networks: {
    hardhat: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31337,
    },
    localhost: {
      type: "http",
      chainType: "l1",
      // Tests point this at an in-process node on a free port; by default it is `npx hardhat node`.
      url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545",
    },
    // A Besu QBFT consortium: keys never live in the repo. Set them with the
    // keystore (`npx hardhat keystore set BESU_DEPLOYER_KEY`) or the environment.
    besu: {
      type: "http",
      chainType: "l1",
      url: configVariable("BESU_RPC_URL"),
      accounts: [configVariable("BESU_DEPLOYER_KEY")],
      // The chain of deploy/besu/network.json (Hardhat refuses a node on another chain), and its free
      // gas: zero-price transactions; test/besu/network-config.ts keeps both in step with that file.
      chainId: 20261,
      gasPrice: 0,
    },
  },
});
