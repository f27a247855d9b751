import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { decodeRlp, getAddress, keccak256 } from "ethers";
import hre from "hardhat";

/**
 * `npm run besu:config` writes a Besu QBFT consortium's files from deploy/besu/network.json. Besu cannot
 * run here, so these specs read what it wrote the way Besu and Hardhat would, and check that the values a
 * consortium must agree on (chain id, gas limit, block period, free gas, validators) agree everywhere.
 */

const PARAMS = "deploy/besu/network.json";
const EXAMPLE = "deploy/besu/example";
const TSX = path.resolve("node_modules/.bin/tsx");

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function generate(params: string, out: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(TSX, ["scripts/besu-config.ts", "--params", params, "--out", out], (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ code: error ? (typeof code === "number" ? code : 1) : 0, stdout, stderr });
    });
  });
}

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), await readFile(full));
  }
  return files;
}

/**
 * The subset of TOML the generator writes (key = string, integer, boolean or array of strings, arrays over
 * several lines with comments and a trailing comma), read independently of the generator.
 */
function readToml(text: string): Map<string, unknown> {
  const stripComment = (line: string) => {
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '"') quoted = !quoted;
      if (line[i] === "#" && !quoted) return line.slice(0, i);
    }
    return line;
  };
  const values = new Map<string, unknown>();
  const lines = text.split("\n").map(stripComment);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const eq = line.indexOf("=");
    expect(eq, `a key = value line: ${line}`).to.be.greaterThan(0);
    let value = line.slice(eq + 1).trim();
    if (value.startsWith("[") && !value.endsWith("]")) {
      while (!value.endsWith("]")) value += lines[++i]!.trim();
    }
    values.set(line.slice(0, eq).trim(), JSON.parse(value.replace(/,\s*]$/, "]")));
  }
  return values;
}

interface Params {
  chainId: number;
  blockPeriodSeconds: number;
  epochLength: number;
  requestTimeoutSeconds: number;
  gasLimit: number;
  contractSizeLimit: number;
  validators: string[];
  nodes: { name: string; enode: string }[];
  accountsAllowlist: { address: string }[];
}

interface Genesis {
  config: Record<string, unknown> & {
    chainId: number;
    qbft: { blockperiodseconds: number; epochlength: number; requesttimeoutseconds: number };
  };
  extraData: string;
  gasLimit: string;
  mixHash: string;
}

