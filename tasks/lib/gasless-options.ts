/**
 * The --gasless and --relayer options as task declarations see them. Kept free of runtime imports from
 * client/ (which needs typechain-types): hardhat.config.ts loads every declaration, and a fresh clone has
 * no typechain-types until `hardhat build` has run, which itself loads the config.
 */

/** The environment variable naming the relayer when `--relayer` is not given. */
export const RELAYER_URL_ENV = "METATX_RELAYER_URL";

export const gaslessFlag = {
  name: "gasless",
  description: "Sign a forward request and let the meta-transaction relayer pay the gas",
} as const;
export const relayerOption = {
  name: "relayer",
  description: `Meta-transaction relayer URL for --gasless (default: $${RELAYER_URL_ENV})`,
  defaultValue: "",
} as const;
