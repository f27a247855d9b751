import { z } from "zod";

import type { StoreConfig } from "../store/open-store.js";

/**
 * The config sections every service shares, so a setting means the same thing, with the same bounds, in
 * each service's file. A service composes them into its own `z.strictObject` next to what is its own.
 */

export const positiveMs = z.number().int().positive();

export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const logLevelSchema = z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info");

/**
 * The service's store: `{ "path": "<file>" }` for SQLite (one instance), or `{ "url": "postgres://...",
 * "poolSize": 10 }` for PostgreSQL. The URL may come from the environment (`<PREFIX>_STORE__URL`); it
 * carries a password, so no message here echoes it.
 */
export const storeSection = z
  .strictObject({
    path: z.string().min(1).optional(),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// or postgresql:// URL")
      .optional(),
    poolSize: z.number().int().min(1).max(200).optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.path === undefined) === (s.url === undefined)) {
      ctx.addIssue({ code: "custom", message: "set either path (a SQLite file) or url (a PostgreSQL database)" });
    }
    if (s.path !== undefined && s.poolSize !== undefined) {
      ctx.addIssue({ code: "custom", path: ["poolSize"], message: "applies to PostgreSQL (url) only" });
    }
  })
  .transform((s): StoreConfig =>
    s.url !== undefined ? { url: s.url, poolSize: s.poolSize ?? 10 } : { path: s.path ?? "" },
  );

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
