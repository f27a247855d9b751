/**
 * Runs the meta-transaction relayer as a plain Node process:
 *   METATX_SIGNER_PRIVATE_KEY=0x... METATX_ADMIN_KEY=... npx tsx relayer/metatx/main.ts --config relayer/metatx/metatx.example.json
 * Settings from the file, overridden by METATX_* variables; the hot key from an encrypted keystore
 * (`signer.keystoreFile`, password in METATX_KEYSTORE_PASSWORD) or METATX_SIGNER_PRIVATE_KEY; the
 * operator's admin key (budgets) from METATX_ADMIN_KEY. `--issue-key <bytes32 tenant id>` prints a new API
 * key for a sponsor tenant once and exits (only its hash is stored).
 */
import { parseArgs } from "node:util";

import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../core/kit/api-keys.js";
import { loadSigner } from "../core/kit/keys.js";
import { openStore } from "../core/store/open-store.js";
import { loadMetatxConfig, METATX_SECRET_ENV } from "./config.js";
import { createMetatxService } from "./service.js";

const { values } = parseArgs({
  options: { config: { type: "string" }, "issue-key": { type: "string" } },
  strict: true,
});

try {
  const config = loadMetatxConfig({ file: values.config, env: process.env });
  if (values["issue-key"] !== undefined) {
    const store = await openStore(config.store);
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    const issued = await createApiKey(store, values["issue-key"].toLowerCase(), { label: "sponsor key" });
    await store.close();
    process.stdout.write(`${JSON.stringify({ tenant: issued.tenant, keyId: issued.keyId, key: issued.key })}\n`);
  } else {
    const wallet = await loadSigner({
      keystoreFile: config.signer.keystoreFile,
      passwordEnv: METATX_SECRET_ENV.keystorePassword,
      privateKeyEnv: METATX_SECRET_ENV.privateKey,
      env: process.env,
    });
    const adminKey = process.env[METATX_SECRET_ENV.adminKey];
    const service = await createMetatxService({
      config,
      secrets: { wallet, adminKey: adminKey === undefined || adminKey === "" ? undefined : adminKey },
    });
    service.handleSignals();
    await service.listen({ host: config.http.host, port: config.http.port });
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
