import { emptyTask } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

import { platformTask } from "./lib/task.js";

const tenantOption = {
  name: "tenant",
  description: "Tenant id: a label such as hk-wallet, or 32-byte hex",
  defaultValue: "",
} as const;
const reasonOption = { name: "reason", description: "Operator-defined reason code", defaultValue: "0" } as const;

export const tenantTasks: TaskDefinition[] = [
  emptyTask("tenant", "Onboard and manage tenants in the TenantRegistry").build(),

  platformTask(["tenant", "onboard"], "Onboard a tenant (Pending) with its first admin member")
    .addOption(tenantOption)
    .addOption({ name: "name", description: "Display name of the business", defaultValue: "" })
    .addOption({
      name: "roles",
      description: "Comma-separated: merchant, payment-operator, liquidity-provider, arbiter, sponsor",
      defaultValue: "",
    })
    .addOption({ name: "jurisdiction", description: "ISO 3166-1 alpha-2 code, e.g. HK", defaultValue: "" })
    .addOption({
      name: "kyb",
      description: "KYB attestation: 32-byte hex hash, or a document reference to hash",
      defaultValue: "",
    })
    .addOption({ name: "sponsor", description: "Sponsor (mentor) tenant id, optional", defaultValue: "" })
    .addOption({ name: "admin", description: "Address of the tenant's first admin member", defaultValue: "" })
    .setAction(() => import("./actions/tenant/onboard.js"))
    .build(),

  platformTask(["tenant", "approve"], "Verify a Pending tenant: it becomes Active")
    .addOption(tenantOption)
    .setAction(() => import("./actions/tenant/approve.js"))
    .build(),

  platformTask(["tenant", "suspend"], "Suspend an Active tenant")
    .addOption(tenantOption)
    .addOption(reasonOption)
    .setAction(() => import("./actions/tenant/suspend.js"))
    .build(),

  platformTask(["tenant", "reinstate"], "Return a Suspended tenant to Active")
    .addOption(tenantOption)
    .setAction(() => import("./actions/tenant/reinstate.js"))
    .build(),

  platformTask(["tenant", "offboard"], "Offboard a tenant for good")
    .addOption(tenantOption)
    .addOption(reasonOption)
    .setAction(() => import("./actions/tenant/offboard.js"))
    .build(),

  platformTask(["tenant", "freeze"], "Freeze an Active or Suspended tenant (fraud): no payouts, no withdrawals")
    .addOption(tenantOption)
    .addOption(reasonOption)
    .setAction(() => import("./actions/tenant/freeze.js"))
    .build(),

  platformTask(["tenant", "unfreeze"], "Lift a freeze: the tenant becomes Suspended (reinstate to make it Active)")
    .addOption(tenantOption)
    .setAction(() => import("./actions/tenant/unfreeze.js"))
    .build(),

  platformTask(
    ["tenant", "set-settlement-address"],
    "Set where a tenant's ledger money is swept once no member can withdraw it",
  )
    .addOption(tenantOption)
    .addOption({ name: "address", description: "The tenant's settlement address", defaultValue: "" })
    .setAction(() => import("./actions/tenant/set-settlement-address.js"))
    .build(),

  platformTask(["tenant", "invite"], "Invite an account to become a member of a tenant (it accepts with tenant accept)")
    .addOption(tenantOption)
    .addOption({ name: "account", description: "Address of the invited account", defaultValue: "" })
    .addOption({
      name: "roles",
      description: "Comma-separated roles of the member (a subset of the tenant's, plus treasury and admin)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/tenant/invite.js"))
    .build(),

  platformTask(["tenant", "revoke-invitation"], "Withdraw a tenant's pending invitation of an account")
    .addOption(tenantOption)
    .addOption({ name: "account", description: "Address of the invited account", defaultValue: "" })
    .setAction(() => import("./actions/tenant/revoke-invitation.js"))
    .build(),

  platformTask(["tenant", "accept"], "Accept a tenant's invitation as the signing account")
    .addOption(tenantOption)
    .setAction(() => import("./actions/tenant/accept.js"))
    .build(),

  platformTask(["tenant", "leave"], "Stop acting for one's tenant, as the signing account")
    .setAction(() => import("./actions/tenant/leave.js"))
    .build(),

  platformTask(["tenant", "remove-member"], "Remove a member from its tenant")
    .addOption({ name: "account", description: "Address of the member", defaultValue: "" })
    .setAction(() => import("./actions/tenant/remove-member.js"))
    .build(),

  platformTask(["tenant", "show"], "Show a tenant, or the tenant an account acts for")
    .addOption({ ...tenantOption, description: "Tenant id (or use --account)" })
    .addOption({ name: "account", description: "Show the tenant this account acts for", defaultValue: "" })
    .setAction(() => import("./actions/tenant/show.js"))
    .build(),

  platformTask(["tenant", "list"], "List tenants in onboarding order")
    .addOption({ name: "offset", description: "Index of the first tenant", defaultValue: "0" })
    .addOption({ name: "limit", description: "How many tenants at most", defaultValue: "50" })
    .setAction(() => import("./actions/tenant/list.js"))
    .build(),
];
