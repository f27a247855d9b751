import { columnTypes } from "../store/ddl.js";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

import type { Migration, Sql, Store } from "../store/store.js";

/** The tenant a request acts for, once its API key is verified. */
export interface Principal {
  tenant: string;
  keyId: string;
}

export interface IssuedApiKey extends Principal {
  /** The secret, shown once: only its SHA-256 is stored. */
  key: string;
}

export const API_KEYS_COMPONENT = "kit.api_keys";

export const apiKeyMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "per-tenant API keys, stored as SHA-256 of a 256-bit secret",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(
        `CREATE TABLE kit_api_keys (
           id TEXT PRIMARY KEY,
           tenant TEXT NOT NULL,
           key_hash TEXT NOT NULL,
           label TEXT,
           created_at ${t.int} NOT NULL,
           revoked_at ${t.int}
         )`,
      );
      await q.run("CREATE INDEX kit_api_keys_tenant ON kit_api_keys (tenant)");
    },
  },
];

// `llk_<16 hex id>_<43 base64url chars>`: the id finds the row, the secret (256 bits) proves possession.
// A secret of full entropy needs no slow hash: SHA-256 cannot be brute-forced back to it.
const KEY_FORMAT = /^llk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

async function insertKey(q: Sql, tenant: string, label: string | null, now: number): Promise<IssuedApiKey> {
  const keyId = randomBytes(8).toString("hex");
  const key = `llk_${keyId}_${randomBytes(32).toString("base64url")}`;
  await q.run("INSERT INTO kit_api_keys (id, tenant, key_hash, label, created_at) VALUES (?, ?, ?, ?, ?)", [
    keyId,
    tenant,
    sha256(key).toString("hex"),
    label,
    now,
  ]);
  return { tenant, keyId, key };
}

/** Issues a new key for `tenant`. */
export function createApiKey(
  store: Store,
  tenant: string,
  options: { label?: string; now?: number } = {},
): Promise<IssuedApiKey> {
  return store.tx((q) => insertKey(q, tenant, options.label ?? null, options.now ?? Date.now()));
}

/**
 * Issues a successor to `keyId` for the same tenant; the old key keeps working for `graceMs` (0: revoked
 * at once) so callers can switch without downtime. Returns undefined for an unknown or revoked key.
 */
export function rotateApiKey(
  store: Store,
  keyId: string,
  options: { graceMs?: number; now?: number } = {},
): Promise<IssuedApiKey | undefined> {
  const now = options.now ?? Date.now();
  return store.tx(async (q) => {
    const row = await q.get<{ tenant: string; label: string | null }>(
      "SELECT tenant, label FROM kit_api_keys WHERE id = ? AND (revoked_at IS NULL OR revoked_at > ?)",
      [keyId, now],
    );
    if (row === undefined) return undefined;
    await q.run("UPDATE kit_api_keys SET revoked_at = ? WHERE id = ?", [now + (options.graceMs ?? 0), keyId]);
    return insertKey(q, row.tenant, row.label, now);
  });
}

/** Revokes a key at once; true when it was active. */
export async function revokeApiKey(store: Store, keyId: string, now = Date.now()): Promise<boolean> {
  const { changes } = await store.tx((q) =>
    q.run("UPDATE kit_api_keys SET revoked_at = ? WHERE id = ? AND (revoked_at IS NULL OR revoked_at > ?)", [
      now,
      keyId,
      now,
    ]),
  );
  return changes === 1;
}

/** The principal behind a presented key, or undefined: the hash comparison takes constant time. */
export async function authenticateApiKey(
  store: Store,
  presented: string,
  now = Date.now(),
): Promise<Principal | undefined> {
  const match = KEY_FORMAT.exec(presented);
  if (match === null) return undefined;
  const keyId = match[1]!;
  const row = await store.read((q) =>
    q.get<{ tenant: string; key_hash: string; revoked_at: number | null }>(
      "SELECT tenant, key_hash, revoked_at FROM kit_api_keys WHERE id = ?",
      [keyId],
    ),
  );
  if (row === undefined) return undefined;
  const valid = timingSafeEqual(sha256(presented), Buffer.from(row.key_hash, "hex"));
  if (!valid || (row.revoked_at !== null && row.revoked_at <= now)) return undefined;
  return { tenant: row.tenant, keyId };
}