describe("Besu QBFT network configuration (npm run besu:config)", function () {
  this.timeout(60_000);
  let out: string;
  let params: Params;
  let genesis: Genesis;
  let nodeConfigs: Map<string, Map<string, unknown>>;
  let permissions: Map<string, unknown>;

  before(async function () {
    out = await mkdtemp(path.join(tmpdir(), "besu-config-"));
    const result = await generate(PARAMS, out);
    expect(result.stderr).to.equal("");
    expect(result.code).to.equal(0);
    params = JSON.parse(await readFile(PARAMS, "utf8")) as Params;
    genesis = JSON.parse(await readFile(path.join(out, "genesis.json"), "utf8")) as Genesis;
    permissions = readToml(await readFile(path.join(out, "permissions_config.toml"), "utf8"));
    nodeConfigs = new Map();
    for (const node of params.nodes) {
      nodeConfigs.set(node.name, readToml(await readFile(path.join(out, node.name, "config.toml"), "utf8")));
    }
  });

  after(async function () {
    await rm(out, { recursive: true, force: true });
  });

  const sortedValidators = () =>
    params.validators.map((v) => v.toLowerCase()).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  describe("genesis", function () {
    it("holds exactly the validators in extraData, decoded as QBFT's [vanity, validators, vote, round, seals]", function () {
      const [vanity, validators, vote, round, seals] = decodeRlp(genesis.extraData) as unknown[];

      expect(vanity).to.equal("0x" + "00".repeat(32));
      expect(validators).to.deep.equal(sortedValidators());
      expect(vote, "no vote: an empty list").to.deep.equal([]);
      expect(round, "round 0: the empty scalar").to.equal("0x");
      expect(seals, "no seals").to.deep.equal([]);
    });

    it("lays extraData out byte for byte as Besu's QBFT documentation shows (f87a a0 <vanity> f854 94<address>... c0 80 c0)", function () {
      // RLP by hand for short lists, so the check does not lean on the encoder the generator uses.
      const header = (base: number, length: number) =>
        length < 56
          ? (base + length).toString(16)
          : (base + 55 + 1).toString(16) + length.toString(16).padStart(2, "0");
      const validators = sortedValidators().map((v) => "94" + v.slice(2));
      const validatorList = header(0xc0, 21 * validators.length) + validators.join("");
      const body = "a0" + "00".repeat(32) + validatorList + "c0" + "80" + "c0";

      expect(genesis.extraData).to.equal("0x" + header(0xc0, body.length / 2) + body);
    });

    it("takes the QBFT block period, epoch and round timeout from the parameters, with the BFT mixHash", function () {
      expect(genesis.config.qbft).to.deep.equal({
        blockperiodseconds: params.blockPeriodSeconds,
        epochlength: params.epochLength,
        requesttimeoutseconds: params.requestTimeoutSeconds,
      });
      expect(genesis.config.qbft.requesttimeoutseconds).to.be.greaterThan(genesis.config.qbft.blockperiodseconds);
      expect(genesis.mixHash).to.equal("0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365");
    });

    it("enables at genesis the EVM version the contracts are compiled for", function () {
      const evmVersion = hre.config.solidity.profiles.default!.compilers[0]!.settings.evmVersion as string;
      const activation: Record<string, string> = {
        london: "londonBlock",
        shanghai: "shanghaiTime",
        cancun: "cancunTime",
      };
      expect(activation, `a genesis milestone for evmVersion ${evmVersion}`).to.have.property(evmVersion);

      expect(genesis.config[activation[evmVersion]!]).to.equal(0);
      expect(genesis.config.londonBlock, "zeroBaseFee applies from London").to.equal(0);
    });
  });

  describe("contract size", function () {
    it("fits every contract the platform deploys under the genesis's contract size limit", async function () {
      const limit = genesis.config.contractSizeLimit as number;
      for (const name of [
        "TenantRegistry",
        "TokenEscrow",
        "RemittanceSettlement",
        "SettlementToken",
        "PlatformForwarder",
      ]) {
        const { deployedBytecode } = await hre.artifacts.readArtifact(name);
        expect((deployedBytecode.length - 2) / 2, name).to.be.at.most(limit);
      }
    });
  });

  describe("free gas", function () {
    it("sets a zero base fee and the contract size limit in the genesis", function () {
      expect(genesis.config.zeroBaseFee).to.equal(true);
      expect(genesis.config.contractSizeLimit).to.equal(params.contractSizeLimit);
    });

    it("lets every node accept and mine zero-price transactions", function () {
      for (const [name, config] of nodeConfigs) {
        expect(config.get("min-gas-price"), name).to.equal(0);
        expect(config.get("tx-pool-min-gas-price"), name).to.equal(0);
      }
    });

    it("sends zero-price transactions from Hardhat's besu network", function () {
      const besu = hre.config.networks.besu!;
      expect(besu.type).to.equal("http");
      expect(BigInt(besu.gasPrice as number | bigint)).to.equal(0n);
    });
  });

  describe("consistency", function () {
    it("agrees on the chain id across the parameters, the genesis, every node and Hardhat's besu network", function () {
      expect(genesis.config.chainId).to.equal(params.chainId);
      for (const [name, config] of nodeConfigs) expect(config.get("network-id"), name).to.equal(params.chainId);
      expect(hre.config.networks.besu!.chainId).to.equal(params.chainId);
    });

    it("agrees on the block gas limit between the parameters, the genesis and every node's target", function () {
      expect(BigInt(genesis.gasLimit)).to.equal(BigInt(params.gasLimit));
      for (const [name, config] of nodeConfigs) expect(config.get("target-gas-limit"), name).to.equal(params.gasLimit);
    });

    it("points every node at the one genesis file and the one permissions file", function () {
      for (const [name, config] of nodeConfigs) {
        expect(config.get("genesis-file"), name).to.equal("/etc/besu/genesis.json");
        expect(config.get("permissions-nodes-config-file"), name).to.equal("/etc/besu/permissions_config.toml");
        expect(config.get("permissions-accounts-config-file"), name).to.equal("/etc/besu/permissions_config.toml");
      }
    });
  });

  describe("node configs", function () {
    it("enable revert reasons and read-only RPC APIs for the services, with administration on localhost only", function () {
      for (const [name, config] of nodeConfigs) {
        expect(config.get("revert-reason-enabled"), name).to.equal(true);
        expect(config.get("rpc-http-enabled"), name).to.equal(true);
        expect(config.get("rpc-http-api"), name).to.include.members(["ETH", "NET", "WEB3"]);
        expect(config.get("rpc-http-api"), name).to.not.include.members(["ADMIN"]);
        expect(config.get("rpc-http-api"), name).to.not.include.members(["PERM"]);
        expect(config.get("rpc-http-api"), name).to.not.include.members(["QBFT"]);
        expect(config.get("rpc-ws-host"), name).to.equal("127.0.0.1");
        expect(config.get("rpc-ws-api"), name).to.include.members(["QBFT", "PERM"]);
      }
    });

    it("turn on local permissioning, allowlisting every node and the parameters' accounts", function () {
      for (const [name, config] of nodeConfigs) {
        expect(config.get("permissions-nodes-config-file-enabled"), name).to.equal(true);
        expect(config.get("permissions-accounts-config-file-enabled"), name).to.equal(true);
      }
      expect(permissions.get("nodes-allowlist")).to.deep.equal(params.nodes.map((n) => n.enode.toLowerCase()));
      expect(permissions.get("accounts-allowlist")).to.deep.equal(
        params.accountsAllowlist.map((a) => a.address.toLowerCase()),
      );
    });

    it("advertise each node's own address and bootstrap it from every other node", function () {
      for (const node of params.nodes) {
        const config = nodeConfigs.get(node.name)!;
        const host = /@([^:]+):/.exec(node.enode)![1];
        expect(config.get("p2p-host"), node.name).to.equal(host);
        expect(config.get("bootnodes"), node.name).to.deep.equal(
          params.nodes.filter((n) => n.name !== node.name).map((n) => n.enode.toLowerCase()),
        );
      }
    });

    it("name every validator's node key as one of the nodes (a validator outside the allowlist stalls the chain)", function () {
      const nodeAddresses = params.nodes.map((n) => getAddress("0x" + keccakAddress(n.enode)));
      for (const v of params.validators) expect(nodeAddresses).to.include(getAddress(v));
    });
  });

  describe("the committed example", function () {
    it("is byte for byte what regenerating from deploy/besu/network.json writes", async function () {
      const committed = await filesUnder(EXAMPLE);
      const regenerated = await filesUnder(out);

      expect([...committed.keys()].sort()).to.deep.equal([...regenerated.keys()].sort());
      for (const [file, bytes] of regenerated) {
        expect(
          committed.get(file)!.equals(bytes),
          `${EXAMPLE}/${file} is stale: run ./baas besu:config --params ${PARAMS} --out ${EXAMPLE}`,
        ).to.equal(true);
      }
    });
  });

  describe("bad parameters", function () {
    async function refuse(change: (p: Record<string, unknown>) => void): Promise<{ result: CliResult; dir: string }> {
      const bad = JSON.parse(await readFile(PARAMS, "utf8")) as Record<string, unknown>;
      change(bad);
      const dir = await mkdtemp(path.join(tmpdir(), "besu-config-bad-"));
      const file = path.join(dir, "network.json");
      await writeFile(file, JSON.stringify(bad));
      const result = await generate(file, path.join(dir, "out"));
      return { result, dir };
    }

    it("refuses a validator that is not any node's key, in one line, writing nothing", async function () {
      const { result, dir } = await refuse((p) => {
        (p.validators as string[]).push("0x000000000000000000000000000000000000dEaD");
      });
      try {
        expect(result.code).to.equal(1);
        expect(result.stderr).to.match(
          /^besu:config: .*network\.json: validators: 0x000000000000000000000000000000000000dEaD is not the address of any node's key in nodes .*\n$/,
        );
        expect((await readdir(dir)).sort()).to.deep.equal(["network.json"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("refuses a round timeout that is not longer than the block period", async function () {
      const { result, dir } = await refuse((p) => {
        p.requestTimeoutSeconds = p.blockPeriodSeconds;
      });
      try {
        expect(result.code).to.equal(1);
        expect(result.stderr).to.match(/requestTimeoutSeconds \(1\) must be longer than blockPeriodSeconds \(1\)/);
        expect(result.stderr.trim().split("\n")).to.have.lengthOf(1);
        expect((await readdir(dir)).sort()).to.deep.equal(["network.json"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

/** The address a node key gives, from the public key in its enode URL (keccak-256 of the 64-byte key). */
function keccakAddress(enode: string): string {
  const publicKey = /^enode:\/\/([0-9a-fA-F]{128})@/.exec(enode)![1]!;
  return keccak256("0x" + publicKey).slice(-40);
}
