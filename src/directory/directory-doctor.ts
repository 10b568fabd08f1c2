// The directory checks behind `nyckel doctor` (and, later, an administrator's status page): can
// every configured server be reached (DNS, TCP, TLS with the configured CA, certificate expiry),
// does the service account bind, does the base DN exist, does the user filter find accounts, and,
// for a test account: is it found by each identifier attribute, is its state readable, is it
// privileged, and does the service account hold the rights Nyckel needs on it.
//
// Nothing here changes the directory. The rights are proved by requests the server must refuse
// for another reason than access (see probeOpenLdapRights and probeActiveDirectoryRights), or read
// from AD's allowedAttributesEffective. No result text ever contains a password.

import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import { checkServerIdentity, type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Attribute, Change, Client } from 'ldapts';
import { NyckelError } from '../domain/errors.ts';
import { bindDataCode } from './active-directory/ad-errors.ts';
import type { Directory } from './directory.ts';
import type { LdapSettings } from './ldap/ldap-config.ts';
import { ldapDiagnostic, ldapResultCode } from './ldap/ldap-errors.ts';
import { configuredFilter, identifierFilter } from './ldap/ldap-filter.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report. `hint` says what to do; it is set for every 'fail'. */
export interface CheckResult {
  status: CheckStatus;
  title: string;
  detail: string;
  hint?: string;
}

/** A certificate expiring sooner than this is a warning. */
export const CERTIFICATE_WARNING_DAYS = 30;
/** The user filter check counts this many accounts at most (a big directory is not read in full). */
export const ACCOUNT_COUNT_CAP = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DirectoryDoctorOptions {
  /** An account to test the service account's rights on (never changed). */
  testAccount?: string | undefined;
  now?: () => Date;
}

