import { expect } from "chai";

import { ServiceMetrics } from "../../../relayer/core/kit/metrics.js";

describe("Service kit: metrics", function () {
  it("keeps each service's metrics in a registry of its own, labelled with the service", async function () {
    const a = new ServiceMetrics("quotes", { defaultMetrics: false });
    const b = new ServiceMetrics("operator", { defaultMetrics: false });
    a.submitToMinedSeconds.observe(1.2);
    expect(await a.registry.metrics()).to.include('ledgerlink_tx_submit_to_mined_seconds_count{service="quotes"} 1');
    expect(await b.registry.metrics()).to.include('ledgerlink_tx_submit_to_mined_seconds_count{service="operator"} 0');
  });

  it("reads queue depth, in-flight count and nonce gaps from the bound transaction manager when scraped", async function () {
    const metrics = new ServiceMetrics("operator", { defaultMetrics: false });
    let queued = 3;
    metrics.bindTransactions({
      queueDepth: () => queued,
      inFlight: async () => 2,
      nonceGaps: () => [{ signer: "0xabc", gap: 1 }],
    });
    const first = await metrics.registry.metrics();
    expect(first).to.include('ledgerlink_tx_queue_depth{service="operator"} 3');
    expect(first).to.include('ledgerlink_tx_in_flight{service="operator"} 2');
    expect(first).to.include('ledgerlink_tx_nonce_gap{signer="0xabc",service="operator"} 1');
    queued = 0;
    expect(await metrics.registry.metrics()).to.include('ledgerlink_tx_queue_depth{service="operator"} 0');
  });

  it("makes end-to-end latency histograms for a service's own flows", async function () {
    const metrics = new ServiceMetrics("operator", { defaultMetrics: false });
    const latency = metrics.latency("remittance_paid_out", "request to paid out");
    latency.observe(2.5);
    const text = await metrics.registry.metrics();
    expect(text).to.include('ledgerlink_remittance_paid_out_seconds_bucket{le="3",service="operator"} 1');
    expect(text).to.include('ledgerlink_remittance_paid_out_seconds_bucket{le="2",service="operator"} 0');
  });
});
