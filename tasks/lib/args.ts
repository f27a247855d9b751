/** Option parsers of the tasks: the client's, plus what only a command line needs. */
import { getAddress, isAddress } from "ethers";

import { TaskUserError } from "./errors.js";

export { checkDecimal, parseAmount, parseDuration, parseUint } from "../../client/amounts.js";
export { parseHashOrText, parseId, requirePrintable } from "../../client/text.js";

/** Parses an account address; a mixed-case address whose checksum is wrong is called just that. */
export function parseAddress(option: string, value: string): string {
  if (value === "") throw new TaskUserError(`--${option} is required`);
  if (/^0x[0-9a-fA-F]{40}$/.test(value) && !isAddress(value)) {
    throw new TaskUserError(
      `--${option} "${value}" has a bad checksum (its upper and lower case letters do not match): check for a typo`,
    );
  }
  if (!isAddress(value)) {
    throw new TaskUserError(`--${option} "${value}" is not an address (0x followed by 40 hex digits)`);
  }
  return getAddress(value);
}

/** Parses "true" or "false". */
export function parseBool(option: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new TaskUserError(`--${option} "${value}" is neither true nor false`);
}
