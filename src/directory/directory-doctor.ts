// The directory checks behind `nyckel doctor` (and, later, an administrator's status page): can
// every configured server be reached (DNS, TCP, TLS with the configured CA, certificate expiry),
// does the service account bind, does the base DN exist, does the user filter find accounts, and,
// for a test account: is it found by each identifier attribute, is its state readable, is it
// privileged, and does the service account hold the rights Nyckel needs on it.
//
// This file runs the checks in order and is what importers use; each kind of check lives in
// doctor/: the result type (check-result.ts), the servers and the service account's bind
// (server-checks.ts), the tree (tree-checks.ts), the test account (test-account-checks.ts) and
// the rights probes for OpenLDAP and Active Directory (rights-probes.ts).
//
// Nothing here changes the directory. The rights are proved by requests the server must refuse
// for another reason than access (see probeOpenLdapRights and probeActiveDirectoryRights), or read
// from AD's allowedAttributesEffective. No result text ever contains a password.

import type { Client } from 'ldapts';
import type { Directory } from './directory.ts';
import { type CheckResult, describeError, fail, ok } from './doctor/check-result.ts';
import { probeActiveDirectoryRights, probeOpenLdapRights } from './doctor/rights-probes.ts';
import { bindServiceAccount, checkServer, checkTlsSettings, unbindQuietly } from './doctor/server-checks.ts';
import { checkTestAccountState, findTestEntry, isReportedPrivileged, judgeRightOnPrivileged } from './doctor/test-account-checks.ts';
import { checkListing, checkTree } from './doctor/tree-checks.ts';
import type { LdapSettings } from './ldap/ldap-config.ts';

export type { CheckResult, CheckStatus } from './doctor/check-result.ts';
export { probeActiveDirectoryRights, probeOpenLdapRights } from './doctor/rights-probes.ts';
export { CERTIFICATE_WARNING_DAYS } from './doctor/server-checks.ts';
export { ACCOUNT_COUNT_CAP } from './doctor/tree-checks.ts';

export interface DirectoryDoctorOptions {
  /** An account to test the service account's rights on (never changed). */
  testAccount?: string | undefined;
  now?: () => Date;
}

/** Checks the embedded directory: it answers, and the test account if one is given. */
export async function checkEmbeddedDirectory(directory: Directory, options: DirectoryDoctorOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    await directory.ping();
    results.push(ok('embedded directory', 'accounts are kept in the store (no server to reach)'));
  } catch (error) {
    results.push(fail('embedded directory', describeError(error), 'fix the store first (see the store check above)'));
    return results;
  }
  if (options.testAccount !== undefined) results.push(...(await checkTestAccountState(directory, options.testAccount, null)));
  return results;
}

/** Runs every check on an LDAP directory (OpenLDAP or Active Directory). `directory` is the adapter built from the same settings. */
export async function checkLdapDirectory(
  settings: LdapSettings,
  directory: Directory,
  options: DirectoryDoctorOptions = {},
): Promise<CheckResult[]> {
  const now = options.now ?? (() => new Date());
  const { results, ca } = checkTlsSettings(settings);

  // Each server on its own: a dead second server is a problem even when the first one works.
  let bound: Client | null = null;
  let boundUrl = '';
  for (const url of settings.urls) {
    const reached = await checkServer(url, settings, ca, now());
    results.push(...reached.results);
    if (!reached.isReachable) continue;
    const bind = await bindServiceAccount(url, settings, ca);
    results.push(bind.result);
    if (bind.client === null) continue;
    if (bound === null) {
      bound = bind.client;
      boundUrl = url;
    } else {
      await unbindQuietly(bind.client);
    }
  }
  if (bound === null) {
    results.push(fail('directory searches', 'skipped: no server accepted the service account', 'fix the failures above first'));
    return results;
  }
  try {
    results.push(...(await checkTree(bound, settings)));
    results.push(await checkListing(directory));
    if (options.testAccount !== undefined) {
      const entry = await findTestEntry(bound, settings, options.testAccount);
      results.push(entry.result);
      if (entry.dn !== null) {
        const state = await checkTestAccountState(directory, options.testAccount, { entry: entry.values, settings });
        results.push(...state);
        const probe = settings.flavour === 'openldap' ? probeOpenLdapRights : probeActiveDirectoryRights;
        const rights = await probe(bound, entry.dn, settings, boundUrl);
        results.push(...(isReportedPrivileged(state) ? rights.map(judgeRightOnPrivileged) : rights));
      }
    }
  } finally {
    await unbindQuietly(bound);
  }
  return results;
}
