/**
 * Runs an operator relayer as a plain Node process:
 *   npx tsx relayer/operator/main.ts --config relayer/operator/hk-operator.example.json
 * Settings from the file, overridden by OPERATOR_* variables; the hot key from a keystore
 * (`signer.keystoreFile`, password in OPERATOR_KEYSTORE_PASSWORD) or OPERATOR_SIGNER_KEY; the keys it
 * presents to others and its webhook secrets from the variables in OPERATOR_SECRET_ENV.
 * `--issue-key <tenant>` prints a new API key once and exits (stored hashed): for the operator's own
 * backend issue it for the relayer's tenant; for a peer relayer that hands over details, for the peer's tenant.
 */
import { parseArgs } from "node:util";

import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../core/kit/api-keys.js";
import { loadSigner } from "../core/kit/keys.js";
import { openStore } from "../core/store/open-store.js";
import { OPERATOR_SECRET_ENV, loadOperatorConfig, loadOperatorSecrets } from "./config.js";
import { createOperatorService } from "./service.js";

const { values } = parseArgs({
  options: { config: { type: "string" }, "issue-key": { type: "string" } },
  strict: true,
});

try {
  const config = loadOperatorConfig({ file: values.config, env: process.env });
  if (values["issue-key"] !== undefined) {
    const store = await openStore(config.store);
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    const issued = await createApiKey(store, values["issue-key"], { label: "issued by operator main" });
    await store.close();
    process.stdout.write(`${JSON.stringify({ tenant: issued.tenant, keyId: issued.keyId, key: issued.key })}\n`);
  } else {
    const wallet = await loadSigner({
      keystoreFile: config.signer.keystoreFile,
      passwordEnv: OPERATOR_SECRET_ENV.keystorePassword,
      privateKeyEnv: OPERATOR_SECRET_ENV.privateKey,
      env: process.env,
    });
    const service = await createOperatorService({ config, secrets: loadOperatorSecrets(process.env), wallet });
    service.handleSignals();
    await service.listen({ host: config.http.host, port: config.http.port });
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