const ok = (title: string, detail: string): CheckResult => ({ status: 'ok', title, detail });
const warn = (title: string, detail: string, hint?: string): CheckResult => ({ status: 'warn', title, detail, ...(hint ? { hint } : {}) });
const fail = (title: string, detail: string, hint: string): CheckResult => ({ status: 'fail', title, detail, hint });

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
  const results: CheckResult[] = [];
  let ca: Buffer | undefined;
  if (settings.tls.caFile !== null) {
    try {
      ca = readFileSync(settings.tls.caFile);
      results.push(ok('CA file', settings.tls.caFile));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      results.push(
        fail('CA file', `${settings.tls.caFile} cannot be read (${code})`, 'set directory.ldap.tls.caFile to a readable PEM file'),
      );
    }
  }
  if (!settings.tls.rejectUnauthorized) {
    results.push(
      fail(
        'certificate verification',
        'directory.ldap.tls.rejectUnauthorized is false: anyone on the network path could pose as the directory',
        'set directory.ldap.tls.caFile to the CA that signed the server certificate and remove rejectUnauthorized',
      ),
    );
  }

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
      await bind.client.unbind().catch(() => undefined);
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
        const isPrivileged = state.some((r) => r.title === 'privileged' && r.status === 'warn');
        results.push(...(isPrivileged ? rights.map(judgeRightOnPrivileged) : rights));
      }
    }
  } finally {
    await bound.unbind().catch(() => undefined);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Servers: DNS, TCP, TLS, certificate.

async function checkServer(
  url: string,
  settings: LdapSettings,
  ca: Buffer | undefined,
  now: Date,
): Promise<{ results: CheckResult[]; isReachable: boolean }> {
  const results: CheckResult[] = [];
  const parsed = parseLdapUrl(url);
  if (parsed === null)
    return { results: [fail(url, 'not an ldap:// or ldaps:// URL', 'write it as ldaps://host:636')], isReachable: false };
  const { host, port, isEncrypted } = parsed;
  const steps: string[] = [];
  if (isIP(host) === 0) {
    try {
      const address = await lookup(host);
      steps.push(`DNS ${host} → ${address.address}`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return {
        results: [
          fail(url, `the name ${host} does not resolve (${code})`, 'check the host name in directory.ldap.urls and this machine’s DNS'),
        ],
        isReachable: false,
      };
    }
  }
  if (!isEncrypted) {
    const tcp = await openTcp(host, port, settings.timeoutMs);
    if (tcp !== null) return { results: [fail(url, `no connection to ${host}:${port} (${tcp})`, unreachableHint)], isReachable: false };
    steps.push('TCP');
    results.push(ok(url, `reachable (${steps.join(', ')})`));
    // Passwords would cross the network in clear: flagged whatever the configuration allows.
    results.push(
      settings.dangerouslyAllowPlainLdap
        ? warn(
            `${url} encryption`,
            'plain ldap://: passwords cross the network unencrypted (dangerouslyAllowPlainLdap is on)',
            'use ldaps://',
          )
        : fail(
            `${url} encryption`,
            'plain ldap://: Nyckel will not send passwords over it, so sign-in and password changes through this server fail',
            `use ldaps://${host}:636 and set directory.ldap.tls.caFile`,
          ),
    );
    return { results, isReachable: true };
  }
  const tls = await openTls(host, port, ca, settings.timeoutMs);
  if ('error' in tls) {
    const tcpFailed = tls.stage === 'tcp';
    return {
      results: [
        fail(
          url,
          tcpFailed ? `no connection to ${host}:${port} (${tls.error})` : `TLS handshake failed (${tls.error})`,
          tcpFailed
            ? unreachableHint
            : 'the server does not speak TLS on this port, or refuses TLS 1.2+: check the port (636 for ldaps://)',
        ),
      ],
      isReachable: false,
    };
  }
  steps.push('TCP', 'TLS');
  results.push(ok(url, `reachable (${steps.join(', ')})`));
  const { cert, authorizationError } = tls;
  const identityError = checkServerIdentity(host, cert);
  if (authorizationError !== null) {
    results.push(
      fail(
        `${url} certificate`,
        `not trusted: ${authorizationError}${settings.tls.caFile === null ? ' (checked against the system CAs)' : ` (checked against ${settings.tls.caFile})`}`,
        'set directory.ldap.tls.caFile to the PEM of the CA that signed the directory’s certificate',
      ),
    );
  } else if (identityError !== undefined) {
    results.push(
      fail(
        `${url} certificate`,
        `issued for another name: ${identityError.message}`,
        'use the host name the certificate names in directory.ldap.urls, or reissue the certificate with this name',
      ),
    );
  } else {
    results.push(ok(`${url} certificate`, `verified (${cert.subject?.CN ?? 'no CN'}, issued by ${cert.issuer?.CN ?? '?'})`));
  }
  const expires = new Date(cert.valid_to);
  const days = Math.floor((expires.getTime() - now.getTime()) / DAY_MS);
  const when = expires.toISOString().slice(0, 10);
  if (Number.isNaN(days)) results.push(warn(`${url} certificate expiry`, 'the certificate has no readable expiry date'));
  else if (days < 0) results.push(fail(`${url} certificate expiry`, `expired on ${when}`, 'renew the directory server’s certificate'));
  else if (days < CERTIFICATE_WARNING_DAYS)
    results.push(
      warn(`${url} certificate expiry`, `expires on ${when}, in ${days} day(s)`, 'renew the directory server’s certificate soon'),
    );
  else results.push(ok(`${url} certificate expiry`, `expires on ${when} (${days} days)`));
  return { results, isReachable: true };
}

const unreachableHint = 'check that the directory server runs, the port in directory.ldap.urls, and any firewall between';

function parseLdapUrl(url: string): { host: string; port: number; isEncrypted: boolean } | null {
  const match = /^(ldaps?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:\s]+)(?::(\d{1,5}))?\/?$/i.exec(url);
  if (match === null) return null;
  const isEncrypted = (match[1] as string).toLowerCase() === 'ldaps';
  const host = (match[2] as string).replace(/^\[|\]$/g, '');
  const port = match[3] === undefined ? (isEncrypted ? 636 : 389) : Number(match[3]);
  return { host, port, isEncrypted };
}

function openTcp(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (error: string | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.connect(port, host, () => done(null));
  });
}

