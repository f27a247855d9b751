import type { Store } from "../store/store.js";

/** One readiness condition: ok, or a short reason an operator can act on. */
export type ReadyCheck = () => Promise<CheckResult>;

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function failed(error: unknown): CheckResult {
  return { ok: false, detail: error instanceof Error ? error.message : String(error) };
}

/** The store is open and answers a read. */
export function storeCheck(store: Store, timeoutMs = 2000): ReadyCheck {
  return async () => {
    try {
      await withTimeout(
        store.read((q) => q.get("SELECT 1 AS one")),
        timeoutMs,
        "store",
      );
      return { ok: true };
    } catch (error) {
      return failed(error);
    }
  };
}

/** The node answers `eth_blockNumber` (an ethers provider or the chain client both fit). */
export function nodeCheck(chain: { getBlockNumber(): Promise<number> }, timeoutMs = 2000): ReadyCheck {
  return async () => {
    try {
      const head = await withTimeout(chain.getBlockNumber(), timeoutMs, "node");
      return { ok: true, detail: `head ${head}` };
    } catch (error) {
      return failed(error);
    }
  };
}

/** Every subscription of the listener is within `maxLagBlocks` of the head. */
export function listenerCheck(
  listener: { lags(): Promise<readonly { subscription: string; blocks: number }[]> },
  maxLagBlocks: number,
  timeoutMs = 2000,
): ReadyCheck {
  return async () => {
    try {
      const lags = await withTimeout(listener.lags(), timeoutMs, "listener");
      const behind = lags.filter((lag) => lag.blocks > maxLagBlocks);
      if (behind.length === 0) return { ok: true };
      return {
        ok: false,
        detail: behind.map((lag) => `${lag.subscription} ${lag.blocks} blocks behind`).join(", "),
      };
    } catch (error) {
      return failed(error);
    }
  };
}
