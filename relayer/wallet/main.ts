/**
 * Runs a wallet ledger as a plain Node process:
 *   npx tsx relayer/wallet/main.ts --config relayer/wallet/hk-wallet.example.json
 * Settings from the file, overridden by WALLET_* variables (WALLET_HTTP__PORT=8201); secrets only from
 * WALLET_ADMIN_KEY, WALLET_OPERATOR_API_KEY and WALLET_WEBHOOK_SECRETS.
 * `--issue-key <tenant>` prints a new API key for a client of the wallet (its app, its operator relayer)
 * once and exits: only the key's hash is stored.
 */
import { parseArgs } from "node:util";

import { createApiKey } from "../core/kit/api-keys.js";
import { API_KEYS_COMPONENT, apiKeyMigrations } from "../core/kit/api-keys.js";
import { openStore } from "../core/store/open-store.js";
import { loadWalletConfig, loadWalletSecrets } from "./config.js";
import { createWalletService } from "./service.js";

const { values } = parseArgs({
  options: { config: { type: "string" }, "issue-key": { type: "string" } },
  strict: true,
});

try {
  const config = loadWalletConfig({ file: values.config, env: process.env });
  if (values["issue-key"] !== undefined) {
    const store = await openStore(config.store);
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    const issued = await createApiKey(store, values["issue-key"], { label: "issued by wallet main" });
    await store.close();
    process.stdout.write(`${JSON.stringify({ tenant: issued.tenant, keyId: issued.keyId, key: issued.key })}\n`);
  } else {
    const service = await createWalletService({ config, secrets: loadWalletSecrets(process.env) });
    service.handleSignals();
    await service.listen({ host: config.http.host, port: config.http.port });
  }
} catch (error) {
  // Config and keystore errors name keys and variables only; print them without a stack for operators.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
