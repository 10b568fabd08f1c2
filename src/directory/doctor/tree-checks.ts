// The doctor's checks of the directory tree, through a bound service account: the base DN exists,
// the user filter finds accounts (counted up to a cap), every privileged group can be read, and
// the adapter can page through all accounts (campaigns, reports and expiry reminders need it).

import type { Client } from 'ldapts';
import type { Directory } from '../directory.ts';
import type { LdapSettings } from '../ldap/ldap-config.ts';
import { ldapResultCode } from '../ldap/ldap-errors.ts';
import { configuredFilter } from '../ldap/ldap-filter.ts';
import { type CheckResult, describeError, fail, ok } from './check-result.ts';

/** The user filter check counts this many accounts at most (a big directory is not read in full). */
export const ACCOUNT_COUNT_CAP = 1000;

/** Reads the entry itself and none of its attributes: throws when it does not exist or may not be seen. */
async function readEntry(client: Client, dn: string): Promise<void> {
  await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
}

/** Base DN, user filter and privileged groups; stops after the base DN when that fails. */
export async function checkTree(client: Client, settings: LdapSettings): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    await readEntry(client, settings.baseDn);
    results.push(ok('base DN', `${settings.baseDn} exists`));
  } catch (error) {
    const code = ldapResultCode(error);
    results.push(
      fail(
        'base DN',
        code === 32
          ? `${settings.baseDn} does not exist (or the service account may not see it)`
          : `cannot be read: ${describeError(error)}`,
        'check directory.ldap.baseDn, and that the service account may read it',
      ),
    );
    return results;
  }
  const filter = settings.userFilter === null ? '(objectClass=*)' : configuredFilter(settings.userFilter);
  try {
    const found = await client.search(settings.baseDn, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: ACCOUNT_COUNT_CAP });
    const count = found.searchEntries.length;
    results.push(
      count === 0
        ? fail(
            'user filter',
            `${filter} finds no accounts under ${settings.baseDn}`,
            'check directory.ldap.baseDn and userFilter, and that the service account may read the user entries',
          )
        : ok('user filter', `${filter} finds ${count} account(s)`),
    );
  } catch (error) {
    // Result 4 (sizeLimitExceeded): more accounts than we count, which is fine.
    if (ldapResultCode(error) === 4)
      results.push(ok('user filter', `${filter} finds more than ${ACCOUNT_COUNT_CAP} accounts (counting stops there)`));
    else results.push(fail('user filter', `the search failed: ${describeError(error)}`, 'check directory.ldap.userFilter'));
  }
  for (const group of settings.privilegedGroups) {
    try {
      await readEntry(client, group);
      results.push(ok('privileged group', `${group} exists`));
    } catch (error) {
      results.push(
        fail(
          'privileged group',
          `${group} cannot be read (${describeError(error)})`,
          'fix the DN in directory.privilegedGroups; a misspelt group protects no one',
        ),
      );
    }
  }
  return results;
}

/**
 * Campaigns, reports and expiry reminders page through every account: one page through the
 * adapter shows whether the server lets the service account list them all (slapd's size limit
 * bounds a paged search's total unless `size.prtotal` lifts it).
 */
export async function checkListing(directory: Directory): Promise<CheckResult> {
  try {
    await directory.listAccounts({ pageSize: 1 });
    return ok('account listing', 'every account can be listed page by page (campaigns, reports, expiry reminders)');
  } catch (error) {
    return fail(
      'account listing',
      describeError(error),
      'campaigns, reports and expiry reminders need it; see docs/directory-openldap.md (3. ACLs) or docs/directory-active-directory.md',
    );
  }
}
