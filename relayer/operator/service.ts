import type { DestinationStream } from "pino";
import { Wallet, parseUnits } from "ethers";

import { parseId } from "../../client/text.js";
import { RemittanceSettlement__factory, TenantRegistry__factory } from "../../typechain-types/index.js";
import { ChainClient } from "../core/chain/chain-client.js";
import { ConfigError } from "../core/kit/errors.js";
import { createLogger } from "../core/kit/logger.js";
import { ServiceMetrics } from "../core/kit/metrics.js";
import { listenerCheck, nodeCheck } from "../core/kit/readiness.js";
import { createService, type Service, type Worker } from "../core/kit/service.js";
import { EventListener } from "../core/listener/event-listener.js";
import { openStore } from "../core/store/open-store.js";
import { instanceId, Lease } from "../core/store/lease.js";
import { Batcher } from "../core/tx/batcher.js";
import { Eip1559Policy } from "../core/tx/fee-policy.js";
import { TxManager } from "../core/tx/tx-manager.js";
import { senderLeaseName, TxPolicyLoop } from "../core/tx/tx-policy-loop.js";
import { WebhookDeliveryWorker } from "../core/webhooks/delivery-worker.js";
import { WebhookOutbox } from "../core/webhooks/outbox.js";
import { WEBHOOKS_COMPONENT, webhookMigrations } from "../core/webhooks/schema.js";
import { settlementSubscription } from "./chain-events.js";
import { revertDecoder } from "./chain-records.js";
import type { OperatorConfig, OperatorSecrets } from "./config.js";
import { CONFIRM_GROUP, Receiver } from "./receiver.js";
import { WALLET_ENDPOINT } from "./remittances.js";
import { operatorRoutes } from "./routes.js";
import { OPERATOR_COMPONENT, operatorMigrations } from "./schema.js";
import { INITIATE_GROUP, Sender } from "./sender.js";

export interface OperatorServiceOptions {
  config: OperatorConfig;
  secrets: OperatorSecrets;
  /** The operator's hot key, a member of its tenant. */
  wallet: Wallet;
  logDestination?: DestinationStream;
}

export interface OperatorService extends Service {
  sender?: Sender;
  receiver?: Receiver;
}

/**
 * A loop that calls `step` every `ms` (one at a time) until stopped; a service worker. `wake` runs a step
 * now (or right after the one under way), for work handed over by another worker.
 */
function loop(
  name: string,
  ms: number,
  step: () => Promise<void>,
  onError: (e: unknown) => void,
): Worker & { start(): void; wake(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    again = false;
    running = step()
      .catch(onError)
      .finally(() => {
        running = undefined;
        if (again) run();
      });
  };
  return {
    name,
    start() {
      timer = setInterval(run, ms);
    },
    wake: run,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await running;
    },
  };
}

/**
 * The operator relayer: one per payment operator, signing with its hot key. Sending side (the operator's
 * clients post remittances) and receiving side (payouts of remittances addressed to it), statuses from
 * the chain's events, webhooks through the durable outbox.
 */
