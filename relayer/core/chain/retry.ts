/** A bounded exponential backoff: attempt n waits min(initial × factor^(n-1), max) before retrying. */
export interface RetryPolicy {
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Total attempts including the first; at least 1. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 100, factor: 2, maxDelayMs: 2_000, maxAttempts: 5 };

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1), policy.maxDelayMs);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, `shouldRetry` says no, or the attempts are spent; the last error is thrown.
 * `fn` receives the attempt number (1-based).
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  shouldRetry: (error: unknown) => boolean,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const attempts = Math.max(1, Math.trunc(policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !shouldRetry(error)) throw error;
      await sleep(backoffDelay(policy, attempt));
    }
  }
}
