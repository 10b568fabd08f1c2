// The doctor's checks of a test account (never changed): its entry found by the service account,
// the account found through the adapter by each identifier attribute, its state read, whether it
// is privileged, and how a right the service account holds (or lacks) on a privileged account is
// judged. Used for LDAP directories and, without the LDAP part, for the embedded directory.

import type { Client } from 'ldapts';
import type { Directory } from '../directory.ts';
import type { LdapSettings } from '../ldap/ldap-config.ts';
import { attributeValues } from '../ldap/ldap-entry.ts';
import { ldapResultCode } from '../ldap/ldap-errors.ts';
import { identifierFilter } from '../ldap/ldap-filter.ts';
import { type CheckResult, describeError, fail, ok, warn } from './check-result.ts';

type TestEntry = { result: CheckResult; dn: string | null; values: Record<string, string[]> };

const notFound = (result: CheckResult): TestEntry => ({ result, dn: null, values: {} });

/** Searches the test account's entry as the service account; `values` holds its identifier attributes. */
export async function findTestEntry(client: Client, settings: LdapSettings, identifier: string): Promise<TestEntry> {
  const title = 'test account';
  let filter: string;
  try {
    filter = identifierFilter(identifier, settings.identifierAttributes, settings.userFilter);
  } catch (error) {
    return notFound(fail(title, describeError(error), 'give a username or e-mail address'));
  }
  try {
    const found = await client.search(settings.baseDn, { scope: 'sub', filter, attributes: settings.identifierAttributes, sizeLimit: 2 });
    const entries = found.searchEntries;
    if (entries.length === 0) {
      return notFound(
        fail(
          title,
          `${identifier} not found by ${settings.identifierAttributes.join(', ')} under ${settings.baseDn}`,
          'check the name, directory.ldap.identifierAttributes, baseDn and userFilter',
        ),
      );
    }
    if (entries.length > 1) {
      return notFound(
        fail(title, `${identifier} matches more than one entry`, 'identifier attributes must be unique; Nyckel refuses ambiguous names'),
      );
    }
    const entry = entries[0] as (typeof entries)[number];
    const values: Record<string, string[]> = {};
    for (const attribute of settings.identifierAttributes) {
      values[attribute] = attributeValues(entry, attribute).filter((v) => v !== '');
    }
    return { result: ok(title, `${identifier} is ${entry.dn}`), dn: entry.dn, values };
  } catch (error) {
    const code = ldapResultCode(error);
    return notFound(
      fail(
        title,
        code === 4 ? `${identifier} matches more than one entry` : `the search failed: ${describeError(error)}`,
        'check the name and the identifier attributes',
      ),
    );
  }
}

/** Finds the account through the adapter (by each identifier attribute), reads its state and privilege. */
export async function checkTestAccountState(
  directory: Directory,
  identifier: string,
  ldap: { entry: Record<string, string[]>; settings: LdapSettings } | null,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const account = await directory.findAccount(identifier).catch(() => null);
  if (account === null) {
    return [
      fail(
        'test account lookup',
        `Nyckel does not find ${identifier}`,
        'check the name; with an LDAP directory, the identifier attributes and user filter',
      ),
    ];
  }
  if (ldap === null) {
    results.push(ok('test account lookup', `${identifier} is ${account.username}`));
  } else {
    const found: string[] = [];
    for (const attribute of ldap.settings.identifierAttributes) {
      const value = ldap.entry[attribute]?.[0];
      if (value === undefined) {
        results.push(warn(`found by ${attribute}`, `the account has no ${attribute}, so it cannot sign in with one`));
        continue;
      }
      const byAttribute = await directory.findAccount(value).catch((error: unknown) => error);
      if (byAttribute !== null && !(byAttribute instanceof Error) && (byAttribute as { id: string }).id === account.id) {
        found.push(`${attribute} (${value})`);
      } else {
        results.push(
          fail(
            `found by ${attribute}`,
            byAttribute instanceof Error ? describeError(byAttribute) : `searching ${attribute}=${value} does not find this account`,
            `check that ${attribute} is indexed and unique, and in directory.ldap.identifierAttributes`,
          ),
        );
      }
    }
    if (found.length > 0) results.push(ok('found by', found.join(', ')));
  }
  try {
    const state = await directory.readState(account.id);
    const expiry = state.passwordExpiresAt === null ? 'never' : state.passwordExpiresAt.toISOString().slice(0, 10);
    const flags = [
      `locked: ${state.isLocked ? 'yes' : 'no'}`,
      `disabled: ${state.isDisabled ? 'yes' : 'no'}`,
      `must change: ${state.mustChange ? 'yes' : 'no'}`,
      `expired: ${state.isExpired ? 'yes' : 'no'}`,
      `password expires: ${expiry}`,
    ];
    results.push(ok('account state readable', flags.join(', ')));
    results.push(
      state.isPrivileged
        ? warn(
            'privileged',
            'yes: self-service refuses this account (adminCount, a protected group or directory.privilegedGroups); the helpdesk handles it',
            'to check the service account’s rights, run again with an ordinary account',
          )
        : ok('privileged', 'no: self-service may reset and unlock it'),
    );
  } catch (error) {
    results.push(
      fail(
        'account state readable',
        describeError(error),
        'the service account must read the lock, expiry and must-change attributes (see the set-up guide)',
      ),
    );
  }
  return results;
}

/** Whether checkTestAccountState found the account privileged. */
export function isReportedPrivileged(state: CheckResult[]): boolean {
  return state.some((r) => r.title === 'privileged' && r.status === 'warn');
}

/**
 * On a privileged account the service account needs no rights (self-service refuses it), so a
 * missing right is as it should be, and a right it has is worth narrowing (least privilege).
 */
export function judgeRightOnPrivileged(result: CheckResult): CheckResult {
  if (!result.title.startsWith('right to')) return result;
  if (result.status === 'fail' && / may not | lacks /.test(result.detail)) {
    return ok(result.title, 'not held on this privileged account, as it should be');
  }
  if (result.status === 'ok') {
    return warn(
      result.title,
      `${result.detail}, on a privileged account: Nyckel refuses it anyway, but the service account could change it`,
      'limit the service account’s rights to the OUs (or subtrees) of ordinary people',
    );
  }
  return result;
}
