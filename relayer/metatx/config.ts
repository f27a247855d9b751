import { z } from "zod";

import {
  addressSchema,
  httpSection,
  logLevelSchema,
  positiveMs,
  signerSection,
  storeSection,
  leasesSection,
} from "../core/kit/config-sections.js";
import { loadConfig } from "../core/kit/config.js";

export const METATX_ENV_PREFIX = "METATX";

/** Secrets: only from these variables (or the keystore), never in the config object, which is logged. */
export const METATX_SECRET_ENV = {
  adminKey: "METATX_ADMIN_KEY",
  privateKey: "METATX_SIGNER_PRIVATE_KEY",
  keystorePassword: "METATX_KEYSTORE_PASSWORD",
} as const;

const address = addressSchema;
const uintString = z.string().regex(/^(0|[1-9]\d{0,38})$/);

export const metatxConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default("metatx"),
  http: httpSection({ bodyLimit: 32 * 1024, rateLimit: { max: 600, windowMs: 60_000 } }),
  store: storeSection,
  logLevel: logLevelSchema,
  chain: z.strictObject({
    rpcUrls: z.array(z.url()).min(1),
    chainId: z.number().int().positive(),
    timeoutMs: positiveMs.default(5_000),
    confirmations: z.number().int().positive().default(1),
    /**
     * `zero`: a free-gas consortium (nothing is ever charged, budgets only bound gas × 0). `eip1559`:
     * fees capped at `maxFeeCap` wei per gas, which is also the price reserved per gas: the relayer can
     * never pay more, so a reservation always covers the settlement.
     */
    fees: z.discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("zero") }),
      z.strictObject({ kind: z.literal("eip1559"), maxFeeCap: uintString, priorityFee: uintString }),
    ]),
  }),
  contracts: z.strictObject({ forwarder: address, registry: address }),
  /** The relayer's hot key: an encrypted keystore (password in METATX_KEYSTORE_PASSWORD) or METATX_SIGNER_PRIVATE_KEY. */
  signer: signerSection,
  /**
   * (target, function) pairs members may call through the forwarder. `contract` names the platform ABI
   * the function names are looked up in; every overload of a name is allowed.
   */
  allow: z
    .array(
      z.strictObject({
        target: address,
        // No SettlementToken: the tokens do not trust the forwarder (members fund by EIP-2612 permit inside
        // the forwarded escrow or ledger call), so a forwarder bug can never move a holder's tokens.
        contract: z.enum(["TokenEscrow", "RemittanceSettlement", "TenantRegistry"]),
        functions: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).min(1),
      }),
    )
    .min(1),
  limits: z
    .strictObject({
      /** Largest `gas` a request may ask for its target call. */
      maxRequestGas: z.number().int().positive().default(1_000_000),
      /** Requests with no final outcome per member (the forwarder executes a member's nonces in order). */
      inFlightPerMember: z.number().int().positive().default(1),
      /** Requests accepted per member per window. */
      perMember: z
        .strictObject({ max: z.number().int().positive(), windowMs: positiveMs })
        .prefault({ max: 30, windowMs: 60_000 }),
      /** A request whose deadline is closer than this is refused: it could expire while queued. */
      minDeadlineSeconds: z.number().int().nonnegative().default(30),
    })
    .prefault({}),
  settlePollMs: positiveMs.default(200),
  txPollMs: positiveMs.default(200),
  leases: leasesSection,
});
export type MetatxConfig = z.output<typeof metatxConfigSchema>;

export function loadMetatxConfig(options: { file?: string; env: NodeJS.ProcessEnv }): MetatxConfig {
  const secretNames = new Set<string>(Object.values(METATX_SECRET_ENV));
  const env = Object.fromEntries(Object.entries(options.env).filter(([name]) => !secretNames.has(name)));
  return loadConfig(metatxConfigSchema, { file: options.file, env, envPrefix: METATX_ENV_PREFIX });
}
