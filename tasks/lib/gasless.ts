import type { GaslessOptions } from "../../client/metatx.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";

/** The environment variable naming the relayer when `--relayer` is not given. */
export const RELAYER_URL_ENV = "METATX_RELAYER_URL";

/** Options of tasks that can go through the meta-transaction relayer. */
export interface GaslessArgs {
  gasless: boolean;
  relayer: string;
}

export const gaslessFlag = {
  name: "gasless",
  description: "Sign a forward request and let the meta-transaction relayer pay the gas",
} as const;
export const relayerOption = {
  name: "relayer",
  description: `Meta-transaction relayer URL for --gasless (default: $${RELAYER_URL_ENV})`,
  defaultValue: "",
} as const;

/** How to send: undefined for a direct transaction, relayer options for --gasless. */
export function gaslessOf(ctx: TaskContext, args: GaslessArgs): GaslessOptions | undefined {
  if (!args.gasless) return undefined;
  const relayerUrl = args.relayer !== "" ? args.relayer : process.env[RELAYER_URL_ENV];
  if (relayerUrl === undefined || relayerUrl === "") {
    throw new TaskUserError(`--gasless needs --relayer <url> or ${RELAYER_URL_ENV}`);
  }
  if (!/^https?:\/\/\S+$/.test(relayerUrl)) throw new TaskUserError(`--relayer "${relayerUrl}" is not an http(s) URL`);
  return { relayerUrl, signer: ctx.signer, provider: ctx.ethers.provider, forwarder: ctx.address("forwarder") };
}