type TlsOutcome = { cert: PeerCertificate; authorizationError: string | null } | { stage: 'tcp' | 'tls'; error: string };

function openTls(host: string, port: number, ca: Buffer | undefined, timeoutMs: number): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    let isConnected = false;
    // Verification is judged below from authorizationError, so the handshake may finish and the certificate be read.
    const socket: TLSSocket = tlsConnect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(ca === undefined ? {} : { ca: [ca] }),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const done = (outcome: TlsOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on('connect', () => {
      isConnected = true;
    });
    socket.setTimeout(timeoutMs, () => done({ stage: isConnected ? 'tls' : 'tcp', error: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ stage: isConnected ? 'tls' : 'tcp', error: error.code ?? error.message }),
    );
    socket.once('secureConnect', () => {
      const authorizationError = socket.authorized ? null : String(socket.authorizationError ?? 'not verified');
      done({ cert: socket.getPeerCertificate(), authorizationError });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The service account.

function newClient(url: string, settings: LdapSettings, ca: Buffer | undefined): Client {
  const isEncrypted = url.toLowerCase().startsWith('ldaps://');
  const tlsOptions = {
    ...(ca === undefined ? {} : { ca: [ca] }),
    rejectUnauthorized: settings.tls.rejectUnauthorized,
    minVersion: 'TLSv1.2' as const,
  };
  return new Client({ url, timeout: settings.timeoutMs, connectTimeout: settings.timeoutMs, ...(isEncrypted ? { tlsOptions } : {}) });
}

async function bindServiceAccount(
  url: string,
  settings: LdapSettings,
  ca: Buffer | undefined,
): Promise<{ result: CheckResult; client: Client | null }> {
  const title = `${url} service account bind`;
  const client = newClient(url, settings, ca);
  try {
    await client.bind(settings.bindDn, settings.bindPassword);
    return { result: ok(title, `bound as ${settings.bindDn}`), client };
  } catch (error) {
    await client.unbind().catch(() => undefined);
    const code = ldapResultCode(error);
    if (code === 49) {
      const data = bindDataCode(error);
      const why = data === null ? '' : (adBindReasons[data] ?? `AD data ${data}`);
      return {
        result: fail(
          title,
          `the directory refused ${settings.bindDn}: invalid credentials${why === '' ? '' : ` (${why})`}`,
          data === null || data === '52e' || data === '525'
            ? 'check directory.ldap.bindDn and the service account password (directory.ldap.bindPassword or NYCKEL_DIRECTORY__LDAP__BIND_PASSWORD_FILE)'
            : 'fix the service account in the directory (unlock, enable or renew its password)',
        ),
        client: null,
      };
    }
    if (code !== null) {
      return {
        result: fail(
          title,
          `refused with LDAP result ${code}: ${ldapDiagnostic(error)}`,
          'check directory.ldap.bindDn and the server’s log',
        ),
        client: null,
      };
    }
    return {
      result: fail(title, `the connection failed: ${describeError(error)}`, 'fix the TLS or connection problem above'),
      client: null,
    };
  }
}

/** AD's reasons for refusing a bind (the "data" code of result 49), as operators need them. */
const adBindReasons: Record<string, string> = {
  '525': 'no such user',
  '52e': 'wrong password',
  '530': 'not allowed to sign in at this time',
  '531': 'not allowed to sign in from this workstation',
  '532': 'its password has expired',
  '533': 'the account is disabled',
  '701': 'the account has expired',
  '773': 'its password must be changed',
  '775': 'the account is locked',
};

/**
 * Campaigns, reports and expiry reminders page through every account: one page through the
 * adapter shows whether the server lets the service account list them all (slapd's size limit
 * bounds a paged search's total unless `size.prtotal` lifts it).
 */
async function checkListing(directory: Directory): Promise<CheckResult> {
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

// ---------------------------------------------------------------------------------------------
// The tree: base DN, user filter, privileged groups.

async function checkTree(client: Client, settings: LdapSettings): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    await client.search(settings.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
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
      await client.search(group, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
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

// ---------------------------------------------------------------------------------------------
// The test account.

async function findTestEntry(
  client: Client,
  settings: LdapSettings,
  identifier: string,
): Promise<{ result: CheckResult; dn: string | null; values: Record<string, string[]> }> {
  const title = 'test account';
  let filter: string;
  try {
    filter = identifierFilter(identifier, settings.identifierAttributes, settings.userFilter);
  } catch (error) {
    return { result: fail(title, describeError(error), 'give a username or e-mail address'), dn: null, values: {} };
  }
  try {
    const found = await client.search(settings.baseDn, { scope: 'sub', filter, attributes: settings.identifierAttributes, sizeLimit: 2 });
    const entries = found.searchEntries;
    if (entries.length === 0) {
      return {
        result: fail(
          title,
          `${identifier} not found by ${settings.identifierAttributes.join(', ')} under ${settings.baseDn}`,
          'check the name, directory.ldap.identifierAttributes, baseDn and userFilter',
        ),
        dn: null,
        values: {},
      };
    }
    if (entries.length > 1) {
      return {
        result: fail(
          title,
          `${identifier} matches more than one entry`,
          'identifier attributes must be unique; Nyckel refuses ambiguous names',
        ),
        dn: null,
        values: {},
      };
    }
    const entry = entries[0] as (typeof entries)[number];
    const values: Record<string, string[]> = {};
    for (const attribute of settings.identifierAttributes) {
      const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
      const raw = key === undefined ? [] : entry[key];
      values[attribute] = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v ?? '')).filter((v) => v !== '');
    }
    return { result: ok(title, `${identifier} is ${entry.dn}`), dn: entry.dn, values };
  } catch (error) {
    const code = ldapResultCode(error);
    return {
      result: fail(
        title,
        code === 4 ? `${identifier} matches more than one entry` : `the search failed: ${describeError(error)}`,
        'check the name and the identifier attributes',
      ),
      dn: null,
      values: {},
    };
  }
}

/** Finds the account through the adapter (by each identifier attribute), reads its state and privilege. */
async function checkTestAccountState(
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

/**
 * On a privileged account the service account needs no rights (self-service refuses it), so a
 * missing right is as it should be, and a right it has is worth narrowing (least privilege).
 */
function judgeRightOnPrivileged(result: CheckResult): CheckResult {
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

// ---------------------------------------------------------------------------------------------
// Rights, proved without changing anything.

/**
 * OpenLDAP: for each attribute Nyckel writes, a modify that deletes a value the entry does not
 * have. slapd checks the ACL for the whole request first: without write access it answers 50;
 * with it, it goes on and answers 16 (noSuchAttribute) because the value is absent. A modify is
 * atomic (RFC 4511 section 4.6), so the failed request changes nothing, not even modifyTimestamp.
 * (A "no-op" replace of pwdReset with its own value would update modifyTimestamp and
 * modifiersName, and slapd in Debian is built without the No-Op control.)
 */
export async function probeOpenLdapRights(client: Client, dn: string, settings: LdapSettings): Promise<CheckResult[]> {
  const current = await client
    .search(dn, { scope: 'base', attributes: ['pwdReset', 'pwdAccountLockedTime'] })
    .then((r) => r.searchEntries[0])
    .catch(() => undefined);
  const valuesOf = (name: string) => {
    const raw = current?.[name];
    return (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map(String);
  };
  const probes = [
    {
      attribute: 'userPassword',
      need: 'set a password (Password Modify)',
      // Not a password anyone has: a fixed marker; the service account can't read userPassword to compare anyway.
      value: 'nyckel-doctor-probe: this value is never stored',
      acl: '=w',
    },
    {
      attribute: 'pwdAccountLockedTime',
      need: 'unlock',
      value: valuesOf('pwdAccountLockedTime').includes('19700101000000Z') ? '19700101000001Z' : '19700101000000Z',
      acl: 'write',
    },
    { attribute: 'pwdReset', need: 'require a change', value: valuesOf('pwdReset').includes('FALSE') ? 'TRUE' : 'FALSE', acl: 'write' },
  ];
  const results: CheckResult[] = [];
  for (const probe of probes) {
    const title = `right to ${probe.need}`;
    try {
      await client.modify(
        dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: probe.attribute, values: [probe.value] }) }),
      );
      // Can't happen for the values chosen; report it rather than hide it.
      results.push(warn(title, `the probe value of ${probe.attribute} was present and has been removed`));
    } catch (error) {
      const code = ldapResultCode(error);
      if (code === 16) results.push(ok(title, `may write ${probe.attribute}`));
      else if (code === 50)
        results.push(
          fail(
            title,
            `${settings.bindDn} may not write ${probe.attribute} on ${dn}`,
            `add an ACL: access to dn.subtree="<people>" attrs=${probe.attribute} by dn.exact="${settings.bindDn}" ${probe.acl} (see docs/directory-openldap.md)`,
          ),
        );
      else results.push(fail(title, `unexpected answer: ${describeError(error)}`, 'see the directory server’s log'));
    }
  }
  return results;
}

/**
 * Active Directory: writing lockoutTime and pwdLastSet is read from the constructed attribute
 * allowedAttributesEffective on the user object. "Reset password" is a control access right,
 * which that attribute does not show (and Samba does not let the service account read the
 * security descriptor), so it is proved with a unicodePwd replace whose value can never be a
 * password: three bytes, neither quoted UTF-16 text nor a 16-byte hash. The access check comes
 * first: without the right the answer is 50; with it the value is refused (53 or 19) and
 * nothing is written (measured on Samba 4.17).
 */
export async function probeActiveDirectoryRights(client: Client, dn: string, settings: LdapSettings, url: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const found = await client.search(dn, { scope: 'base', attributes: ['allowedAttributesEffective'] });
    const raw = found.searchEntries[0]?.allowedAttributesEffective;
    const allowed = new Set((raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map((v) => v.toString().toLowerCase()));
    for (const [attribute, need] of [
      ['lockoutTime', 'unlock'],
      ['pwdLastSet', 'require a change'],
    ] as const) {
      results.push(
        allowed.has(attribute.toLowerCase())
          ? ok(`right to ${need}`, `may write ${attribute}`)
          : fail(
              `right to ${need}`,
              `${settings.bindDn} may not write ${attribute} on ${dn}`,
              `delegate "Write ${attribute}" on user objects of the OU to the service account (see docs/directory-active-directory.md)`,
            ),
      );
    }
  } catch (error) {
    results.push(
      fail(
        'rights',
        `allowedAttributesEffective cannot be read: ${describeError(error)}`,
        'the service account must read the user objects',
      ),
    );
  }
  const title = 'right to reset the password';
  if (!url.toLowerCase().startsWith('ldaps://')) {
    results.push(fail(title, 'not checked: AD accepts password writes only over ldaps://', 'use ldaps://'));
    return results;
  }
  try {
    await client.modify(
      dn,
      new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from([0x22, 0x00, 0x21])] }) }),
    );
    results.push(fail(title, 'the directory accepted an invalid password value', 'report this: the server did not check the value'));
  } catch (error) {
    const code = ldapResultCode(error);
    if (code === 53 || code === 19) results.push(ok(title, 'has "Reset password" (probe refused for its value, nothing written)'));
    else if (code === 50)
      results.push(
        fail(
          title,
          `${settings.bindDn} lacks "Reset password" on ${dn}`,
          'delegate "Reset password" on user objects of the OU to the service account (see docs/directory-active-directory.md)',
        ),
      );
    else results.push(fail(title, `unexpected answer: ${describeError(error)}`, 'see the domain controller’s log'));
  }
  return results;
}

function describeError(error: unknown): string {
  if (error instanceof NyckelError) return error.message;
  const code = ldapResultCode(error);
  if (code !== null) return `LDAP result ${code}: ${ldapDiagnostic(error)}`;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return errno !== undefined && !message.includes(errno) ? `${message} (${errno})` : message;
}
