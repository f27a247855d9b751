/**
 * A Besu QBFT consortium's configuration from one parameters file: the genesis (QBFT section, the
 * validators in extraData, free gas), one `config.toml` per node and the local permissioning allowlists.
 * Pure: parameters in, file contents out, so the command line can refuse bad input before writing anything.
 */
import { computeAddress, encodeRlp, getAddress, isAddress, zeroPadValue } from "ethers";
import { z } from "zod";

/** The mixHash every IBFT 2.0 / QBFT genesis carries (the "Istanbul digest" Besu checks for). */
const BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";
/** Besu's limit for a block gas limit in a genesis file (also the free-gas documentation's maximum). */
const MAX_GAS_LIMIT = 0x1fffffffffffff;
/** The contract size limit Besu enforces by default (EIP-170) and the largest it accepts. */
const DEFAULT_CONTRACT_SIZE_LIMIT = 24_576;
const MAX_CONTRACT_SIZE_LIMIT = 2_147_483_647;

const address = z.string().refine((s) => isAddress(s), "is not an address");
const weiString = z.string().regex(/^(0|[1-9]\d{0,77})$/, "must be a whole number of wei, as a decimal string");
// Hosts are IPv4 addresses: Besu takes names in enode URLs only behind an early-access flag (--Xdns-enabled).
const ENODE =
  /^enode:\/\/([0-9a-fA-F]{128})@((?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)):(\d{1,5})$/;

