// What the adapter needs to know about the domain itself, read with the service account and
// kept for a few minutes: the lockout duration and history length of the domain policy, and
// the groups whose members are privileged (the protected groups by their well-known SIDs, and
// the configured ones, which must exist: a misspelt one stops the service).

import type { Clock } from '../../domain/clock.ts';
import { NyckelError } from '../../domain/errors.ts';
import type { LdapConnection } from '../ldap/ldap-connection.ts';
import { ldapResultCode } from '../ldap/ldap-errors.ts';
import { escapeFilterValue, orFilter } from '../ldap/ldap-filter.ts';
import { first, IN_CHAIN, searchBase, text } from './ad-entry.ts';
import { protectedGroupSids, sidToString } from './ad-sid.ts';
import { parseLargeInteger } from './ad-time.ts';

/** Primary groups that make an account privileged (Domain Admins, Schema Admins, Enterprise Admins). */
const PRIVILEGED_PRIMARY_GROUPS = ['512', '518', '519'];

export interface DomainFacts {
  lockoutDuration: bigint | null;
  historyLength: number;
  /** DNs of the groups whose members are privileged: the protected groups and the configured ones. */
  privilegedGroupDns: string[];
  readAt: number;
}

/** Reads the domain's facts over `client`; `privilegedGroups` are the configured group DNs. */
export async function readDomainFacts(
  client: LdapConnection['client'],
  privilegedGroups: readonly string[],
  clock: Clock,
): Promise<DomainFacts> {
  const root = (await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] })).searchEntries[0];
  const domainDn = text(root?.defaultNamingContext);
  if (domainDn === null)
    throw new NyckelError(
      'directory_unavailable',
      'the directory does not name its domain (no defaultNamingContext): is it Active Directory?',
    );
  const domain = (
    await client.search(domainDn, {
      scope: 'base',
      attributes: ['lockoutDuration', 'pwdHistoryLength', 'objectSid'],
      explicitBufferAttributes: ['objectSid'],
    })
  ).searchEntries[0];
  const sidValue = domain?.objectSid;
  const domainSid = Buffer.isBuffer(sidValue) ? sidToString(sidValue) : null;
  if (domain === undefined || domainSid === null)
    throw new NyckelError('directory_unavailable', `the domain object ${domainDn} could not be read`);
  const groups = await client.search(domainDn, {
    scope: 'sub',
    filter: orFilter(protectedGroupSids(domainSid).map((sid) => `(objectSid=${escapeFilterValue(sid)})`)),
    attributes: ['objectClass'],
  });
  const privilegedGroupDns = [...groups.searchEntries.map((entry) => entry.dn)];
  for (const configured of privilegedGroups) {
    const group = await searchBase(client, configured, '(objectClass=group)', ['objectClass']).catch((error: unknown) => {
      if (ldapResultCode(error) === 32 || ldapResultCode(error) === 34) return null;
      throw error;
    });
    // Fail closed: a misspelt privileged group must stop the service, not silently let its members through.
    if (group === null)
      throw new NyckelError(
        'directory_unavailable',
        `directory.privilegedGroups names ${configured}, which is not a group in the directory`,
      );
    privilegedGroupDns.push(group.dn);
  }
  return {
    lockoutDuration: parseLargeInteger(first(domain.lockoutDuration)),
    historyLength: Number(first(domain.pwdHistoryLength) ?? '0'),
    privilegedGroupDns,
    readAt: clock.now().getTime(),
  };
}

/** `(|(adminCount=1)(primaryGroupID=512)…(memberOf:IN_CHAIN:=group)…)`: matches privileged accounts. */
export function privilegedFilter(domain: DomainFacts): string {
  return orFilter([
    '(adminCount=1)',
    ...PRIVILEGED_PRIMARY_GROUPS.map((rid) => `(primaryGroupID=${rid})`),
    ...domain.privilegedGroupDns.map((dn) => `(memberOf:${IN_CHAIN}:=${escapeFilterValue(dn)})`),
  ]);
}
