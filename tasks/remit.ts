import { emptyTask } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

import { gaslessFlag, relayerOption } from "./lib/gasless-options.js";
import { platformTask } from "./lib/task.js";

const corridorOption = {
  name: "corridor",
  description: "Corridor id: a label such as HKD-PHP, or 32-byte hex",
  defaultValue: "",
} as const;
const idOption = {
  name: "id",
  description: "Remittance id (32-byte hex, as `remit send` printed it)",
  defaultValue: "",
} as const;
const tokenOption = { name: "token", description: "Token: HKD, PHP or a token address", defaultValue: "" } as const;
const amountOption = { name: "amount", description: "Amount in token units, e.g. 1250.50", defaultValue: "" } as const;

/** Corridor terms, shared by `open` (where they are required) and `update` (where empty keeps the current value). */
function corridorTerms(builder: ReturnType<typeof platformTask>, update: boolean) {
  const keep = update ? " (empty: keep)" : "";
  return builder
    .addOption({ name: "provider", description: `Liquidity provider tenant id${keep}`, defaultValue: "" })
    .addOption({ name: "min", description: `Smallest source amount of one remittance${keep}`, defaultValue: "" })
    .addOption({ name: "max", description: `Largest source amount of one remittance${keep}`, defaultValue: "" })
    .addOption({
      name: "dailyCap",
      description: `Most source amount one sending operator may send per UTC day${keep}`,
      defaultValue: "",
    })
    .addOption({
      name: "feeFixed",
      description: `Fixed platform fee, in source-token units${update ? keep : " (default 0)"}`,
      defaultValue: "",
    })
    .addOption({
      name: "feeBps",
      description: `Platform fee in basis points of the amount, at most 1000${update ? keep : " (default 0)"}`,
      defaultValue: "",
    })
    .addOption({
      name: "window",
      description: `How long a remittance may stay pending after its quote expires, e.g. 1h${update ? keep : " (default 1h)"}`,
      defaultValue: "",
    })
    .addOption({
      name: "receiverWindow",
      description: `Least time the receiver gets between initiation and the deadline, e.g. 10m${update ? keep : " (default 10m, at most the window)"}`,
      defaultValue: "",
    });
}

