// Group membership over LDAP, shared by the OpenLDAP and Active Directory adapters: checking the
// group DN and department a listing is filtered by (values no group or department can have match
// nothing, rather than reaching the server), the limits on following nested groups, and where to
// look for groups (the naming context that holds the base DN, since groups often live beside the
// people OU rather than under it).

import type { LdapConnection } from './ldap-connection.ts';
import { ldapResultCode } from './ldap-errors.ts';

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
    const values = (name: string) => {
      const entry = root === undefined ? undefined : Object.entries(root).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
      return (Array.isArray(entry) ? entry : entry === undefined ? [] : [entry]).map((v) =>
        Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
      );
    };
    contexts = [...values('defaultNamingContext'), ...values('namingContexts')];
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
