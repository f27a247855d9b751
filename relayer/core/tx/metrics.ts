/**
 * What the manager reports; the service kit binds it to its prom-client registry (gauges and a
 * histogram). The manager calls these, it never imports prom-client itself.
 */
export interface TxMetrics {
  /** Requests waiting for a nonce. */
  queueDepth(count: number): void;
  /** Requests with a nonce whose outcome is not final. */
  inFlight(count: number): void;
  /** Next nonce in the store minus the chain's pending count for the signer (0 when in step). */
  nonceGap(signer: string, gap: number): void;
  /** From the first broadcast to the receipt, in ms. */
  submitToMined(ms: number): void;
}

export const NO_METRICS: TxMetrics = {
  queueDepth: () => {},
  inFlight: () => {},
  nonceGap: () => {},
  submitToMined: () => {},
};
