import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The ERC-2771 forwarder that every business contract trusts. */
export default buildModule("ForwarderModule", (m) => {
  const forwarder = m.contract("PlatformForwarder");
  return { forwarder };
});