export const networkParametersSchema = z.strictObject({
  $comment: z.string().optional(),
  chainId: z
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1)
    // Hardhat's own network and its deployments folder (chain-31337) already use it.
    .refine((id) => id !== 31337, "must not be 31337, the local Hardhat network's"),
  blockPeriodSeconds: z.number().int().min(1),
  epochLength: z.number().int().min(1),
  requestTimeoutSeconds: z.number().int().min(1),
  gasLimit: z.number().int().min(1_000_000).max(MAX_GAS_LIMIT),
  freeGas: z.boolean(),
  contractSizeLimit: z.number().int().min(DEFAULT_CONTRACT_SIZE_LIMIT).max(MAX_CONTRACT_SIZE_LIMIT),
  validators: z.array(address).min(1),
  nodes: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be lower-case letters, digits and dashes"),
        enode: z
          .string()
          .regex(ENODE, "must be enode://<128 hex digits of the node's public key>@<IPv4 address>:<port>"),
        rpcPort: z.number().int().min(1).max(65_535).default(8545),
      }),
    )
    .min(1),
  accountsAllowlist: z
    .array(z.strictObject({ name: z.string().regex(/^[^\n\r"]{1,80}$/, "must be one line of text"), address }))
    .min(1),
  prefunded: z.record(address, weiString).default({}),
  paths: z
    .strictObject({
      config: z.string().startsWith("/").default("/etc/besu"),
      data: z.string().startsWith("/").default("/var/lib/besu"),
    })
    .prefault({}),
});

export type NetworkParameters = z.output<typeof networkParametersSchema>;

/** Bad parameters: the message is one line naming the field and what is wrong with it. */
export class NetworkParametersError extends Error {
  override readonly name = "NetworkParametersError";
}

export interface NodeInfo {
  name: string;
  enode: string;
  host: string;
  p2pPort: number;
  rpcPort: number;
  /** The node key's address: for a validator, the address in extraData. */
  address: string;
  validator: boolean;
}

export interface NetworkConfig {
  parameters: NetworkParameters;
  nodes: NodeInfo[];
  /** Validators in ascending address order, checksummed. */
  validators: string[];
  /** Relative path → exact file content. */
  files: Map<string, string>;
}

/** Parses and checks the parameters, then renders every file; throws NetworkParametersError on bad input. */
export function buildNetworkConfig(input: unknown): NetworkConfig {
  const parsed = networkParametersSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "parameters";
    throw new NetworkParametersError(`${where}: ${issue.message}`);
  }
  const p = parsed.data;
  if (p.requestTimeoutSeconds <= p.blockPeriodSeconds) {
    // A round that times out before its block is due changes rounds forever and never makes a block.
    throw new NetworkParametersError(
      `requestTimeoutSeconds (${p.requestTimeoutSeconds}) must be longer than blockPeriodSeconds (${p.blockPeriodSeconds}); twice as long is usual`,
    );
  }

  const nodes = p.nodes.map((n): NodeInfo => {
    const [, publicKey, host, port] = ENODE.exec(n.enode)!;
    if (Number(port) < 1 || Number(port) > 65_535) {
      throw new NetworkParametersError(`nodes.${n.name}.enode: port ${port} is not between 1 and 65535`);
    }
    let nodeAddress: string;
    try {
      nodeAddress = computeAddress(`0x04${publicKey}`);
    } catch {
      throw new NetworkParametersError(`nodes.${n.name}.enode: the public key is not a point on secp256k1`);
    }
    return {
      name: n.name,
      enode: `enode://${publicKey!.toLowerCase()}@${host}:${port}`,
      host: host!,
      p2pPort: Number(port),
      rpcPort: n.rpcPort,
      address: nodeAddress,
      validator: false,
    };
  });
  requireUnique(
    nodes.map((n) => n.name),
    "nodes: two nodes are named",
  );
  requireUnique(
    nodes.map((n) => n.address),
    "nodes: two enodes have the same public key, giving address",
  );

  const validators = [...new Set(p.validators.map((v) => getAddress(v)))];
  if (validators.length !== p.validators.length) {
    throw new NetworkParametersError("validators: an address is listed twice");
  }
  // Besu keeps a validator set in address order; writing it so makes the same set give the same genesis.
  validators.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  for (const v of validators) {
    const node = nodes.find((n) => n.address === v);
    if (node === undefined) {
      // A validator whose node is not allowlisted cannot connect, and the network stalls without it.
      throw new NetworkParametersError(
        `validators: ${v} is not the address of any node's key in nodes (a validator's address is its node key's)`,
      );
    }
    node.validator = true;
  }
  requireUnique(
    p.accountsAllowlist.map((a) => getAddress(a.address)),
    "accountsAllowlist: listed twice:",
  );

  const files = new Map<string, string>();
  files.set("genesis.json", renderGenesis(p, validators));
  files.set("permissions_config.toml", renderPermissions(p, nodes));
  for (const node of nodes) {
    files.set(`${node.name}/config.toml`, renderNodeConfig(p, node, nodes));
  }
  return { parameters: p, nodes, validators, files };
}

/** QBFT extraData: RLP([32-byte vanity, [validators], no vote (empty list), round 0, no seals]). */
export function qbftExtraData(validators: readonly string[]): string {
  return encodeRlp([zeroPadValue("0x", 32), validators.map((v) => v.toLowerCase()), [], "0x", []]);
}

function renderGenesis(p: NetworkParameters, validators: string[]): string {
  const config: Record<string, unknown> = {
    chainId: p.chainId,
    // Every fork through Cancun from the start: the contracts are compiled for Cancun (transient
    // storage in the reentrancy guards), and London is where zeroBaseFee applies.
    homesteadBlock: 0,
    eip150Block: 0,
    eip155Block: 0,
    eip158Block: 0,
    byzantiumBlock: 0,
    constantinopleBlock: 0,
    petersburgBlock: 0,
    istanbulBlock: 0,
    muirGlacierBlock: 0,
    berlinBlock: 0,
    londonBlock: 0,
    shanghaiTime: 0,
    cancunTime: 0,
    ...(p.freeGas ? { zeroBaseFee: true } : {}),
    contractSizeLimit: p.contractSizeLimit,
    qbft: {
      blockperiodseconds: p.blockPeriodSeconds,
      epochlength: p.epochLength,
      requesttimeoutseconds: p.requestTimeoutSeconds,
    },
  };
  const alloc: Record<string, { balance: string }> = {};
  for (const [account, wei] of Object.entries(p.prefunded).sort(([a], [b]) =>
    a.toLowerCase() < b.toLowerCase() ? -1 : 1,
  )) {
    alloc[getAddress(account).toLowerCase()] = { balance: quantity(BigInt(wei)) };
  }
  const genesis = {
    config,
    nonce: "0x0",
    timestamp: "0x0",
    extraData: qbftExtraData(validators),
    gasLimit: quantity(BigInt(p.gasLimit)),
    difficulty: "0x1",
    mixHash: BFT_MIX_HASH,
    coinbase: "0x0000000000000000000000000000000000000000",
    alloc,
  };
  return JSON.stringify(genesis, null, 2) + "\n";
}

function renderPermissions(p: NetworkParameters, nodes: NodeInfo[]): string {
  const accounts = p.accountsAllowlist.map((a) => `  "${getAddress(a.address).toLowerCase()}", # ${a.name}`);
  const enodes = nodes.map((n) => `  "${n.enode}", # ${n.name}${n.validator ? " (validator)" : ""}`);
  return [
    GENERATED,
    "# Local permissioning, the same file on every node. Besu rewrites it when the allowlists change over the",
    "# PERM API (perm_addAccountsToAllowlist, perm_addNodesToAllowlist); keep it in step with the parameters.",
    "",
    "# Accounts that may send transactions: the deployer, the platform's keys and every relayer's hot key.",
    "accounts-allowlist=[",
    ...accounts,
    "]",
    "",
    "# Nodes that may connect: every validator and every RPC node.",
    "nodes-allowlist=[",
    ...enodes,
    "]",
    "",
  ].join("\n");
}

function renderNodeConfig(p: NetworkParameters, node: NodeInfo, nodes: NodeInfo[]): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (items: string[]) => `[${items.map(q).join(", ")}]`;
  const others = nodes.filter((n) => n.name !== node.name).map((n) => n.enode);
  const permissions = `${p.paths.config}/permissions_config.toml`;
  const lines = [
    GENERATED,
    `# Node ${node.name}${node.validator ? ` (validator ${node.address})` : ""}, chain ${p.chainId}:`,
    `# QBFT, ${p.blockPeriodSeconds} s blocks, gas limit ${p.gasLimit}${p.freeGas ? ", free gas" : ""}.`,
    "",
    `genesis-file=${q(`${p.paths.config}/genesis.json`)}`,
    "# The node key is data-path/key, made on this machine by Besu; it is never copied anywhere.",
    `data-path=${q(p.paths.data)}`,
    `network-id=${p.chainId}`,
    'sync-mode="FULL"',
    "",
    "# The address other nodes reach this one at (it listens on every interface).",
    `p2p-host=${q(node.host)}`,
    `p2p-port=${node.p2pPort}`,
    `bootnodes=${list(others)}`,
    "",
    "# JSON-RPC for the services and Ignition: nothing on it changes the node.",
    "rpc-http-enabled=true",
    'rpc-http-host="0.0.0.0"',
    `rpc-http-port=${node.rpcPort}`,
    `rpc-http-api=${list(["ETH", "NET", "WEB3", "TXPOOL"])}`,
    `host-allowlist=${list(["localhost", "127.0.0.1", node.host])}`,
    "",
    "# Administration from this machine only: validator votes (QBFT), allowlist changes (PERM), peers (ADMIN).",
    "rpc-ws-enabled=true",
    'rpc-ws-host="127.0.0.1"',
    "rpc-ws-port=8546",
    `rpc-ws-api=${list(["ETH", "NET", "QBFT", "PERM", "ADMIN"])}`,
    "",
    "# Reverts carry their reason in receipts and eth_call errors: the services decode the custom errors.",
    "revert-reason-enabled=true",
    "",
  ];
  if (p.freeGas) {
    lines.push(
      "# Free gas: a node with a higher minimum drops zero-price transactions silently.",
      "min-gas-price=0",
      "tx-pool-min-gas-price=0",
    );
  }
  lines.push(
    `target-gas-limit=${p.gasLimit}`,
    "",
    "permissions-nodes-config-file-enabled=true",
    `permissions-nodes-config-file=${q(permissions)}`,
    "permissions-accounts-config-file-enabled=true",
    `permissions-accounts-config-file=${q(permissions)}`,
    "",
  );
  return lines.join("\n");
}

const GENERATED =
  "# Generated by `npm run besu:config` from the network parameters file: edit that file and regenerate.";

/** A JSON-RPC quantity: hex without leading zeros. */
function quantity(value: bigint): string {
  return `0x${value.toString(16)}`;
}

function requireUnique(values: string[], message: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new NetworkParametersError(`${message} ${v}`);
    seen.add(v);
  }
}
