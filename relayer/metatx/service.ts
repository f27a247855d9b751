import type { DestinationStream } from "pino";

import { ChainClient } from "../core/chain/chain-client.js";
import { createLogger } from "../core/kit/logger.js";
import { ServiceMetrics } from "../core/kit/metrics.js";
import { nodeCheck } from "../core/kit/readiness.js";
import { createService, type Service } from "../core/kit/service.js";
import { openStore } from "../core/store/open-store.js";
import { Eip1559Policy, ZeroGasPolicy } from "../core/tx/fee-policy.js";
import { TxManager } from "../core/tx/tx-manager.js";
import { senderLeaseName, TxPolicyLoop } from "../core/tx/tx-policy-loop.js";
import { instanceId, Lease } from "../core/store/lease.js";
import { decodeRevertData } from "../../client/revert.js";
import { AllowList } from "./allow-list.js";
import { ChainReads } from "./chain-reads.js";
import type { MetatxConfig } from "./config.js";
import { Forwarding } from "./forwarding.js";
import { metatxRoutes } from "./routes.js";
import { METATX_COMPONENT, metatxMigrations } from "./schema.js";

export interface MetatxSecrets {
  adminKey: string | undefined;
  /** The relayer's hot key (only `address` and `signTransaction` are used). */
  wallet: { address: string; signTransaction(tx: unknown): Promise<string> };
}

export interface MetatxService extends Service {
  forwarding: Forwarding;
  txManager: TxManager;
}

/** The meta-transaction relayer: `POST /forward`, `GET /forward/:id`, budgets; a service on the kit. */
export async function createMetatxService(options: {
  config: MetatxConfig;
  secrets: MetatxSecrets;
  logDestination?: DestinationStream;
}): Promise<MetatxService> {
  const { config, secrets } = options;
  const logger = createLogger({ service: config.name, level: config.logLevel, destination: options.logDestination });
  logger.info({ config, relayer: secrets.wallet.address, admin: secrets.adminKey !== undefined }, "starting");
  const allow = new AllowList(config);
  const store = await openStore(config.store, { logger: logger.child({ component: "store" }) });
  try {
    await store.migrate(METATX_COMPONENT, metatxMigrations);
  } catch (error) {
    await store.close();
    throw error;
  }
  const chain = new ChainClient({ urls: config.chain.rpcUrls, timeoutMs: config.chain.timeoutMs });
  const fees = config.chain.fees;
  const txManager = await TxManager.open({
    store,
    chain,
    wallet: secrets.wallet as never,
    chainId: BigInt(config.chain.chainId),
    feePolicy:
      fees.kind === "zero"
        ? new ZeroGasPolicy()
        : new Eip1559Policy({ maxFeeCap: BigInt(fees.maxFeeCap), priorityFee: BigInt(fees.priorityFee) }),
    confirmations: config.chain.confirmations,
    decodeRevert: (data) => {
      const d = decodeRevertData(data);
      return d === undefined ? undefined : { name: d.name, args: d.args.map((a) => String(a)), data };
    },
    logger,
    pollIntervalMs: config.txPollMs,
  });
  // Several instances may share this database: one sends for the relayer's key at a time (the sender
  // lease fences every nonce and attempt write); pending requests are leased rows.
  const owner = instanceId(config.name, config.leases.instance);
  await Lease.migrate(store);
  const senderLease = new Lease({
    store,
    name: senderLeaseName(config.chain.chainId, secrets.wallet.address),
    owner,
    ttlMs: config.leases.ttlMs,
  });
  const loop = new TxPolicyLoop(txManager.ctx, { lease: senderLease });
  const reads = new ChainReads(chain, config.contracts.forwarder, config.contracts.registry);
  const forwarding = new Forwarding({
    config,
    store,
    chain,
    reads,
    allow,
    txManager,
    relayer: secrets.wallet.address,
    chainId: BigInt(config.chain.chainId),
    logger,
    owner,
    leaseMs: config.leases.ttlMs,
  });
  const metrics = new ServiceMetrics(config.name);
  const service = await createService({
    name: config.name,
    version: "1.0.0",
    logger,
    store,
    metrics,
    http: { bodyLimit: config.http.bodyLimit, rateLimit: config.http.rateLimit },
    readiness: { node: nodeCheck(chain) },
    // Stopped in reverse: settlement first, then the loop that sends.
    workers: [{ name: "tx-policy-loop", stop: () => loop.stop() }, forwarding],
    routes: metatxRoutes({ forwarding, reads, adminKey: secrets.adminKey }),
  });
  loop.start();
  forwarding.start();
  return Object.assign(service, { forwarding, txManager });
}
