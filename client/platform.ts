/**
 * Typed handles on a deployment: `connectPlatform(deployment, runner)` proves the deployment is the one
 * on the node, then connects typechain factories (`X__factory.connect`) to it.
 */
import { getAddress, type ContractRunner, type Provider } from "ethers";

import {
  PlatformForwarder__factory,
  RemittanceSettlement__factory,
  SettlementToken__factory,
  TenantRegistry__factory,
  TokenEscrow__factory,
  type PlatformForwarder,
  type RemittanceSettlement,
  type SettlementToken,
  type TenantRegistry,
  type TokenEscrow,
} from "../typechain-types/index.js";
import { verifyDeployment, type Deployment, type PlatformKey } from "./deployment.js";
import { DeploymentNotFoundError, NotAContractError } from "./errors.js";

/** The settlement tokens a deployment carries, by currency code. */
export const CURRENCIES = ["HKD", "PHP"] as const;
export type Currency = (typeof CURRENCIES)[number];

export interface Platform {
  deployment: Deployment;
  runner: ContractRunner;
  provider: Provider;
  /** Each getter throws `DeploymentNotFoundError` when the deployment lacks that contract. */
  readonly registry: TenantRegistry;
  readonly escrow: TokenEscrow;
  readonly remittance: RemittanceSettlement;
  readonly forwarder: PlatformForwarder;
  /** A settlement token of the deployment by currency code. */
  token(currency: Currency): SettlementToken;
  /** Whether the deployment holds this contract (a partial deployment may hold registry and tokens only). */
  has(key: PlatformKey): boolean;
  /** The address of a contract of the deployment. */
  address(key: PlatformKey): string;
  /** The block a contract was created in: where its history starts. */
  deploymentBlock(key: PlatformKey): number;
  /** Any ERC-20 at `address` as a settlement token handle, refused when no contract is there. */
  tokenAt(address: string): Promise<SettlementToken>;
}

export interface ConnectOptions {
  /** Network name used in redeploy hints. */
  network?: string;
  /** Skip the proof against the node (only for a deployment just made in the same process). */
  skipVerification?: boolean;
}

/**
 * Connects to a deployment after proving it is on the node: chain id, code at every address, creation
 * blocks still in the chain. Throws `DeploymentMismatchError` otherwise, before anything can be sent.
 */
export async function connectPlatform(
  deployment: Deployment,
  runner: ContractRunner,
  options: ConnectOptions = {},
): Promise<Platform> {
  const provider = runner.provider ?? (isProvider(runner) ? runner : null);
  if (provider === null) throw new TypeError("connectPlatform needs a runner with a provider");
  if (options.skipVerification !== true) {
    await verifyDeployment(deployment, provider, options.network === undefined ? {} : { network: options.network });
  }
  const cache = new Map<string, unknown>();
  const address = (key: PlatformKey): string => {
    const c = deployment.contracts[key];
    if (c === undefined) {
      throw new DeploymentNotFoundError(`deployment "${deployment.id}" has no ${key}: deploy its module first`);
    }
    return c.address;
  };
  const handle = <T>(key: PlatformKey, connect: (address: string, runner: ContractRunner) => T): T => {
    let h = cache.get(key) as T | undefined;
    if (h === undefined) {
      h = connect(address(key), runner);
      cache.set(key, h);
    }
    return h;
  };
  return {
    deployment,
    runner,
    provider,
    get registry() {
      return handle("registry", TenantRegistry__factory.connect);
    },
    get escrow() {
      return handle("escrow", TokenEscrow__factory.connect);
    },
    get remittance() {
      return handle("remittance", RemittanceSettlement__factory.connect);
    },
    get forwarder() {
      return handle("forwarder", PlatformForwarder__factory.connect);
    },
    token: (currency) => handle(currency, SettlementToken__factory.connect),
    has: (key) => deployment.contracts[key] !== undefined,
    address,
    deploymentBlock: (key) => deployment.contracts[key]?.blockNumber ?? 0,
    async tokenAt(tokenAddress) {
      const checksummed = getAddress(tokenAddress);
      if ((await provider.getCode(checksummed)) === "0x") {
        throw new NotAContractError(`no contract at token address ${checksummed}`);
      }
      return SettlementToken__factory.connect(checksummed, runner);
    },
  };
}

function isProvider(runner: ContractRunner): runner is Provider {
  return typeof (runner as Provider).getNetwork === "function";
}
