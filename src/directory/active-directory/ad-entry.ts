// Reading and changing Active Directory entries as ldapts returns them: one entry by DN, a
// value as text, and the modifications (unicodePwd goes as bytes, so a change takes a Buffer).

import { Attribute, type Change, type Entry, Change as LdapChange } from 'ldapts';
import type { LdapConnection } from '../ldap/ldap-connection.ts';
import { ldapResultCode } from '../ldap/ldap-errors.ts';

// LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups too.
export const IN_CHAIN = '1.2.840.113556.1.4.1941';

/** Reads one entry by DN (base scope) matching `filter`; null when there is none. */
export async function searchBase(
  client: LdapConnection['client'],
  dn: string,
  filter: string | null,
  attributes: string[],
): Promise<Entry | null> {
  try {
    const result = await client.search(dn, {
      scope: 'base',
      filter: filter ?? '(objectClass=*)',
      attributes,
      explicitBufferAttributes: ['objectGUID'],
    });
    return result.searchEntries[0] ?? null;
  } catch (error) {
    // noSuchObject, invalidDNSyntax: the id names nothing.
    if (ldapResultCode(error) === 32 || ldapResultCode(error) === 34) return null;
    throw error;
  }
}

export function replace(type: string, value: string | Buffer): Change {
  const values = typeof value === 'string' ? [value] : [value];
  return new LdapChange({ operation: 'replace', modification: new Attribute({ type, values }) });
}

export function add(type: string, value: Buffer): Change {
  return new LdapChange({ operation: 'add', modification: new Attribute({ type, values: [value] }) });
}

export function remove(type: string, value: Buffer): Change {
  return new LdapChange({ operation: 'delete', modification: new Attribute({ type, values: [value] }) });
}

export function first(value: Entry[string] | undefined): string | undefined {
  const one = Array.isArray(value) ? value[0] : value;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : one;
}

export function text(value: Entry[string] | undefined): string | null {
  const one = first(value);
  return one === undefined || one === '' ? null : one;
}
