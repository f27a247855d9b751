import { z } from "zod";

/**
 * The config sections every service shares, so a setting means the same thing, with the same bounds, in
 * each service's file. A service composes them into its own `z.strictObject` next to what is its own.
 */

export const positiveMs = z.number().int().positive();

export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const logLevelSchema = z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info");

/** One SQLite file per service. */
export const storeSection = z.strictObject({ path: z.string().min(1) });

/** Where the signing key's encrypted keystore is; without one, the key comes from the environment. */
export const signerSection = z.strictObject({ keystoreFile: z.string().optional() }).prefault({});

/**
 * The HTTP listener. The arguments are the service's defaults (largest body in bytes; requests per API key
 * per window), which its config file may override.
 */
export function httpSection(defaults: { bodyLimit: number; rateLimit: { max: number; windowMs: number } }) {
  return z.strictObject({
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(0).max(65535),
    bodyLimit: z.number().int().positive().default(defaults.bodyLimit),
    rateLimit: z.strictObject({ max: z.number().int().positive(), windowMs: positiveMs }).prefault(defaults.rateLimit),
  });
}

/**
 * Several instances of a service on one database share its work through leases. `instance` names this
 * instance as a lease owner (default: the service's name); each instance sharing a database needs its
 * own, and keeps it across restarts (a restarted instance takes its own work back at once). `ttlMs` is
 * how long a lease lasts without renewal, so how soon a killed instance's work (its rows, the sender
 * lease of its key, its listener subscriptions) is taken over by another; clocks must agree to well
 * within it (fencing tokens keep writes safe whatever the clocks say; the ttl only decides when).
 */
export const leasesSection = z
  .strictObject({
    instance: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .optional(),
    ttlMs: positiveMs.min(200).default(10_000),
  })
  .prefault({});
