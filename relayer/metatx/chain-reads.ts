import { getAddress, type Interface, ZeroHash } from "ethers";

import { TenantStatus, nameOf } from "../../client/enums.js";
import { decodeRevertData } from "../../client/revert.js";
import { PlatformForwarder__factory, TenantRegistry__factory } from "../../typechain-types/index.js";
import type { ChainClient } from "../core/chain/chain-client.js";
import { RevertError } from "../core/chain/errors.js";
import type { ForwardRequestData } from "../../client/eip712/forward-request.js";

/** A decoded revert as the API shows it. */
export interface RevertReason {
  name: string;
  text: string;
  data: string;
}

export function reasonOf(data: string): RevertReason | undefined {
  const decoded = decodeRevertData(data);
  return decoded === undefined ? undefined : { name: decoded.name, text: decoded.text, data };
}

const hex = (n: bigint | number) => "0x" + n.toString(16);

/**
 * The few reads the relayer makes through the core's ChainClient (failover, classified errors) rather
 * than an ethers provider: the registry's membership view, the forwarder's nonce and `verify`, chain
 * time, and simulations of the target call as the forwarder makes it.
 */
export class ChainReads {
  readonly forwarderIface: Interface = PlatformForwarder__factory.createInterface();
  private readonly registryIface: Interface = TenantRegistry__factory.createInterface();

  constructor(
    private readonly chain: ChainClient,
    readonly forwarder: string,
    private readonly registry: string,
  ) {}

  private async read(iface: Interface, to: string, fn: string, args: unknown[]) {
    const data = iface.encodeFunctionData(fn, args);
    const result = await this.chain.call({ from: to, to, data });
    return iface.decodeFunctionResult(fn, result);
  }

  async chainTime(): Promise<bigint> {
    const block = await this.chain.getBlock(await this.chain.getBlockNumber());
    if (block === null) throw new Error("the node has no head block");
    return BigInt(block.timestamp);
  }

  /** The account's tenant (zero hash when none) and that tenant's status name. */
  async membership(account: string): Promise<{ tenant: string; status: string }> {
    const [tenant, status] = await this.read(this.registryIface, this.registry, "memberOf", [account]);
    return { tenant: String(tenant), status: nameOf(TenantStatus, status as bigint) };
  }

  /**
   * The tenant that invited `account`, when `data` is `acceptMembership(tenantId)` on the registry and the
   * invitation is pending: a new member accepts without gas, on the inviting tenant's budget.
   */
  async invitingTenant(account: string, to: string, data: string): Promise<string | undefined> {
    if (getAddress(to) !== getAddress(this.registry)) return undefined;
    let tenantId: string;
    try {
      [tenantId] = this.registryIface.decodeFunctionData("acceptMembership", data) as unknown as [string];
    } catch {
      return undefined;
    }
    const [roles] = await this.read(this.registryIface, this.registry, "invitationOf", [account, tenantId]);
    return (roles as bigint) === 0n ? undefined : String(tenantId);
  }

  async tenantStatus(tenant: string): Promise<string> {
    const [status] = await this.read(this.registryIface, this.registry, "statusOf", [tenant]);
    return nameOf(TenantStatus, status as bigint);
  }

  /** Whether `sponsor` is the active Sponsor tenant that `tenant` names as its sponsor. */
  async isSponsorOf(sponsor: string, tenant: string, sponsorRole: number): Promise<boolean> {
    if (sponsor === ZeroHash) return false;
    const [record] = await this.read(this.registryIface, this.registry, "getTenant", [tenant]);
    if (String((record as { sponsor: string }).sponsor).toLowerCase() !== sponsor.toLowerCase()) return false;
    const [active] = await this.read(this.registryIface, this.registry, "isActive", [sponsor]);
    const [hasRole] = await this.read(this.registryIface, this.registry, "tenantHasRole", [sponsor, sponsorRole]);
    return Boolean(active) && Boolean(hasRole);
  }

  async nonceOf(account: string): Promise<bigint> {
    const [nonce] = await this.read(this.forwarderIface, this.forwarder, "nonces", [account]);
    return nonce as bigint;
  }

  async verify(request: ForwardRequestData): Promise<boolean> {
    const [valid] = await this.read(this.forwarderIface, this.forwarder, "verify", [tuple(request)]);
    return Boolean(valid);
  }

  executeCalldata(request: ForwardRequestData): string {
    return this.forwarderIface.encodeFunctionData("execute", [tuple(request)]);
  }

  /**
   * The target call exactly as the forwarder makes it: from the forwarder, the signer's address appended
   * to the calldata (ERC-2771), with the request's own gas, at `block` (default latest). Resolves to the
   * decoded revert, undefined when the call succeeds. The forwarder itself would only say `FailedCall`.
   */
  async simulateTarget(
    request: ForwardRequestData,
    block: number | "latest" = "latest",
  ): Promise<{ data: string; reason: RevertReason | undefined } | undefined> {
    const params = {
      from: this.forwarder,
      to: getAddress(request.to),
      data: request.data + getAddress(request.from).slice(2).toLowerCase(),
      gas: hex(request.gas),
    };
    try {
      await this.chain.request<string>("eth_call", [params, block === "latest" ? block : hex(block)]);
      return undefined;
    } catch (error) {
      if (!(error instanceof RevertError)) throw error;
      return { data: error.data, reason: reasonOf(error.data) };
    }
  }

  /** `execute` as the relayer will send it; resolves to the revert, undefined when it succeeds. */
  async simulateExecute(relayer: string, calldata: string, gas: bigint) {
    try {
      await this.chain.call({ from: relayer, to: this.forwarder, data: calldata, gas });
      return undefined;
    } catch (error) {
      if (!(error instanceof RevertError)) throw error;
      return { data: error.data, reason: reasonOf(error.data) };
    }
  }

  async estimateExecute(
    relayer: string,
    calldata: string,
  ): Promise<bigint | { data: string; reason: RevertReason | undefined }> {
    try {
      return await this.chain.estimateGas({ from: relayer, to: this.forwarder, data: calldata });
    } catch (error) {
      if (!(error instanceof RevertError)) throw error;
      return { data: error.data, reason: reasonOf(error.data) };
    }
  }
}

function tuple(r: ForwardRequestData) {
  return [r.from, r.to, r.value, r.gas, r.deadline, r.data, r.signature];
}
