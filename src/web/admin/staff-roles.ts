// Staff roles: `helpdesk` and `admin`, held by the usernames and directory groups named in the
// configuration (admin.roles). An administrator can do everything the helpdesk can.

import type { Config } from '../../config/schema.ts';
import type { DirectoryAccount } from '../../directory/directory.ts';

export const staffRoles = ['helpdesk', 'admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** The directory groups an account belongs to (names or DNs, as the adapter reports them). */
export type GroupsOf = (account: DirectoryAccount) => Promise<readonly string[]>;

/** Lower-cased, and for a DN also the value of its first RDN, so `Helpdesk` matches `CN=Helpdesk,OU=…`. */
function groupKeys(group: string): string[] {
  const lower = group.trim().toLowerCase();
  const rdn = /^[a-z][a-z0-9-]*=((?:\\.|[^,\\])+),/i.exec(lower);
  return rdn?.[1] === undefined ? [lower] : [lower, rdn[1]];
}

function grants(
  grant: { users: readonly string[]; groups: readonly string[] },
  account: DirectoryAccount,
  groups: readonly string[],
): boolean {
  const username = account.username.toLowerCase();
  if (grant.users.some((user) => user.toLowerCase() === username)) return true;
  if (grant.groups.length === 0 || groups.length === 0) return false;
  const held = new Set(groups.flatMap(groupKeys));
  // A configured DN must match a held DN exactly; a configured plain name matches a group's name.
  return grant.groups.some((configured) => held.has(configured.trim().toLowerCase()));
}

/** The roles the configuration gives this account. Asks the directory for groups only when a role is granted by group. */
export async function staffRolesOf(config: Pick<Config, 'admin'>, account: DirectoryAccount, groupsOf: GroupsOf): Promise<Set<StaffRole>> {
  const { roles } = config.admin;
  const byGroup = roles.helpdesk.groups.length > 0 || roles.admin.groups.length > 0;
  const groups = byGroup ? await groupsOf(account) : [];
  const held = new Set<StaffRole>();
  if (grants(roles.admin, account, groups)) held.add('admin').add('helpdesk');
  else if (grants(roles.helpdesk, account, groups)) held.add('helpdesk');
  return held;
}

/** True when any role is configured at all (else the staff area has no one to serve). */
export function anyStaffConfigured(config: Pick<Config, 'admin'>): boolean {
  const { helpdesk, admin } = config.admin.roles;
  return [helpdesk, admin].some((grant) => grant.users.length > 0 || grant.groups.length > 0);
}
