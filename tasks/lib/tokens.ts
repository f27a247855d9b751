import { Contract, getAddress } from "ethers";

import type { SettlementToken } from "../../typechain-types/index.js";
import type { PlatformKey } from "../../client/deployment.js";
import { escapeText } from "../../client/text.js";
import { parseAddress } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";

export { checkDecimal, formatAmount } from "../../client/amounts.js";
export { signPermit, type PermitSignature } from "../../client/eip712/permit.js";

/** The platform's settlement tokens, by currency code; tasks accept "HKD" and the token symbol "tHKD" alike. */
export const TOKEN_KEYS: Record<string, PlatformKey> = { HKD: "HKD", PHP: "PHP" };

/** The address of the token named by `--<option>`: a settlement token of the deployment or an address. */
export function resolveTokenAddress(ctx: TaskContext, value: string, option = "token"): string {
  if (value === "") throw new TaskUserError(`--${option} is required (HKD, PHP or a token address)`);
  const key = TOKEN_KEYS[value.toUpperCase().replace(/^T/, "")];
  if (key !== undefined) return ctx.address(key);
  if (value.startsWith("0x")) return parseAddress(option, value);
  throw new TaskUserError(`--${option} "${value}" is neither a settlement token (HKD, PHP) nor an address`);
}

/** A settlement token (any ERC-20 with permit and metadata) at `address`, connected to the task's signer. */
export async function tokenAt(ctx: TaskContext, address: string): Promise<SettlementToken> {
  await tokenInfo(ctx, address);
  return ctx.platform.tokenAt(address);
}

/** The platform contracts that pull tokens, by the names tasks accept for `--spender`. */
export const SPENDER_KEYS: Record<string, PlatformKey> = { escrow: "escrow", remittance: "remittance" };

/** The spender named by `--spender`: a platform contract's name or an address. */
export function resolveSpender(ctx: TaskContext, value: string): string {
  if (value === "") throw new TaskUserError("--spender is required (escrow, remittance or an address)");
  const key = SPENDER_KEYS[value.toLowerCase()];
  if (key !== undefined) return ctx.address(key);
  if (value.startsWith("0x")) return parseAddress("spender", value);
  throw new TaskUserError(`--spender "${value}" is neither escrow, remittance nor an address`);
}

/** A token as tasks show it. */
export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

/** Resolves a token given as a symbol of the deployment (HKD, tHKD, PHP, tPHP) or as an address. */
export async function resolveToken(ctx: TaskContext, option: string, value: string): Promise<TokenInfo> {
  return tokenInfo(ctx, resolveTokenAddress(ctx, value, option));
}

const METADATA_ABI = ["function symbol() view returns (string)", "function decimals() view returns (uint8)"];

/** Symbol and decimals of a token, with a readable error when the address holds no ERC-20. */
export async function tokenInfo(ctx: Pick<TaskContext, "platform">, address: string): Promise<TokenInfo> {
  const token = new Contract(address, METADATA_ABI, ctx.platform.provider);
  try {
    const [symbol, decimals] = await Promise.all([token.getFunction("symbol")(), token.getFunction("decimals")()]);
    if (Number(decimals) > 36) throw new Error("unreasonable decimals");
    return { address: getAddress(address), symbol: escapeText(String(symbol)), decimals: Number(decimals) };
  } catch {
    throw new TaskUserError(`${address} is not an ERC-20 token with a symbol and decimals`);
  }
}

/** Token metadata by address, read once per task. */
export function tokenBook(ctx: Pick<TaskContext, "platform">): (address: string) => Promise<TokenInfo> {
  const cache = new Map<string, Promise<TokenInfo>>();
  return (address) => {
    const key = getAddress(address);
    let info = cache.get(key);
    if (info === undefined) {
      info = tokenInfo(ctx, key);
      cache.set(key, info);
    }
    return info;
  };
}
