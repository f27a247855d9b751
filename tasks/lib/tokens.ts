import { Contract, getAddress, Signature, type Signer } from "ethers";

import type { SettlementToken } from "../../typechain-types/index.js";
import { parseAddress } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";

/** The platform's settlement tokens, by currency code; tasks accept "HKD" and the token symbol "tHKD" alike. */
export const TOKEN_FUTURES: Record<string, string> = {
  HKD: "SettlementTokensModule#tHKD",
  PHP: "SettlementTokensModule#tPHP",
};

/** The address of the token named by `--<option>`: a settlement token of the deployment or an address. */
export function resolveTokenAddress(ctx: TaskContext, value: string, option = "token"): string {
  if (value === "") throw new TaskUserError(`--${option} is required (HKD, PHP or a token address)`);
  const future = TOKEN_FUTURES[value.toUpperCase().replace(/^T/, "")];
  if (future !== undefined) return ctx.address(future);
  if (value.startsWith("0x")) return parseAddress(option, value);
  throw new TaskUserError(`--${option} "${value}" is neither a settlement token (HKD, PHP) nor an address`);
}

/** A settlement token (any ERC-20 with permit and metadata) at `address`, connected to the task's signer. */
export async function tokenAt(ctx: TaskContext, address: string): Promise<SettlementToken> {
  if ((await ctx.ethers.provider.getCode(address)) === "0x") throw new TaskUserError(`no contract at token ${address}`);
  return (await ctx.ethers.getContractAt("SettlementToken", address, ctx.signer)) as unknown as SettlementToken;
}

/** Checks the shape of a decimal amount before the token's decimals are known. */
export function checkDecimal(option: string, value: string): void {
  if (value === "") throw new TaskUserError(`--${option} is required`);
  if (!/^\d+(\.\d+)?$/.test(value)) throw new TaskUserError(`--${option} "${value}" is not a positive decimal amount`);
}

/** The platform contracts that pull tokens, by the names tasks accept for `--spender`. */
export const SPENDER_FUTURES: Record<string, string> = {
  escrow: "TokenEscrowModule#TokenEscrow",
  remittance: "RemittanceSettlementModule#RemittanceSettlement",
};

/** The spender named by `--spender`: a platform contract's name or an address. */
export function resolveSpender(ctx: TaskContext, value: string): string {
  if (value === "") throw new TaskUserError("--spender is required (escrow, remittance or an address)");
  const future = SPENDER_FUTURES[value.toLowerCase()];
  if (future !== undefined) return ctx.address(future);
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
export async function tokenInfo(ctx: Pick<TaskContext, "ethers">, address: string): Promise<TokenInfo> {
  const token = new Contract(address, METADATA_ABI, ctx.ethers.provider);
  try {
    const [symbol, decimals] = await Promise.all([token.getFunction("symbol")(), token.getFunction("decimals")()]);
    return { address, symbol, decimals: Number(decimals) };
  } catch {
    throw new TaskUserError(`${address} is not an ERC-20 token with a symbol and decimals`);
  }
}

/** Token metadata by address, read once per task. */
export function tokenBook(ctx: Pick<TaskContext, "ethers">): (address: string) => Promise<TokenInfo> {
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

/** "1,250.50 tHKD": every decimal of the token shown, thousands grouped. */
export function formatAmount(amount: bigint, token: Pick<TokenInfo, "symbol" | "decimals">): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(token.decimals + 1, "0");
  const whole = digits.slice(0, digits.length - token.decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = token.decimals > 0 ? "." + digits.slice(digits.length - token.decimals) : "";
  return `${negative ? "-" : ""}${whole}${fraction} ${token.symbol}`;
}

/** An EIP-2612 permit signature, split as `openWithPermit` and `depositWithPermit` take it. */
export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/**
 * Signs an EIP-2612 permit of `value` for `spender`, reading the token's EIP-712 domain from the token
 * itself (ERC-5267), so the signature is right for whatever name and version the token uses.
 */
export async function signPermit(
  token: SettlementToken,
  owner: Signer & { address: string },
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<PermitSignature> {
  const domain = await token.eip712Domain();
  const nonce = await token.nonces(owner.address);
  const signature = await owner.signTypedData(
    {
      name: domain.name,
      version: domain.version,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    },
    {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { owner: owner.address, spender, value, nonce, deadline },
  );
  const { v, r, s } = Signature.from(signature);
  return { deadline, v, r, s };
}
