import type { DestinationStream } from "pino";

import { parseId } from "../../client/text.js";
import { createLogger } from "../core/kit/logger.js";
import { ServiceMetrics } from "../core/kit/metrics.js";
import { nodeCheck } from "../core/kit/readiness.js";
import { createService, type Service } from "../core/kit/service.js";
import { openStore } from "../core/store/open-store.js";
import { ChainView } from "./chain-view.js";
import type { QuotesConfig } from "./config.js";
import { QuoteBook } from "./quote-book.js";
import { RateSource } from "./rate-source.js";
import { quoteRoutes } from "./routes.js";
import { QUOTES_COMPONENT, quotesMigrations } from "./schema.js";
import { SignerPool } from "./signer-pool.js";

export interface QuotesServiceOptions {
  config: QuotesConfig;
  /** The provider member's private key (0x hex); handed to the signing threads only. */
  privateKey: string;
  signerAddress: string;
  logDestination?: DestinationStream;
}

export interface QuotesService extends Service {
  book: QuoteBook;
  rates: RateSource;
}

/** The liquidity provider's quote service: prices, firm signed quotes within its liquidity. */
export async function createQuotesService(options: QuotesServiceOptions): Promise<QuotesService> {
  const { config } = options;
  const logger = createLogger({ service: config.name, level: config.logLevel, destination: options.logDestination });
  logger.info({ config, signer: options.signerAddress }, "starting");
  const store = await openStore(config.store, { logger: logger.child({ component: "store" }) });
  try {
    await store.migrate(QUOTES_COMPONENT, quotesMigrations);
  } catch (error) {
    await store.close();
    throw error;
  }
  const chain = new ChainView(config.chain);
  const domain = { chainId: BigInt(config.chain.chainId), verifyingContract: config.chain.settlement };
  const providerTenant = parseId("providerTenant", config.providerTenant);
  const rates = new RateSource({ ...config.rates, logger: logger.child({ component: "rates" }) });
  const signer = new SignerPool(options.privateKey, config.workers);
  const book = new QuoteBook({
    store,
    chain,
    signer,
    signerAddress: options.signerAddress,
    providerTenant,
    domain,
    logger,
    sweepIntervalMs: config.sweepIntervalMs,
    expiryMarginSeconds: config.expiryMarginSeconds,
  });
  const metrics = new ServiceMetrics(config.name);
  const service = await createService({
    name: config.name,
    version: "1.0.0",
    logger,
    store,
    metrics,
    http: { bodyLimit: config.http.bodyLimit, rateLimit: config.http.rateLimit },
    readiness: { node: nodeCheck({ getBlockNumber: () => chain.provider.getBlockNumber() }) },
    workers: [signer, rates, book, { name: "chain", stop: async () => chain.destroy() }],
    routes: quoteRoutes({
      corridors: config.corridors.map((c) => ({
        id: parseId("corridors.id", c.id),
        label: c.id.startsWith("0x") ? c.id.toLowerCase() : c.id,
        spreadBps: BigInt(c.spreadBps),
      })),
      rates,
      chain,
      book,
      domain,
      providerTenant,
      quoteValiditySeconds: config.quoteValiditySeconds,
    }),
  });
  rates.start();
  book.start();
  return Object.assign(service, { book, rates });
}
