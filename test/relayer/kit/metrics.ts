import { expect } from "chai";

import { Wallet } from "ethers";

import { ServiceMetrics } from "../../../relayer/core/kit/metrics.js";
import { ANVIL_KEYS } from "../helpers/anvil.js";
import { type HardhatNode, startHardhatNode } from "../helpers/hardhat-node.js";
import { deployToken, type ManagerHarness, openManager, removeDir, runUntilFinal } from "../helpers/tx-fixtures.js";

describe("Service kit: metrics", function () {
  it("keeps each service's metrics in a registry of its own, labelled with the service", async function () {
    const a = new ServiceMetrics("quotes", { defaultMetrics: false });
    const b = new ServiceMetrics("operator", { defaultMetrics: false });
    a.submitToMinedSeconds.observe(1.2);
    expect(await a.registry.metrics()).to.include('ledgerlink_tx_submit_to_mined_seconds_count{service="quotes"} 1');
    expect(await b.registry.metrics()).to.include('ledgerlink_tx_submit_to_mined_seconds_count{service="operator"} 0');
  });

  describe("bound to a transaction manager on the in-process Hardhat node", function () {
    let node: HardhatNode;
    let manager: ManagerHarness | undefined;
    let closeToken: (() => void) | undefined;

    afterEach(async function () {
      await manager?.close();
      if (manager !== undefined) await removeDir(manager.dir);
      closeToken?.();
      await node?.close();
    });

    it("records queue depth, in-flight count, nonce gap and submit-to-mined time from the manager's hooks", async function () {
      node = await startHardhatNode();
      const deployed = await deployToken(node.url, ANVIL_KEYS[1]);
      closeToken = deployed.close;
      const token = deployed.token;
      const metrics = new ServiceMetrics("operator", { defaultMetrics: false });
      manager = await openManager([node.url], ANVIL_KEYS[1], { metrics: metrics.transactionHooks() });
      const signer = new Wallet(ANVIL_KEYS[1]).address;
      const data = token.interface.encodeFunctionData("mint", [new Wallet(ANVIL_KEYS[2]).address, 5n]);
      const { record } = await manager.manager.submit({
        tenant: "hk",
        idempotencyKey: "metrics-1",
        to: await token.getAddress(),
        data,
      });
      await runUntilFinal(manager, [record.id]);
      await manager.loop.runOnce();

      const text = await metrics.registry.metrics();
      expect(text).to.include('ledgerlink_tx_submit_to_mined_seconds_count{service="operator"} 1');
      expect(text).to.include('ledgerlink_tx_queue_depth{service="operator"} 0');
      expect(text).to.include('ledgerlink_tx_in_flight{service="operator"} 0');
      expect(text).to.match(new RegExp(`ledgerlink_tx_nonce_gap\\{signer="${signer}",service="operator"\\} 0`));
    });
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
