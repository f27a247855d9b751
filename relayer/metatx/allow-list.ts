import { getAddress, id, Interface } from "ethers";

import { PLATFORM_ABIS } from "../../client/abi.js";
import { ConfigError } from "../core/kit/errors.js";
import type { MetatxConfig } from "./config.js";
import { refuse } from "./errors.js";

/**
 * Selectors refused whatever the config says. A multicall-style function executes calldata chosen by the
 * caller with the caller's appended sender: through a forwarder, a member could make any inner call run
 * as someone else (the 2023 ERC-2771 + Multicall address-spoofing class). `executeBatch` is the
 * forwarder's own batch: forwarding a request to the forwarder would nest requests and bypass every
 * per-request check here.
 */
export const FORBIDDEN_SELECTORS: ReadonlyMap<string, string> = new Map(
  [
    "multicall(bytes[])",
    "multicall(uint256,bytes[])",
    "multicall(bytes32,bytes[])",
    "aggregate((address,bytes)[])",
    "executeBatch((address,address,uint256,uint256,uint48,bytes,bytes)[],address)",
    "execute((address,address,uint256,uint256,uint48,bytes,bytes))",
  ].map((signature) => [id(signature).slice(0, 10), signature]),
);

export class AllowList {
  private readonly allowed = new Map<string, Set<string>>();

  constructor(config: MetatxConfig) {
    const forwarder = getAddress(config.contracts.forwarder);
    for (const entry of config.allow) {
      const target = getAddress(entry.target);
      if (target === forwarder) throw new ConfigError("allow list: the forwarder itself can never be a target");
      const iface = new Interface(PLATFORM_ABIS[entry.contract]);
      const selectors = this.allowed.get(target) ?? new Set<string>();
      for (const name of entry.functions) {
        if (/multicall|batch|aggregate/i.test(name)) {
          throw new ConfigError(`allow list: ${entry.contract}.${name} is multicall-style and cannot be allowed`);
        }
        const fragments = iface.fragments.filter((f) => f.type === "function" && "name" in f && f.name === name);
        if (fragments.length === 0) throw new ConfigError(`allow list: ${entry.contract} has no function ${name}`);
        for (const f of fragments) {
          const selector = iface.getFunction((f as { format(): string }).format())!.selector;
          if (FORBIDDEN_SELECTORS.has(selector)) {
            throw new ConfigError(`allow list: ${entry.contract}.${name} is multicall-style and cannot be allowed`);
          }
          selectors.add(selector);
        }
      }
      this.allowed.set(target, selectors);
    }
  }

  /** Throws the refusal for a (target, calldata) pair that may not be forwarded; returns the selector. */
  check(target: string, data: string): string {
    const to = getAddress(target);
    const selector = data.slice(0, 10).toLowerCase();
    const functions = this.allowed.get(to);
    if (functions === undefined) throw refuse.targetNotAllowed(to);
    if (data.length < 10 || FORBIDDEN_SELECTORS.has(selector) || !functions.has(selector)) {
      throw refuse.functionNotAllowed(to, selector);
    }
    return selector;
  }
}