export const remitTasks: TaskDefinition[] = [
  emptyTask("remit", "Remittance settlement: corridors, liquidity, quotes and remittances").build(),

  emptyTask(["remit", "corridor"], "Open, update and show remittance corridors").build(),

  corridorTerms(platformTask(["remit", "corridor", "open"], "Open a corridor (platform operator)"), false)
    .addOption(corridorOption)
    .addOption({ name: "source", description: "Source token: HKD, PHP or an address", defaultValue: "" })
    .addOption({ name: "destination", description: "Destination token: HKD, PHP or an address", defaultValue: "" })
    .addFlag({ name: "disabled", description: "Open it disabled (no new remittances until enabled)" })
    .setAction(() => import("./actions/remit/corridor-open.js"))
    .build(),

  corridorTerms(
    platformTask(["remit", "corridor", "update"], "Change a corridor's provider, limits, fee, window or status"),
    true,
  )
    .addOption(corridorOption)
    .addOption({ name: "enabled", description: "true or false (empty: keep)", defaultValue: "" })
    .setAction(() => import("./actions/remit/corridor-update.js"))
    .build(),

  platformTask(["remit", "corridor", "show"], "Show one corridor, or all of them")
    .addOption({ ...corridorOption, description: "Corridor id (empty: every corridor)" })
    .setAction(() => import("./actions/remit/corridor-show.js"))
    .build(),

  emptyTask(["remit", "liquidity"], "Fund, draw and show settlement-ledger balances").build(),

  platformTask(["remit", "liquidity", "deposit"], "Deposit tokens into your tenant's settlement ledger")
    .addOption(tokenOption)
    .addOption(amountOption)
    .setAction(() => import("./actions/remit/liquidity-deposit.js"))
    .build(),

  platformTask(["remit", "liquidity", "withdraw"], "Withdraw available tokens from your tenant's settlement ledger")
    .addOption(tokenOption)
    .addOption(amountOption)
    .addOption({ name: "to", description: "Recipient address (default: the signer)", defaultValue: "" })
    .setAction(() => import("./actions/remit/liquidity-withdraw.js"))
    .build(),

  platformTask(["remit", "liquidity", "show"], "Show a tenant's ledger balances, locks, reservations and fees")
    .addOption({ name: "tenant", description: "Tenant id (default: the signer's tenant)", defaultValue: "" })
    .setAction(() => import("./actions/remit/liquidity-show.js"))
    .build(),

  platformTask(["remit", "quote"], "Sign a firm FX quote as a member of the corridor's liquidity provider")
    .addOption(corridorOption)
    .addOption({ name: "sender", description: "Sending operator tenant id the quote is for", defaultValue: "" })
    .addOption({
      name: "receiver",
      description: "Receiving operator tenant id the quote pays out to",
      defaultValue: "",
    })
    .addOption({
      name: "holdFor",
      description: "Latest remittance deadline the provider accepts, from now, e.g. 1h (default: expiry + window)",
      defaultValue: "",
    })
    .addOption({
      name: "clientRef",
      description: "The sending operator's payment reference: 32-byte hex, or text to hash",
      defaultValue: "",
    })
    .addOption({ ...amountOption, description: "Source amount, fee excluded, e.g. 1000.00" })
    .addOption({ name: "rate", description: "Destination units per source unit, e.g. 7.2315", defaultValue: "" })
    .addOption({ name: "spreadBps", description: "Provider's spread off the rate, in basis points", defaultValue: "0" })
    .addOption({
      name: "destinationAmount",
      description: "Destination amount, instead of --rate",
      defaultValue: "",
    })
    .addOption({ name: "expiresIn", description: "Validity, e.g. 90s, 5m", defaultValue: "5m" })
    .addOption({ name: "out", description: "File to write the signed quote to (default: print it)", defaultValue: "" })
    .setAction(() => import("./actions/remit/quote.js"))
    .build(),

  platformTask(["remit", "send"], "Initiate a remittance with a signed quote (sending operator)")
    .addOption({ name: "quote", description: "Signed quote file written by `remit quote`", defaultValue: "" })
    .addOption({
      name: "to",
      description: "Receiving operator tenant id (optional: the quote names it; checked when given)",
      defaultValue: "",
    })
    .addOption({
      name: "recipient",
      description: "Recipient reference (identity and account, kept off chain): 32-byte hex, or text to hash",
      defaultValue: "",
    })
    .addOption({
      name: "compliance",
      description: "Travel-rule data reference (kept off chain): 32-byte hex, or text to hash",
      defaultValue: "",
    })
    .addOption({
      name: "deadline",
      description: "Time to confirm the payout before refund, e.g. 30m",
      defaultValue: "30m",
    })
    .addFlag({ name: "pull", description: "Pull amount and fee from the signer's wallet instead of the ledger" })
    .setAction(() => import("./actions/remit/send.js"))
    .build(),

  platformTask(["remit", "confirm"], "Confirm a payout you made (receiving operator): settles both legs")
    .addOption(idOption)
    .addOption({
      name: "payoutRef",
      description: "Your reference of the payout: 32-byte hex, or text to hash",
      defaultValue: "",
    })
    .addFlag(gaslessFlag)
    .addOption(relayerOption)
    .setAction(() => import("./actions/remit/confirm.js"))
    .build(),

  platformTask(["remit", "reject"], "Reject a remittance (receiving operator): refunds the sender")
    .addOption(idOption)
    .addOption({ name: "reason", description: "Reason code, e.g. 17 for recipient account closed", defaultValue: "0" })
    .setAction(() => import("./actions/remit/reject.js"))
    .build(),

  platformTask(["remit", "refund"], "Refund a remittance whose deadline passed unconfirmed (anyone)")
    .addOption(idOption)
    .setAction(() => import("./actions/remit/refund.js"))
    .build(),

  platformTask(["remit", "status"], "Show a remittance and its status path")
    .addOption({ ...idOption, description: "Remittance id (or --sender with --client-ref)" })
    .addOption({ name: "sender", description: "Sending operator tenant id, with --client-ref", defaultValue: "" })
    .addOption({ name: "clientRef", description: "The sending operator's reference, with --sender", defaultValue: "" })
    .setAction(() => import("./actions/remit/status.js"))
    .build(),

  platformTask(["remit", "list"], "List the remittances a tenant sent or received")
    .addOption({ name: "tenant", description: "Tenant id", defaultValue: "" })
    .addOption({ name: "role", description: "sender, receiver or any", defaultValue: "any" })
    .setAction(() => import("./actions/remit/list.js"))
    .build(),

  platformTask(
    ["remit", "sweep"],
    "Sweep the ledger balance of a tenant its members can no longer withdraw to its settlement address",
  )
    .addOption({ name: "tenant", description: "Tenant id (offboarded, or without a ledger role)", defaultValue: "" })
    .addOption(tokenOption)
    .setAction(() => import("./actions/remit/sweep.js"))
    .build(),

  platformTask(["remit", "fees"], "Withdraw platform fees accrued in a provider's ledger entry (fee collector)")
    .addOption({ name: "provider", description: "Provider tenant id whose entry holds the fees", defaultValue: "" })
    .addOption(tokenOption)
    .addOption({ ...amountOption, description: "Amount in token units (default: all accrued)" })
    .addOption({ name: "to", description: "Recipient address (default: the signer)", defaultValue: "" })
    .setAction(() => import("./actions/remit/fees.js"))
    .build(),
];
