import type { GaslessOptions } from "../../client/metatx.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";
import { RELAYER_URL_ENV } from "./gasless-options.js";

export { RELAYER_URL_ENV, gaslessFlag, relayerOption } from "./gasless-options.js";

/** Options of tasks that can go through the meta-transaction relayer. */
export interface GaslessArgs {
  gasless: boolean;
  relayer: string;
}

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
