import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import RemittanceSettlementModule from "./RemittanceSettlementModule.js";
import SettlementTokensModule from "./SettlementTokensModule.js";
import TenantRegistryModule from "./TenantRegistryModule.js";
import TokenEscrowModule from "./TokenEscrowModule.js";

/** The whole platform: forwarder, registry, settlement tokens, escrow and remittance settlement. */
export default buildModule("PlatformModule", (m) => {
  const { registry, forwarder } = m.useModule(TenantRegistryModule);
  const { hkd, php } = m.useModule(SettlementTokensModule);
  const { escrow } = m.useModule(TokenEscrowModule);
  const { remittance } = m.useModule(RemittanceSettlementModule);
  return { forwarder, registry, hkd, php, escrow, remittance };
});
