/**
 * Runs a committed transaction's after-commit effects in order. The transaction is already durable, so a
 * failing effect must not make its caller believe otherwise: it is reported on the next tick as an
 * uncaught error would be, and the remaining effects still run.
 */
export function runEffects(effects: readonly (() => void)[]): void {
  for (const effect of effects) {
    try {
      effect();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
