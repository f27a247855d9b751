import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import { deploySettlementToken } from "../../fixtures/contracts.js";
import type { GasRow } from "./types.js";

/**
 * The yardstick of every gas target: a plain ERC-20 `transfer` of a settlement token between two
 * accounts that both already hold it (no zero-to-non-zero storage write), measured in the same run.
 */
export async function measureTransferBaseline(ethers: HardhatEthers): Promise<GasRow> {
  const [, , issuer, alice, bob] = await ethers.getSigners();
  if (issuer === undefined || alice === undefined || bob === undefined) throw new Error("need 5 accounts");
  const [deployer] = await ethers.getSigners();
  const token = await deploySettlementToken(deployer!, {
    name: "Baseline HKD",
    symbol: "bHKD",
    currency: "HKD",
    issuer,
  });
  await token.connect(issuer).mint(alice.address, 1_000_000n);
  await token.connect(issuer).mint(bob.address, 1_000_000n);
  const tx = await token.connect(alice).transfer(bob.address, 12_345n);
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("baseline transfer not mined");
  return { group: "baseline", operation: "ERC-20 transfer between two holders", gasUsed: receipt.gasUsed };
}
