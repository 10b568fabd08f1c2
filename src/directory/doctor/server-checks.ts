// The doctor's checks of each configured LDAP server, up to a bound connection: the TLS settings
// (CA file, certificate verification), then per URL DNS, TCP, the TLS handshake, the certificate
// (trusted by the configured CA, issued for the host, its expiry), plain ldap:// flagged, and the
// service account's bind with AD's reason for a refusal. Nothing here sends anything but a bind.

import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import { checkServerIdentity, type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Client } from 'ldapts';
import { bindDataCode } from '../active-directory/ad-errors.ts';
import type { LdapSettings } from '../ldap/ldap-config.ts';
import { ldapDiagnostic, ldapResultCode } from '../ldap/ldap-errors.ts';
import { type CheckResult, describeError, errnoCode, fail, ok, warn } from './check-result.ts';

/** A certificate expiring sooner than this is a warning. */
export const CERTIFICATE_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

const unreachableHint = 'check that the directory server runs, the port in directory.ldap.urls, and any firewall between';

/** Reads the configured CA file and flags a switched-off certificate verification. `ca` is undefined when the system CAs apply (or the file is unreadable). */
export function checkTlsSettings(settings: LdapSettings): { results: CheckResult[]; ca: Buffer | undefined } {
  const results: CheckResult[] = [];
  let ca: Buffer | undefined;
  if (settings.tls.caFile !== null) {
    try {
      ca = readFileSync(settings.tls.caFile);
      results.push(ok('CA file', settings.tls.caFile));
    } catch (error) {
      results.push(
        fail(
          'CA file',
          `${settings.tls.caFile} cannot be read (${errnoCode(error)})`,
          'set directory.ldap.tls.caFile to a readable PEM file',
        ),
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
  return { results, ca };
}

// ---------------------------------------------------------------------------------------------
// Servers: DNS, TCP, TLS, certificate.

type ServerCheck = { results: CheckResult[]; isReachable: boolean };

const unreachable = (result: CheckResult): ServerCheck => ({ results: [result], isReachable: false });

/** DNS, TCP and, for ldaps://, the TLS handshake and the certificate of one server. */
export async function checkServer(url: string, settings: LdapSettings, ca: Buffer | undefined, now: Date): Promise<ServerCheck> {
  const results: CheckResult[] = [];
  const parsed = parseLdapUrl(url);
  if (parsed === null) return unreachable(fail(url, 'not an ldap:// or ldaps:// URL', 'write it as ldaps://host:636'));
  const { host, port, isEncrypted } = parsed;
  const steps: string[] = [];
  if (isIP(host) === 0) {
    try {
      const address = await lookup(host);
      steps.push(`DNS ${host} → ${address.address}`);
    } catch (error) {
      return unreachable(
        fail(
          url,
          `the name ${host} does not resolve (${errnoCode(error)})`,
          'check the host name in directory.ldap.urls and this machine’s DNS',
        ),
      );
    }
  }
  if (!isEncrypted) {
    const tcp = await openTcp(host, port, settings.timeoutMs);
    if (tcp !== null) return unreachable(fail(url, `no connection to ${host}:${port} (${tcp})`, unreachableHint));
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
    return unreachable(
      tls.stage === 'tcp'
        ? fail(url, `no connection to ${host}:${port} (${tls.error})`, unreachableHint)
        : fail(
            url,
            `TLS handshake failed (${tls.error})`,
            'the server does not speak TLS on this port, or refuses TLS 1.2+: check the port (636 for ldaps://)',
          ),
    );
  }
  steps.push('TCP', 'TLS');
  results.push(ok(url, `reachable (${steps.join(', ')})`));
  results.push(...checkCertificate(url, host, tls, settings, now));
  return { results, isReachable: true };
}

/** Whether the certificate is trusted and issued for `host`, and how long until it expires. */
function checkCertificate(url: string, host: string, tls: TlsHandshake, settings: LdapSettings, now: Date): CheckResult[] {
  const results: CheckResult[] = [];
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
  return results;
}

function parseLdapUrl(url: string): { host: string; port: number; isEncrypted: boolean } | null {
  const match = /^(ldaps?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:\s]+)(?::(\d{1,5}))?\/?$/i.exec(url);
  if (match === null) return null;
  const isEncrypted = (match[1] as string).toLowerCase() === 'ldaps';
  const host = (match[2] as string).replace(/^\[|\]$/g, '');
  const port = match[3] === undefined ? (isEncrypted ? 636 : 389) : Number(match[3]);
  return { host, port, isEncrypted };
}

/** Whether a directory URL is TLS from the first byte (ldaps://). */
export function isLdapsUrl(url: string): boolean {
  return url.toLowerCase().startsWith('ldaps://');
}

/** The TLS options both the handshake check and the service account's connection use: the configured CA, TLS 1.2 at least. */
function tlsOptions(ca: Buffer | undefined) {
  return { ...(ca === undefined ? {} : { ca: [ca] }), minVersion: 'TLSv1.2' as const };
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

type TlsHandshake = { cert: PeerCertificate; authorizationError: string | null };
type TlsOutcome = TlsHandshake | { stage: 'tcp' | 'tls'; error: string };

function openTls(host: string, port: number, ca: Buffer | undefined, timeoutMs: number): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    let isConnected = false;
    // Verification is judged below from authorizationError, so the handshake may finish and the certificate be read.
    const socket: TLSSocket = tlsConnect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...tlsOptions(ca),
      rejectUnauthorized: false,
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

/** Closes a connection the doctor opened; a failure to say goodbye changes no result. */
export async function unbindQuietly(client: Client): Promise<void> {
  await client.unbind().catch(() => undefined);
}

function newClient(url: string, settings: LdapSettings, ca: Buffer | undefined): Client {
  const tls = { ...tlsOptions(ca), rejectUnauthorized: settings.tls.rejectUnauthorized };
  return new Client({
    url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    ...(isLdapsUrl(url) ? { tlsOptions: tls } : {}),
  });
}

/** Binds as the service account; the client is returned bound, or null (and closed) when the bind failed. */
export async function bindServiceAccount(
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
    await unbindQuietly(client);
    return { result: bindFailure(title, error, settings), client: null };
  }
}

function bindFailure(title: string, error: unknown, settings: LdapSettings): CheckResult {
  const code = ldapResultCode(error);
  if (code === 49) {
    const data = bindDataCode(error);
    const why = data === null ? '' : (adBindReasons[data] ?? `AD data ${data}`);
    return fail(
      title,
      `the directory refused ${settings.bindDn}: invalid credentials${why === '' ? '' : ` (${why})`}`,
      data === null || data === '52e' || data === '525'
        ? 'check directory.ldap.bindDn and the service account password (directory.ldap.bindPassword or NYCKEL_DIRECTORY__LDAP__BIND_PASSWORD_FILE)'
        : 'fix the service account in the directory (unlock, enable or renew its password)',
    );
  }
  if (code !== null) {
    return fail(title, `refused with LDAP result ${code}: ${ldapDiagnostic(error)}`, 'check directory.ldap.bindDn and the server’s log');
  }
  return fail(title, `the connection failed: ${describeError(error)}`, 'fix the TLS or connection problem above');
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
