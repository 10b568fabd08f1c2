// Group membership over LDAP, shared by the OpenLDAP and Active Directory adapters: checking the
// group DN and department a listing is filtered by (values no group or department can have match
// nothing, rather than reaching the server), the limits on following nested groups, and where to
// look for groups (the naming context that holds the base DN, since groups often live beside the
// people OU rather than under it); for OpenLDAP, following `member` / `uniqueMember` both ways
// (the groups an account is in, the accounts in a group).

import { NyckelError } from '../../domain/errors.ts';
import type { LdapConnection } from './ldap-connection.ts';
import { attributeValues } from './ldap-entry.ts';
import { ldapResultCode } from './ldap-errors.ts';
import { andFilter, equalityFilter, orFilter } from './ldap-filter.ts';

/** How many levels of groups-in-groups are followed (cycles are cut by remembering what was seen). */
export const MAX_GROUP_DEPTH = 8;
/** Most groups read while resolving one group's members or one account's groups. */
export const MAX_GROUPS_VISITED = 1000;
/** Groups named in one search when following nesting level by level (keeps filters a sane size). */
export const GROUPS_PER_SEARCH = 50;

const MAX_DN_LENGTH = 1024;
const MAX_DEPARTMENT_LENGTH = 256;
// An RDN's attribute type: a name or a numeric OID (RFC 4514 section 3).
const ATTRIBUTE_TYPE = '(?:[A-Za-z][A-Za-z0-9-]*|\\d+(?:\\.\\d+)+)';
// A value: any character but an unescaped , + ; or \ (escaped pairs allowed), at least one.
const ATTRIBUTE_VALUE = '(?:[^,+;\\\\]|\\\\.)+';
const RDN = `${ATTRIBUTE_TYPE}\\s*=\\s*${ATTRIBUTE_VALUE}(?:\\s*\\+\\s*${ATTRIBUTE_TYPE}\\s*=\\s*${ATTRIBUTE_VALUE})*`;
const DISTINGUISHED_NAME = new RegExp(`^${RDN}(?:\\s*,\\s*${RDN})*$`, 'u');

/**
 * A group DN to filter by, trimmed; null when it can't be a DN (`*`, `)(uid=*`, a lone `\`, control
 * characters, over 1024 characters). Such a value names no group: the listing is empty. A DN
 * that passes is still escaped wherever it goes into a filter.
 */
export function groupDnFilterValue(value: string): string | null {
  if (typeof value !== 'string' || value.length > MAX_DN_LENGTH) return null;
  const trimmed = value.trim();
  if (trimmed === '' || /\p{Cc}/u.test(trimmed) || !DISTINGUISHED_NAME.test(trimmed)) return null;
  return trimmed;
}

/** A department to filter by (NFC, trimmed); null when no account can have it (empty, control characters, overlong). */
export function departmentFilterValue(value: string): string | null {
  if (typeof value !== 'string' || value.length > MAX_DEPARTMENT_LENGTH * 4) return null;
  const trimmed = value.normalize('NFC').trim();
  if (trimmed === '' || [...trimmed].length > MAX_DEPARTMENT_LENGTH || /\p{Cc}/u.test(trimmed)) return null;
  return trimmed;
}

/** The value of a uniqueMember without its optional `#'0101'B` unique identifier (RFC 4519 2.40). */
export function memberDn(value: string): string {
  const match = /^(.*)#'[01]*'B$/.exec(value);
  return match?.[1] ?? value;
}

/**
 * Where groups are searched: the server's naming context that holds the base DN (AD's
 * defaultNamingContext when that holds it), else the base DN itself. Read from the root DSE.
 */
export async function groupSearchBase(client: LdapConnection['client'], baseDn: string, key: (dn: string) => string): Promise<string> {
  let contexts: string[] = [];
  try {
    const result = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['namingContexts', 'defaultNamingContext'],
    });
    const root = result.searchEntries[0];
    contexts = [...attributeValues(root, 'defaultNamingContext'), ...attributeValues(root, 'namingContexts')];
  } catch (error) {
    // A root DSE the service account may not read: fall back to the base DN.
    if (ldapResultCode(error) === null) throw error;
  }
  const baseKey = key(baseDn);
  const holding = contexts.filter((c) => c !== '' && (baseKey === key(c) || baseKey.endsWith(`,${key(c)}`)));
  // The most specific context that holds the base DN.
  holding.sort((a, b) => b.length - a.length);
  return holding[0] ?? baseDn;
}

