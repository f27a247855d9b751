import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import TenantRegistryModule from "./TenantRegistryModule.js";

/**
 * Remittance settlement (corridors, the settlement ledger, HK -> PH remittances), checked against the
 * tenant registry and trusting the platform forwarder. It needs no token at deployment: corridors name
 * their tokens when the platform operator opens them (`remit corridor open`).
 *
 * Parameters (RemittanceSettlementModule):
 * - `operator`: the platform operator's key (OPERATOR_ROLE: opens and updates corridors); defaults to the deployer.
 * - `feeCollector`: the address that may withdraw platform fees; defaults to the deployer.
 * - `admin`: governance (DEFAULT_ADMIN_ROLE: grants OPERATOR_ROLE, changes the fee collector); defaults to
 *   the deployer. In production, a multisig or timelock.
 */
export default buildModule("RemittanceSettlementModule", (m) => {
  const { registry, forwarder } = m.useModule(TenantRegistryModule);

  const admin = m.getParameter("admin", m.getAccount(0));
  const operator = m.getParameter("operator", m.getAccount(0));
  const feeCollector = m.getParameter("feeCollector", m.getAccount(0));

  const remittance = m.contract("RemittanceSettlement", [admin, operator, feeCollector, registry, forwarder]);

  return { remittance, registry, forwarder };
});