export async function createOperatorService(options: OperatorServiceOptions): Promise<OperatorService> {
  const { config, secrets } = options;
  const logger = createLogger({ service: config.name, level: config.logLevel, destination: options.logDestination });
  logger.info({ config, signer: options.wallet.address }, "starting");
  if (config.quotes !== undefined && secrets.quotesApiKey === undefined) {
    throw new ConfigError("quotes is configured: set OPERATOR_QUOTES_API_KEY");
  }
  if (config.wallet !== undefined && secrets.walletApiKey === undefined) {
    throw new ConfigError("wallet is configured: set OPERATOR_WALLET_API_KEY");
  }
  if (config.webhooks !== undefined && secrets.webhookSecrets.length === 0) {
    throw new ConfigError("webhooks is configured: set OPERATOR_WEBHOOK_SECRETS");
  }
  const tenantId = parseId("tenant", config.tenant);
  const store = await openStore(config.store, { logger: logger.child({ component: "store" }) });
  try {
    await store.migrate(OPERATOR_COMPONENT, operatorMigrations);
    await store.migrate(WEBHOOKS_COMPONENT, webhookMigrations);
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new ServiceMetrics(config.name);
  const e2e = metrics.latency(
    "remittance_e2e_seconds",
    "From POST /remittances accepted to its final status seen on chain",
  );
  const chain = new ChainClient({ urls: config.chain.rpcUrls, timeoutMs: config.chain.timeoutMs });
  const settlement = RemittanceSettlement__factory.connect(config.chain.settlement);
  const manager = await TxManager.open({
    store,
    chain,
    wallet: options.wallet,
    chainId: BigInt(config.chain.chainId),
    feePolicy: new Eip1559Policy({
      maxFeeCap: parseUnits(String(config.chain.fees.maxFeeCapGwei), "gwei"),
      priorityFee: parseUnits(String(config.chain.fees.priorityFeeGwei), "gwei"),
    }),
    decodeRevert: revertDecoder(RemittanceSettlement__factory.abi, TenantRegistry__factory.abi),
    confirmations: 1,
    pollIntervalMs: config.worker.pollMs,
    logger: logger.child({ component: "tx" }),
  });
  // Several instances may share this database: one sends for the key at a time (the sender lease, which
  // fences every nonce and attempt write), and work rows, listener subscriptions are leased.
  const owner = instanceId(config.name, config.leases.instance);
  await Lease.migrate(store);
  const senderLease = new Lease({
    store,
    name: senderLeaseName(config.chain.chainId, options.wallet.address),
    owner,
    ttlMs: config.leases.ttlMs,
  });
  const policy = new TxPolicyLoop(manager.ctx, { lease: senderLease });
  const target = config.chain.settlement;
  const batcher = new Batcher(
    manager,
    [
      {
        group: INITIATE_GROUP,
        to: target,
        maxItems: config.worker.maxBatch,
        maxInFlight: config.worker.batchesInFlight,
        encode: (payloads) =>
          settlement.interface.encodeFunctionData("initiateBatch", [payloads.map((p) => JSON.parse(p))]),
      },
      {
        group: CONFIRM_GROUP,
        to: target,
        maxItems: config.worker.maxBatch,
        maxInFlight: config.worker.batchesInFlight,
        encode: (payloads) =>
          settlement.interface.encodeFunctionData("confirmPayoutBatch", [payloads.map((p) => JSON.parse(p))]),
      },
    ],
    { lease: senderLease },
  );
  const webhooksOn = config.webhooks !== undefined;
  const delivery = webhooksOn
    ? new WebhookDeliveryWorker({
        store,
        logger,
        registry: metrics.registry,
        owner,
        schedule: config.webhooks!.scheduleMs,
        resolveEndpoint: (name) =>
          name === WALLET_ENDPOINT ? { url: config.webhooks!.url, secrets: secrets.webhookSecrets } : undefined,
      })
    : undefined;
  let sender: Sender | undefined;
  let receiver: Receiver | undefined;
  // Items handed to the batcher are packed now, and a packed batch is signed and sent now.
  const wakeBatcher = () => batching.wake();
  const onChange = () => {
    delivery?.notify();
    sender?.notify();
    receiver?.notify();
  };
  const listener = new EventListener({
    chain: String(config.chain.chainId),
    reader: chain,
    store,
    logger,
    confirmations: config.chain.confirmations,
    pollIntervalMs: config.chain.pollIntervalMs,
    lease: { owner, ttlMs: config.leases.ttlMs },
    subscriptions: [
      settlementSubscription({
        settlement,
        tenantId,
        startBlock: config.chain.startBlock,
        webhooks: webhooksOn,
        onChange,
        onFinal: (_status, createdAt) => e2e.observe((Date.now() - createdAt) / 1000),
      }),
    ],
  });
  await listener.migrate();
  const domain = { chainId: BigInt(config.chain.chainId), verifyingContract: target };
  if (config.quotes !== undefined) {
    sender = new Sender({
      config,
      secrets,
      store,
      logger,
      batcher,
      manager,
      settlement,
      domain,
      webhooks: webhooksOn,
      onChange,
      wakeBatcher,
      wakeTx: () => policy.wake(),
      owner,
      leaseMs: config.leases.ttlMs,
    });
  }
  if (config.wallet !== undefined) {
    receiver = new Receiver({
      config,
      secrets,
      store,
      logger,
      batcher,
      manager,
      settlement,
      onChange,
      wakeBatcher,
      wakeTx: () => policy.wake(),
      owner,
      leaseMs: config.leases.ttlMs,
    });
  }
  const batching = loop(
    "batcher",
    config.worker.pollMs,
    async () => {
      if ((await batcher.runOnce()) > 0) policy.wake();
    },
    (e) => logger.warn({ err: e }, "batcher step failed; retried"),
  );
  const workers: Worker[] = [
    { name: "tx-policy", stop: () => policy.stop() },
    batching,
    listener,
    ...(delivery ? [delivery] : []),
    ...(sender ? [sender] : []),
    ...(receiver ? [receiver] : []),
  ];
  const service = await createService({
    name: config.name,
    version: "1.0.0",
    logger,
    store,
    metrics,
    http: { bodyLimit: config.http.bodyLimit, rateLimit: config.http.rateLimit },
    readiness: { node: nodeCheck(chain), listener: listenerCheck(listener, 20) },
    workers,
    routes: operatorRoutes({
      config,
      secrets,
      outbox: delivery?.outbox ?? new WebhookOutbox(store),
      notifySender: () => sender?.notify(),
      notifyWebhooks: () => delivery?.notify(),
    }),
  });
  policy.start();
  batching.start();
  listener.start();
  delivery?.start();
  sender?.start();
  receiver?.start();
  return Object.assign(service, { sender, receiver });
}
