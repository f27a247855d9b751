/**
 * Runs the quote service as a plain Node process:
 *   npx tsx relayer/quotes/main.ts --config relayer/quotes/quotes.example.json
 * Settings from the file, overridden by QUOTES_* variables; the provider member's key from a keystore
 * (`signer.keystoreFile`, password in QUOTES_KEYSTORE_PASSWORD) or QUOTES_SIGNER_KEY.
 * `--issue-key <tenant>` prints a new API key for a sending operator once and exits (stored hashed).
 */
import { parseArgs } from "node:util";

import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../core/kit/api-keys.js";
import { loadSigner } from "../core/kit/keys.js";
import { openStore } from "../core/store/open-store.js";
import { QUOTES_SECRET_ENV, loadQuotesConfig } from "./config.js";
import { createQuotesService } from "./service.js";

const { values } = parseArgs({
  options: { config: { type: "string" }, "issue-key": { type: "string" } },
  strict: true,
});

try {
  const config = loadQuotesConfig({ file: values.config, env: process.env });
  if (values["issue-key"] !== undefined) {
    const store = await openStore(config.store);
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    const issued = await createApiKey(store, values["issue-key"], { label: "issued by quotes main" });
    await store.close();
    process.stdout.write(`${JSON.stringify({ tenant: issued.tenant, keyId: issued.keyId, key: issued.key })}\n`);
  } else {
    const wallet = await loadSigner({
      keystoreFile: config.signer.keystoreFile,
      passwordEnv: QUOTES_SECRET_ENV.keystorePassword,
      privateKeyEnv: QUOTES_SECRET_ENV.privateKey,
      env: process.env,
    });
    const service = await createQuotesService({
      config,
      privateKey: wallet.privateKey,
      signerAddress: wallet.address,
    });
    service.handleSignals();
    await service.listen({ host: config.http.host, port: config.http.port });
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
