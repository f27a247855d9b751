import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";

import ForwarderModule from "./ForwarderModule.js";

/**
 * The tenant registry, trusting the platform forwarder.
 *
 * Parameters (TenantRegistryModule):
 * The deployer becomes the governance admin (DEFAULT_ADMIN_ROLE) so that it can grant the operator
 * role here; hand governance to its real holder afterwards (`beginDefaultAdminTransfer`, two steps).
 * - `adminTransferDelay`: seconds a governance handover must wait; defaults to 2 days.
 * - `operator`: the platform operator's key (OPERATOR_ROLE); defaults to the deployer.
 */
export default buildModule("TenantRegistryModule", (m) => {
  const { forwarder } = m.useModule(ForwarderModule);

  const admin = m.getAccount(0);
  const adminTransferDelay = m.getParameter("adminTransferDelay", 2n * 24n * 3600n);
  const operator = m.getParameter("operator", m.getAccount(0));

  const registry = m.contract("TenantRegistry", [admin, adminTransferDelay, forwarder]);
  m.call(registry, "grantRole", [id("OPERATOR_ROLE"), operator], { id: "GrantOperatorRole" });

  return { registry, forwarder };
});
