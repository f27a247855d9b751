import { z } from "zod";

import { httpSection, logLevelSchema, positiveMs, storeSection } from "../core/kit/config-sections.js";
import { loadConfig } from "../core/kit/config.js";
import { ConfigError } from "../core/kit/errors.js";

export const WALLET_ENV_PREFIX = "WALLET";

/**
 * Secrets come from these variables only, never from the config file; they are kept out of the config
 * object (which is logged at start). `WALLET_WEBHOOK_SECRETS` holds one or two `whsec_...` separated by
 * spaces or commas (two during a rotation).
 */
export const WALLET_SECRET_ENV = {
  adminKey: "WALLET_ADMIN_KEY",
  operatorApiKey: "WALLET_OPERATOR_API_KEY",
  webhookSecrets: "WALLET_WEBHOOK_SECRETS",
} as const;

export const walletConfigSchema = z.strictObject({
  /** The instance's name in logs and metrics, e.g. `hk-wallet`. */
  name: z.string().regex(/^[a-z0-9-]{1,40}$/),
  /** The one currency of this wallet; amounts are in the settlement token's base units. */
  currency: z.string().regex(/^[A-Z]{3}$/),
  http: httpSection({ bodyLimit: 64 * 1024, rateLimit: { max: 600, windowMs: 60_000 } }),
  store: storeSection,
  logLevel: logLevelSchema,
  /** The operator relayer this wallet sends remittances through. Optional for a receive-only wallet. */
  operator: z
    .strictObject({
      url: z.url(),
      timeoutMs: positiveMs.default(5_000),
      retry: z
        .strictObject({
          initialMs: positiveMs.default(500),
          factor: z.number().min(1).default(2),
          maxMs: positiveMs.default(60_000),
        })
        .prefault({}),
      pollMs: positiveMs.default(200),
      /** Calls to the relayer in flight at once; each transfer is still sent by one call at a time. */
      concurrency: z.number().int().min(1).max(64).default(8),
    })
    .optional(),
  webhooks: z.strictObject({ toleranceSeconds: z.number().int().positive().default(300) }).prefault({}),
  compliance: z
    .strictObject({
      /** Names screened against every string in a payout's compliance data (case-insensitive). */
      blockedNames: z.array(z.string().min(1)).default([]),
      /** Recipient references that may not be paid. */
      blockedRecipients: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  /** Where the reconciliation report reads the operator's on-chain ledger balance. */
  chain: z
    .strictObject({
      rpcUrl: z.url(),
      /** Given, so the provider never probes the node for it (and a node that is down fails fast). */
      chainId: z.number().int().positive(),
      settlement: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      /** The operator's tenant id: a label (at most 31 bytes) or 0x-prefixed bytes32. */
      tenantId: z.string().min(1),
      token: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      timeoutMs: positiveMs.default(5_000),
    })
    .optional(),
});
export type WalletConfig = z.output<typeof walletConfigSchema>;

export interface WalletSecrets {
  adminKey?: string;
  operatorApiKey?: string;
  webhookSecrets: string[];
}

/** The config from a file plus `WALLET_*` overrides, the secret variables left out of it. */
export function loadWalletConfig(options: { file?: string; env: NodeJS.ProcessEnv }): WalletConfig {
  const secretNames = new Set<string>(Object.values(WALLET_SECRET_ENV));
  const env = Object.fromEntries(Object.entries(options.env).filter(([name]) => !secretNames.has(name)));
  return loadConfig(walletConfigSchema, { file: options.file, env, envPrefix: WALLET_ENV_PREFIX });
}

/** The secrets from the environment; errors name the variable, never its value. */
export function loadWalletSecrets(env: NodeJS.ProcessEnv): WalletSecrets {
  const value = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const webhookSecrets = (value(WALLET_SECRET_ENV.webhookSecrets) ?? "").split(/[\s,]+/).filter((s) => s !== "");
  if (webhookSecrets.length > 2) {
    throw new ConfigError(`${WALLET_SECRET_ENV.webhookSecrets} holds more than two secrets`);
  }
  const adminKey = value(WALLET_SECRET_ENV.adminKey);
  if (adminKey !== undefined && adminKey.length < 16) {
    throw new ConfigError(`${WALLET_SECRET_ENV.adminKey} must be at least 16 characters`);
  }
  return { adminKey, operatorApiKey: value(WALLET_SECRET_ENV.operatorApiKey), webhookSecrets };
}
