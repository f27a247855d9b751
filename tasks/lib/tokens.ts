import { formatUnits } from "ethers";

import type { SettlementToken } from "../../typechain-types/index.js";
import { parseAddress } from "./args.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";

/** The platform's settlement tokens, by the symbols tasks accept for `--token`. */
export const TOKEN_FUTURES: Record<string, string> = {
  thkd: "SettlementTokensModule#tHKD",
  tphp: "SettlementTokensModule#tPHP",
};

/** The token named by `--token`: a settlement token's symbol from the deployment (tHKD, tPHP) or an address. */
export function resolveTokenAddress(ctx: TaskContext, value: string): string {
  if (value === "") throw new TaskUserError("--token is required (tHKD, tPHP or a token address)");
  const future = TOKEN_FUTURES[value.toLowerCase()];
  if (future !== undefined) return ctx.address(future);
  if (value.startsWith("0x")) return parseAddress("token", value);
  throw new TaskUserError(`--token "${value}" is neither tHKD, tPHP nor an address`);
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

/** Formats base units as "1,250.50 tHKD". */
export function formatAmount(amount: bigint, decimals: number, symbol: string): string {
  const [whole, fraction] = formatUnits(amount, decimals).split(".");
  const grouped = (whole ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = decimals === 0 ? "" : "." + (fraction ?? "").padEnd(Math.min(decimals, 2), "0");
  return `${grouped}${cents} ${symbol}`;
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
