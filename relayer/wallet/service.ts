import type { DestinationStream } from "pino";
import { Counter } from "prom-client";

import { parseWebhookSecret } from "../../client/webhooks.js";
import { ConfigError } from "../core/kit/errors.js";
import { createLogger } from "../core/kit/logger.js";
import { ServiceMetrics } from "../core/kit/metrics.js";
import { createService, type Service } from "../core/kit/service.js";
import { openStore } from "../core/store/open-store.js";
import type { WalletConfig, WalletSecrets } from "./config.js";
import { FaultSwitch } from "./faults.js";
import { ensureSystemAccounts } from "./ledger.js";
import { RemittanceSender } from "./remittance-sender.js";
import { walletRoutes } from "./routes.js";
import { WALLET_COMPONENT, walletMigrations } from "./schema.js";

export interface WalletServiceOptions {
  config: WalletConfig;
  secrets: WalletSecrets;
  logDestination?: DestinationStream;
}

export interface WalletService extends Service {
  faults: FaultSwitch;
  sender?: RemittanceSender;
}

/**
 * The wallet ledger: a payment operator's own wallet system in miniature (accounts with double-entry
 * postings, payouts, sends abroad through the operator relayer, its webhooks, reconciliation).
 */
export async function createWalletService(options: WalletServiceOptions): Promise<WalletService> {
  const { config, secrets } = options;
  for (const secret of secrets.webhookSecrets) {
    try {
      parseWebhookSecret(secret);
    } catch {
      throw new ConfigError("WALLET_WEBHOOK_SECRETS holds a value that is not a whsec_<base64> secret");
    }
  }
  const logger = createLogger({ service: config.name, level: config.logLevel, destination: options.logDestination });
  // The config carries no secret (they come from the environment), so it can be logged whole.
  logger.info(
    { config, webhookSecrets: secrets.webhookSecrets.length, admin: secrets.adminKey !== undefined },
    "starting",
  );
  const store = await openStore(config.store, { logger: logger.child({ component: "store" }) });
  try {
    await store.migrate(WALLET_COMPONENT, walletMigrations);
    await store.tx((q) => ensureSystemAccounts(q, config.currency));
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new ServiceMetrics(config.name);
  const faults = new FaultSwitch();
  const sender =
    config.operator === undefined
      ? undefined
      : new RemittanceSender({
          store,
          logger,
          url: config.operator.url.replace(/\/+$/, ""),
          apiKey: secrets.operatorApiKey,
          timeoutMs: config.operator.timeoutMs,
          retry: config.operator.retry,
          pollMs: config.operator.pollMs,
          outcomes: new Counter({
            name: "ledgerlink_wallet_remittance_calls_total",
            help: "Calls to the operator relayer's POST /remittances by outcome (accepted, refused, retry)",
            labelNames: ["outcome"],
            registers: [metrics.registry],
          }),
        });
  const service = await createService({
    name: config.name,
    version: "1.0.0",
    logger,
    store,
    metrics,
    http: { bodyLimit: config.http.bodyLimit, rateLimit: config.http.rateLimit },
    workers: sender === undefined ? [] : [sender],
    routes: walletRoutes({ config, secrets, faults, sender, logger }),
  });
  // Started once the routes exist: a transfer accepted before a crash is resumed from here.
  sender?.start();
  return Object.assign(service, { faults, sender });
}
