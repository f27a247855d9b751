import { formatEther, parseEther } from "ethers";

import { MetatxClient, type Budget } from "../../client/metatx.js";
import { parseId } from "../../client/text.js";
import { RELAYER_URL_ENV } from "./gasless.js";
import { TaskUserError } from "./errors.js";

export interface BudgetArgs {
  tenant: string;
  amount?: string;
  relayer: string;
}

/** The relayer client for a budget task; keys only from the environment, never from the command line. */
export function relayerClient(args: BudgetArgs, credential: "admin" | "sponsor"): MetatxClient {
  const url = args.relayer !== "" ? args.relayer : process.env[RELAYER_URL_ENV];
  if (url === undefined || url === "") throw new TaskUserError(`give --relayer <url> or set ${RELAYER_URL_ENV}`);
  const name = credential === "admin" ? "METATX_ADMIN_KEY" : "METATX_API_KEY";
  const key = process.env[name];
  if (key === undefined || key === "") throw new TaskUserError(`set ${name} in the environment`);
  return new MetatxClient(credential === "admin" ? { url, adminKey: key } : { url, apiKey: key });
}

export function parseTenant(args: BudgetArgs): string {
  if (args.tenant === "") throw new TaskUserError("--tenant is required");
  return parseId("tenant", args.tenant).toLowerCase();
}

export function parseBudgetAmount(args: BudgetArgs): bigint {
  const text = args.amount ?? "";
  if (!/^\d+(\.\d{1,18})?$/.test(text)) throw new TaskUserError(`--amount "${text}" is not an amount in ether units`);
  return parseEther(text);
}

export function printBudget(b: Budget): void {
  const eth = (wei: string) => `${formatEther(wei)} (${wei} wei)`;
  console.log(`Gas budget of ${b.tenant}`);
  console.log(
    `  funded    ${eth(b.funded)}: operator grant ${formatEther(b.granted)}, sponsored ${formatEther(b.sponsored)}`,
  );
  console.log(`  reserved  ${eth(b.reserved)}`);
  console.log(`  spent     ${eth(b.spent)}`);
  console.log(`  available ${eth(b.available)}`);
}
