import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";

import { Roles } from "../../client/roles.js";
import { deployRegistry } from "../../fixtures/contracts.js";
import type { GasRow } from "./types.js";

async function gas(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction not mined");
  return receipt.gasUsed;
}

/** Gas of the registry's operations, and of the check every business call pays. */
export async function measureRegistryGas(ethers: HardhatEthers): Promise<GasRow[]> {
  const [admin, operator, tenantAdmin, member] = await ethers.getSigners();
  if (admin === undefined || operator === undefined || tenantAdmin === undefined || member === undefined) {
    throw new Error("need 4 accounts");
  }
  const registry = await deployRegistry(admin, { admin, operator });
  const asOperator = registry.connect(operator);
  const tenant = encodeBytes32String("gas-sme");
  const rows: GasRow[] = [];
  const row = (operation: string, gasUsed: bigint) => rows.push({ group: "registry", operation, gasUsed });

  row(
    "onboard (with first admin member)",
    await gas(
      asOperator.onboard({
        tenantId: tenant,
        name: "Kowloon Tea House",
        roles: Roles.merchant,
        jurisdiction: "0x484b",
        kybHash: keccak256(toUtf8Bytes("kyb")),
        sponsor: ethers.ZeroHash,
        admin: tenantAdmin.address,
      }),
    ),
  );
  row("approve", await gas(asOperator.approve(tenant)));
  row(
    "inviteMember (by tenant admin)",
    await gas(registry.connect(tenantAdmin).inviteMember(tenant, member.address, Roles.merchant)),
  );
  row("acceptMembership (by the invited account)", await gas(registry.connect(member).acceptMembership(tenant)));
  row("suspend", await gas(asOperator.suspend(tenant, 1)));
  row("reinstate", await gas(asOperator.reinstate(tenant)));
  // What a business contract pays per check: the call's own gas, without the 21000 of a transaction.
  const check = await registry.requireActiveMember.estimateGas(member.address, Roles.merchant);
  row("requireActiveMember (view, per business call, excl. 21000 base)", check - 21_000n);
  row("removeMember", await gas(registry.connect(tenantAdmin).removeMember(member.address)));
  row("offboard", await gas(asOperator.offboard(tenant, 2)));
  return rows;
}
