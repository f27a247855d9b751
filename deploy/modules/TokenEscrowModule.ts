import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import SettlementTokensModule from "./SettlementTokensModule.js";
import TenantRegistryModule from "./TenantRegistryModule.js";

/**
 * The token escrow for SME trade, reading the tenant registry and trusting the platform forwarder.
 *
 * Parameters (TokenEscrowModule):
 * The deployer becomes the escrow's governance admin (DEFAULT_ADMIN_ROLE), as for the registry; hand it to
 * its real holder afterwards (`beginDefaultAdminTransfer`, two steps).
 * - `feeCollector`: the account claimed platform fees are paid to; defaults to the deployer.
 * - `feeBps`: the platform fee of new deals in basis points (at most 1000); defaults to 25 (0.25%).
 * - `feeManager`: the key that may change the fee and the collector (FEE_MANAGER_ROLE); defaults to the deployer.
 * - `arbitrationPeriod`: seconds after a disputed deal's deadline at which, unresolved, anyone may refund it;
 *   defaults to 30 days; at most 90 days (`MAX_ARBITRATION_PERIOD`).
 * The platform's settlement tokens (tHKD, tPHP of `SettlementTokensModule`) are listed for deals from the start;
 * governance lists others with `setSettlementToken`.
 * - `adminTransferDelay`: seconds a governance handover must wait; defaults to 2 days.
 */
export default buildModule("TokenEscrowModule", (m) => {
  const { registry, forwarder } = m.useModule(TenantRegistryModule);
  const { hkd, php } = m.useModule(SettlementTokensModule);

  const admin = m.getAccount(0);
  const adminTransferDelay = m.getParameter("adminTransferDelay", 2n * 24n * 3600n);
  const feeManager = m.getParameter("feeManager", m.getAccount(0));
  const feeCollector = m.getParameter("feeCollector", m.getAccount(0));
  const feeBps = m.getParameter("feeBps", 25n);
  const arbitrationPeriod = m.getParameter("arbitrationPeriod", 30n * 24n * 3600n);

  const escrow = m.contract("TokenEscrow", [
    admin,
    adminTransferDelay,
    registry,
    forwarder,
    feeManager,
    feeCollector,
    feeBps,
    arbitrationPeriod,
    [hkd, php],
  ]);

  return { escrow, registry, forwarder };
});
