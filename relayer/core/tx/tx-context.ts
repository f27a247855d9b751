import type { Wallet } from "ethers";

import type { ChainClient } from "../chain/chain-client.js";
import type { Store } from "../store/store.js";
import type { FeePolicy } from "./fee-policy.js";
import type { TxMetrics } from "./metrics.js";
import type { DecodeRevert } from "./types.js";

/** A pino-compatible subset, so the kit's logger plugs in and tests can pass a silent one. */
export interface TxLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const SILENT_LOGGER: TxLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** Everything the API and the policy loop share; one signer key per manager. */
export interface TxManagerOptions {
  store: Store;
  chain: ChainClient;
  /** The hot key; never logged. Only `address` and `signTransaction` are used. */
  wallet: Pick<Wallet, "address" | "signTransaction">;
  chainId: bigint;
  feePolicy: FeePolicy;
  /** Blocks on top of the receipt's block, the receipt's own included, before a request is final (≥ 1). */
  confirmations?: number;
  decodeRevert?: DecodeRevert;
  metrics?: TxMetrics;
  logger?: TxLogger;
  /** Loop period. */
  pollIntervalMs?: number;
  /** After this long without a receipt, check that the transaction is still in the pool; re-broadcast if not. */
  resendAfterMs?: number;
  /** After this long without a receipt, replace the transaction with higher fees (where the policy can). */
  stuckAfterMs?: number;
  /** At most this many requests with a nonce and no final status. */
  maxInFlight?: number;
  /** Gas limit = estimate × this / 100. */
  gasMarginPercent?: number;
}

export interface TxContext {
  store: Store;
  chain: ChainClient;
  wallet: Pick<Wallet, "address" | "signTransaction">;
  signer: string;
  chainId: bigint;
  feePolicy: FeePolicy;
  confirmations: number;
  decodeRevert: DecodeRevert;
  metrics: TxMetrics;
  logger: TxLogger;
  pollIntervalMs: number;
  resendAfterMs: number;
  stuckAfterMs: number;
  maxInFlight: number;
  gasMarginPercent: bigint;
}
