import { z } from "zod";

import {
  addressSchema,
  httpSection,
  logLevelSchema,
  positiveMs,
  signerSection,
  storeSection,
} from "../core/kit/config-sections.js";
import { loadConfig } from "../core/kit/config.js";

export const QUOTES_ENV_PREFIX = "QUOTES";

/** The signer's key comes from a keystore (password in this variable) or from the key variable; never the file. */
export const QUOTES_SECRET_ENV = {
  privateKey: "QUOTES_SIGNER_KEY",
  keystorePassword: "QUOTES_KEYSTORE_PASSWORD",
} as const;

const address = addressSchema;

export const quotesConfigSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,40}$/),
  http: httpSection({ bodyLimit: 16 * 1024, rateLimit: { max: 6000, windowMs: 60_000 } }),
  store: storeSection,
  logLevel: logLevelSchema,
  chain: z.strictObject({
    rpcUrl: z.url(),
    /** Given, so the provider never probes the node for it. */
    chainId: z.number().int().positive(),
    settlement: address,
    timeoutMs: positiveMs.default(5_000),
  }),
  /** The liquidity provider's tenant (label or 0x bytes32); the signer must be one of its members. */
  providerTenant: z.string().min(1),
  signer: signerSection,
  /** Signing threads (node:worker_threads). */
  workers: z.number().int().min(1).max(16).default(2),
  rates: z.strictObject({
    /** JSON `{ "rates": { "<corridor label>": "<mid rate>" } }`; reloaded on change and on SIGHUP. */
    file: z.string().min(1),
    /** Optional HTTP feed answering the same JSON; polled, and its rates override the file's. */
    feedUrl: z.url().optional(),
    feedIntervalMs: positiveMs.default(5_000),
  }),
  corridors: z
    .array(
      z.strictObject({
        /** Corridor id as a label (e.g. "HKD-PHP") or 0x bytes32. */
        id: z.string().min(1),
        spreadBps: z.number().int().min(0).max(9_999),
      }),
    )
    .min(1),
  /** How long a firm quote stays usable. */
  quoteValiditySeconds: z.number().int().min(5).max(3_600).default(60),
  /** Seconds past expiry a quote still holds liquidity (the chain clock may lag). */
  expiryMarginSeconds: z.number().int().min(0).max(600).default(10),
  /** How often outstanding quotes are checked against the chain (used ones release their reservation). */
  sweepIntervalMs: positiveMs.default(1_000),
});
export type QuotesConfig = z.output<typeof quotesConfigSchema>;

export function loadQuotesConfig(options: { file?: string; env: NodeJS.ProcessEnv }): QuotesConfig {
  const secretNames = new Set<string>(Object.values(QUOTES_SECRET_ENV));
  const env = Object.fromEntries(Object.entries(options.env).filter(([name]) => !secretNames.has(name)));
  return loadConfig(quotesConfigSchema, { file: options.file, env, envPrefix: QUOTES_ENV_PREFIX });
}
