import { emptyTask } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

import { gaslessFlag, relayerOption } from "./lib/gasless-options.js";
import { platformTask } from "./lib/task.js";

const dealOption = {
  name: "deal",
  description: "Deal id (32-byte hex, as `escrow open` printed it)",
  defaultValue: "",
} as const;

/** `escrow ...` tasks: SME trade payments held in escrow until delivery. */
export const escrowTasks: TaskDefinition[] = [
  emptyTask("escrow", "Hold SME trade payments in escrow until delivery (TokenEscrow)").build(),

  platformTask(["escrow", "open"], "Open a deal as the payer (--from) and fund it in the same transaction")
    .addOption({ name: "payee", description: "Address of the seller (a member of an active tenant)", defaultValue: "" })
    .addOption({ name: "amount", description: "Total amount in token units, e.g. 12500.00", defaultValue: "" })
    .addOption({ name: "token", description: "tHKD, tPHP or a token address", defaultValue: "tHKD" })
    .addOption({
      name: "deadline",
      description: "Time from now until the deadline: 90s, 15m, 2h or 7d",
      defaultValue: "7d",
    })
    .addOption({
      name: "arbiter",
      description: "Arbiter address (a member of an Arbiter tenant), optional",
      defaultValue: "",
    })
    .addOption({
      name: "milestones",
      description: "Comma-separated milestone amounts adding up to --amount, e.g. 2500,10000, optional",
      defaultValue: "",
    })
    .addOption({ name: "hashlock", description: "Hash of the seller's 32-byte secret, optional", defaultValue: "" })
    .addOption({
      name: "hashFunction",
      description: "Hash of the hashlock: keccak256 or sha256",
      defaultValue: "keccak256",
    })
    .addOption({
      name: "reference",
      description: "Invoice or purchase order: 32-byte hex hash, or a reference to hash",
      defaultValue: "",
    })
    .addOption({
      name: "salt",
      description: "Number telling apart deals with otherwise equal terms; random when empty",
      defaultValue: "",
    })
    .addFlag({ name: "permit", description: "Fund with an EIP-2612 permit signature instead of a prior approval" })
    .addFlag(gaslessFlag)
    .addOption(relayerOption)
    .setAction(() => import("./actions/escrow/open.js"))
    .build(),

  platformTask(["escrow", "release"], "Release all that a deal still holds to the payee (payer only)")
    .addOption(dealOption)
    .addFlag(gaslessFlag)
    .addOption(relayerOption)
    .setAction(() => import("./actions/escrow/release.js"))
    .build(),

  platformTask(["escrow", "release-milestone"], "Release the next milestone of a deal to the payee (payer only)")
    .addOption(dealOption)
    .setAction(() => import("./actions/escrow/release-milestone.js"))
    .build(),

  platformTask(["escrow", "claim"], "Pay a hashlocked deal to its payee against the secret (before the deadline)")
    .addOption(dealOption)
    .addOption({ name: "secret", description: "The 32-byte secret (0x and 64 hex digits)", defaultValue: "" })
    .setAction(() => import("./actions/escrow/claim.js"))
    .build(),

  platformTask(
    ["escrow", "refund"],
    "Return what a deal holds to the payer: the payee at any time, anyone after the deadline",
  )
    .addOption(dealOption)
    .setAction(() => import("./actions/escrow/refund.js"))
    .build(),

  platformTask(["escrow", "dispute"], "Dispute a deal that names an arbiter (payer or payee, before the deadline)")
    .addOption(dealOption)
    .setAction(() => import("./actions/escrow/dispute.js"))
    .build(),

  platformTask(["escrow", "resolve"], "Split a disputed deal between payee and payer (arbiter only)")
    .addOption(dealOption)
    .addOption({ name: "payeeBps", description: "The payee's share in basis points, 0 to 10000", defaultValue: "" })
    .setAction(() => import("./actions/escrow/resolve.js"))
    .build(),

  platformTask(["escrow", "show"], "Show a deal: terms, status, what was released and what remains")
    .addOption(dealOption)
    .setAction(() => import("./actions/escrow/show.js"))
    .build(),

  platformTask(["escrow", "list"], "List the deals of a tenant, as payer and as payee")
    .addOption({
      name: "tenant",
      description: "Tenant id: a label such as sme-tea-house, or 32-byte hex",
      defaultValue: "",
    })
    .setAction(() => import("./actions/escrow/list.js"))
    .build(),
];
