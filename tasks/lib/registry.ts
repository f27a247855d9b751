/** Registry tables and formats, from the client (one table each); re-exported for the tasks. */
import { nameOf, TenantStatus } from "../../client/enums.js";

export { formatRoles, parseRoles, Roles, type RoleName } from "../../client/roles.js";
export { TenantStatus } from "../../client/enums.js";
export { escapeText, formatId, formatJurisdiction, parseJurisdiction } from "../../client/text.js";

export function formatStatus(status: bigint | number): string {
  return nameOf(TenantStatus, status);
}