/** A DN compared case-insensitively and without spaces around separators (enough for DNs the server returned). */
export function dnKey(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

/** The two group classes that hold members as DNs (`member`, `uniqueMember`). */
const GROUP_FILTER = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';

type Client = LdapConnection['client'];

/**
 * The DNs of the groupOfNames / groupOfUniqueNames entries under `base` that have `dn` as a
 * member, directly or through groups in groups (followed up to MAX_GROUP_DEPTH levels, level by
 * level in searches of GROUPS_PER_SEARCH; a cycle ends where it started).
 */
export async function groupsHolding(client: Client, base: string, dn: string): Promise<string[]> {
  const seen = new Map<string, string>();
  let frontier = [dn];
  for (let depth = 0; depth < MAX_GROUP_DEPTH && frontier.length > 0 && seen.size < MAX_GROUPS_VISITED; depth++) {
    const next: string[] = [];
    for (let start = 0; start < frontier.length; start += GROUPS_PER_SEARCH) {
      const dns = frontier.slice(start, start + GROUPS_PER_SEARCH);
      // Every DN is escaped as a filter value (RFC 4515): a DN with `*` or `)` can't widen the search.
      const memberOf = orFilter(dns.flatMap((member) => [equalityFilter('member', member), equalityFilter('uniqueMember', member)]));
      const result = await client
        .search(base, { scope: 'sub', filter: andFilter([GROUP_FILTER, memberOf]), attributes: ['1.1'], paged: { pageSize: 500 } })
        .catch((error: unknown) => {
          // slapd hides an entry the service account may not read as "no such object": say what to fix.
          if (ldapResultCode(error) !== 32) throw error;
          throw new NyckelError(
            'directory_unavailable',
            `groups are searched from ${base}, which the service account cannot read; give it read on that entry (docs/directory-openldap.md, Groups)`,
            { cause: error },
          );
        });
      for (const entry of result.searchEntries) {
        const key = dnKey(entry.dn);
        if (seen.has(key) || seen.size >= MAX_GROUPS_VISITED) continue;
        seen.set(key, entry.dn);
        next.push(entry.dn);
      }
    }
    frontier = next;
  }
  return [...seen.values()];
}

/**
 * Keys (dnKey) of every DN that is a member of the group, directly or through nested groups
 * (breadth first, at most MAX_GROUP_DEPTH levels and MAX_GROUPS_VISITED groups, cycle-safe).
 * Empty for a DN that is no group. The caller keeps the ones that are accounts under the base DN
 * (`accountKeys`, which are not read again as possible groups).
 */
export async function memberKeys(client: Client, groupDn: string, accountKeys: ReadonlySet<string>): Promise<Set<string>> {
  const members = new Set<string>();
  const visited = new Set<string>();
  let frontier = [groupDn];
  for (let depth = 0; depth <= MAX_GROUP_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const dn of frontier) {
      if (visited.has(dnKey(dn)) || visited.size >= MAX_GROUPS_VISITED) continue;
      visited.add(dnKey(dn));
      const group = await readGroup(client, dn);
      if (group === null) continue;
      for (const value of group) {
        const key = dnKey(value);
        if (members.has(key)) continue;
        members.add(key);
        // A member that is not one of the accounts may be a group: followed on the next level.
        if (!accountKeys.has(key)) next.push(value);
      }
    }
    frontier = next.filter((dn) => !visited.has(dnKey(dn)));
  }
  return members;
}

/** The member DNs of a group entry; null when the DN is no group (or doesn't exist). */
async function readGroup(client: Client, dn: string): Promise<string[] | null> {
  try {
    const result = await client.search(dn, { scope: 'base', filter: GROUP_FILTER, attributes: ['member', 'uniqueMember'] });
    const entry = result.searchEntries[0];
    if (entry === undefined) return null;
    return [...attributeValues(entry, 'member'), ...attributeValues(entry, 'uniqueMember').map(memberDn)];
  } catch (error) {
    // noSuchObject, invalidDNSyntax, a referral (outside the server's suffixes): not a group here.
    const code = ldapResultCode(error);
    if (code === 32 || code === 34 || code === 10) return null;
    throw error;
  }
}
