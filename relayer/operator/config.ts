import { z } from "zod";

import {
  addressSchema,
  httpSection,
  leasesSection,
  logLevelSchema,
  positiveMs,
  signerSection,
  storeSection,
} from "../core/kit/config-sections.js";
import { loadConfig } from "../core/kit/config.js";
import { ConfigError } from "../core/kit/errors.js";

export const OPERATOR_ENV_PREFIX = "OPERATOR";

/**
 * Secrets come from these variables only, never from the config file (which is logged at start):
 * the hot key (or its keystore password), the key the relayer presents to the quote service, to its
 * wallet's payout endpoint, to peer relayers (JSON `{ "<tenant>": "llk_..." }`), and its webhook secrets.
 */
export const OPERATOR_SECRET_ENV = {
  privateKey: "OPERATOR_SIGNER_KEY",
  keystorePassword: "OPERATOR_KEYSTORE_PASSWORD",
  quotesApiKey: "OPERATOR_QUOTES_API_KEY",
  walletApiKey: "OPERATOR_WALLET_API_KEY",
  peerApiKeys: "OPERATOR_PEER_API_KEYS",
  webhookSecrets: "OPERATOR_WEBHOOK_SECRETS",
} as const;

const address = addressSchema;

export const operatorConfigSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,40}$/),
  /** The payment operator this relayer acts for (label, e.g. "hk-wallet"); its API clients hold keys of this tenant. */
  tenant: z.string().min(1).max(31),
  http: httpSection({ bodyLimit: 32 * 1024, rateLimit: { max: 6000, windowMs: 60_000 } }),
  store: storeSection,
  logLevel: logLevelSchema,
  chain: z.strictObject({
    rpcUrls: z.array(z.url()).min(1),
    chainId: z.number().int().positive(),
    settlement: address,
    /** The settlement contract's deployment block: the listener backfills from here. */
    startBlock: z.number().int().min(0).default(0),
    timeoutMs: positiveMs.default(5_000),
    /** Blocks under an event before it is handled (0: in its own block; reorgs are undone). */
    confirmations: z.number().int().min(0).default(0),
    /**
     * How often the listener looks for a new block. Two of these waits are on every remittance's path
     * (the receiver sees the initiation, the sender sees the payout): 50 ms is a twentieth of a 1 s block.
     */
    pollIntervalMs: positiveMs.default(50),
    fees: z
      .strictObject({
        maxFeeCapGwei: z.number().positive().default(100),
        priorityFeeGwei: z.number().min(0).default(1),
      })
      .prefault({}),
  }),
  signer: signerSection,
  /** Sending side: where firm quotes come from, and the corridor to each receiving operator. */
  quotes: z
    .strictObject({
      url: z.url(),
      timeoutMs: positiveMs.default(5_000),
      /** Receiving operator label → corridor label. */
      corridors: z.record(z.string().min(1), z.string().min(1)),
      /** A given quote must leave at least this many seconds before its expiry to be accepted. */
      minRemainingSeconds: z.number().int().min(0).default(3),
    })
    .optional(),
  /** Seconds from initiation the receiver has to pay out (capped by the quote's latest deadline). */
  sendDeadlineSeconds: z.number().int().min(5).optional(),
  /** Peer relayers of receiving operators (label → URL), to hand them the recipient details off chain. */
  peers: z.record(z.string().min(1), z.strictObject({ url: z.url() })).default({}),
  /** Receiving side: the operator's wallet system (its `POST /payouts`). */
  wallet: z
    .strictObject({
      url: z.url(),
      timeoutMs: positiveMs.default(5_000),
      retry: z
        .strictObject({
          initialMs: positiveMs.default(500),
          factor: z.number().min(1).default(2),
          maxMs: positiveMs.default(10_000),
        })
        .prefault({}),
      /** Seconds before the deadline after which no payout is attempted (the confirm must still be mined). */
      safetyMarginSeconds: z.number().int().min(0).default(30),
    })
    .optional(),
  /** Where status changes go (the operator's wallet backend). */
  webhooks: z
    .strictObject({
      url: z.url(),
      /** Delays before each attempt (ms); Standard Webhooks' schedule by default. */
      scheduleMs: z.array(z.number().int().min(0)).min(1).optional(),
    })
    .optional(),
  worker: z
    .strictObject({
      /**
       * The workers' and the transaction manager's poll. Work handed from one step to the next wakes the
       * next worker at once; the poll only picks up retries, timers and receipts.
       */
      pollMs: positiveMs.default(100),
      maxBatch: z.number().int().min(1).max(100).default(50),
      /**
       * Batches of one kind (initiate, confirm) in flight at once: items that arrive while a batch waits
       * for its block go out in another batch for that same block instead of waiting for the next one.
       */
      batchesInFlight: z.number().int().min(1).max(16).default(4),
    })
    .prefault({}),
  leases: leasesSection,
});
export type OperatorConfig = z.output<typeof operatorConfigSchema>;

export interface OperatorSecrets {
  quotesApiKey?: string;
  walletApiKey?: string;
  peerApiKeys: Record<string, string>;
  webhookSecrets: string[];
}

export function loadOperatorConfig(options: { file?: string; env: NodeJS.ProcessEnv }): OperatorConfig {
  const secretNames = new Set<string>(Object.values(OPERATOR_SECRET_ENV));
  const env = Object.fromEntries(Object.entries(options.env).filter(([name]) => !secretNames.has(name)));
  return loadConfig(operatorConfigSchema, { file: options.file, env, envPrefix: OPERATOR_ENV_PREFIX });
}

/** The secrets from the environment; errors name the variable, never its value. */
export function loadOperatorSecrets(env: NodeJS.ProcessEnv): OperatorSecrets {
  const value = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  let peerApiKeys: Record<string, string> = {};
  const peers = value(OPERATOR_SECRET_ENV.peerApiKeys);
  if (peers !== undefined) {
    const parsed = z.record(z.string(), z.string().min(1)).safeParse(safeJson(peers));
    if (!parsed.success)
      throw new ConfigError(`${OPERATOR_SECRET_ENV.peerApiKeys} must be a JSON object of tenant → key`);
    peerApiKeys = parsed.data;
  }
  const webhookSecrets = (value(OPERATOR_SECRET_ENV.webhookSecrets) ?? "").split(/[\s,]+/).filter((s) => s !== "");
  if (webhookSecrets.length > 2)
    throw new ConfigError(`${OPERATOR_SECRET_ENV.webhookSecrets} holds more than two secrets`);
  return {
    quotesApiKey: value(OPERATOR_SECRET_ENV.quotesApiKey),
    walletApiKey: value(OPERATOR_SECRET_ENV.walletApiKey),
    peerApiKeys,
    webhookSecrets,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
