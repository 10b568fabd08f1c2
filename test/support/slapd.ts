// A throwaway OpenLDAP server (Debian slapd 2.5) for tests: ldap:// and ldaps:// on free ports of
// 127.0.0.1, a CA and server certificate made with openssl for this run, the ppolicy overlay, a
// service account that is not the rootdn and has only the rights Nyckel needs, and a way to
// create users. Stopped by PID (and at process exit). Missing slapd is an error, never a skip.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { type ConfigInput, configSchema } from '../../src/config/schema.ts';
import { type LdapSettings, resolveLdapSettings } from '../../src/directory/ldap/ldap-config.ts';

const SLAPD = '/usr/sbin/slapd';
const INSTALL_HINT = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils openssl';

export interface SlapdPolicy {
  /** Failed binds that lock (pwdMaxFailure). */
  maxFailure: number;
  /** Seconds a lock lasts; 0 = until an administrator unlocks. */
  lockoutDuration: number;
  inHistory: number;
  minLength: number;
  /** Seconds a password lives (pwdMaxAge); 0 = forever. */
  maxAge: number;
}

export const defaultSlapdPolicy: SlapdPolicy = { maxFailure: 3, lockoutDuration: 0, inHistory: 3, minLength: 8, maxAge: 90 * 24 * 3600 };

/**
 * How slapd hashes the passwords it is given (`password-hash`): its default salted SHA-1, or
 * argon2id through the argon2 module Debian's slapd ships (/usr/lib/ldap/argon2.so).
 */
export type SlapdPasswordHash = { scheme: '{SSHA}' } | { scheme: '{ARGON2}'; memoryKiB: number; iterations: number; parallelism: number };

export interface SlapdOptions {
  policy?: Partial<SlapdPolicy>;
  /** Leave out for slapd's default ({SSHA}, nothing added to the configuration). */
  passwordHash?: SlapdPasswordHash;
  /** slapd's `sizelimit` (entries one search returns); 500 unless given. */
  sizeLimit?: number;
  /**
   * Whether the service account may page through more entries than the size limit, as
   * docs/directory-openldap.md asks (`limits … size.prtotal=unlimited`); true unless given.
   */
  unlimitedServiceListing?: boolean;
}

export interface SlapdUserSpec {
  username: string;
  email: string;
  password: string;
  displayName?: string;
  mobile?: string;
  department?: string;
  mustChange?: boolean;
  privileged?: boolean;
  disabled?: boolean;
}

export interface Slapd {
  pid: number;
  ldapUrl: string;
  ldapsUrl: string;
  /** PEM of the CA that signed the server certificate. */
  caFile: string;
  baseDn: string;
  peopleDn: string;
  policyDn: string;
  privilegedGroupDn: string;
  /** The least-privilege account Nyckel binds as. */
  serviceDn: string;
  servicePassword: string;
  /** An account that may read people and their lock state but write nothing (to test missing rights). */
  readerDn: string;
  readerPassword: string;
  rootDn: string;
  rootPassword: string;
  /** The filter marking disabled accounts in this directory (see the adapter's disabledFilter). */
  disabledFilter: string;
  policy: SlapdPolicy;
  dir: string;
  isRunning(): boolean;
  /** Creates a user as the rootdn; returns its DN. */
  createUser(spec: SlapdUserSpec): Promise<string>;
  /**
   * Creates a group in ou=groups as the rootdn (groupOfNames with `member`, or groupOfUniqueNames
   * with `uniqueMember`); members are DNs of users or other groups. Returns its DN.
   */
  createGroup(name: string, members: string[], options?: { unique?: boolean }): Promise<string>;
  /** Runs `work` with a client bound as the rootdn (over ldap://, test only). */
  asRoot<T>(work: (client: Client) => Promise<T>): Promise<T>;
  /** Stops slapd (SIGTERM to its PID) and waits for it to exit; the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data. */
  restart(): Promise<void>;
  /** Stops and removes everything. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  if (!existsSync(SLAPD)) throw new Error(`slapd is not installed (${SLAPD} is missing); install it with: ${INSTALL_HINT}`);
  installExitHook();
  const policy = { ...defaultSlapdPolicy, ...options.policy };
  const dir = mkdtempSync(join(tmpdir(), 'nyckel-slapd-'));
  const baseDn = 'dc=nyckel,dc=test';
  const names = {
    baseDn,
    peopleDn: `ou=people,${baseDn}`,
    policyDn: `cn=default,ou=policies,${baseDn}`,
    privilegedGroupDn: `cn=domain-admins,ou=groups,${baseDn}`,
    serviceDn: `cn=nyckel,ou=services,${baseDn}`,
    servicePassword: 'Tjänstekonto-lösen-1',
    readerDn: `cn=reader,ou=services,${baseDn}`,
    readerPassword: 'Läskonto-lösen-1',
    rootDn: `cn=admin,${baseDn}`,
    rootPassword: 'rot-lösen-för-test',
  };
  try {
    makeCertificates(dir);
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'slapd.conf'), slapdConf(dir, names, options));
    writeFileSync(join(dir, 'init.ldif'), initLdif(names, policy));
    execFileSync(SLAPD, ['-T', 'add', '-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'init.ldif')], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not prepare slapd in ${dir}: ${describe(error)}`);
  }
  const [port, securePort] = [await freePort(), await freePort()];
  const ldapUrl = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${securePort}`;
  let child: ChildProcess | null = null;

  async function launch(): Promise<void> {
    const proc = spawn(SLAPD, ['-d', '0', '-f', join(dir, 'slapd.conf'), '-h', `${ldapUrl}/ ${ldapsUrl}/`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    child = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`slapd exited at start-up: ${stderr.trim()}`);
      if (await answers(ldapUrl)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`slapd did not answer within 10 s: ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async function asRoot<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ url: ldapUrl, timeout: 5000, connectTimeout: 5000 });
    try {
      await client.bind(names.rootDn, names.rootPassword);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  await launch();
  const pid = (child as ChildProcess | null)?.pid ?? -1;
  return {
    ...names,
    pid,
    ldapUrl,
    ldapsUrl,
    caFile: join(dir, 'ca.pem'),
    disabledFilter: '(shadowExpire=1)',
    policy,
    dir,
    isRunning: () => child !== null && child.exitCode === null && child.signalCode === null,
    asRoot,
    async createUser(spec) {
      const dn = `uid=${spec.username},${names.peopleDn}`;
      const entry: Record<string, string | string[]> = {
        objectClass: spec.disabled ? ['inetOrgPerson', 'shadowAccount'] : ['inetOrgPerson'],
        uid: spec.username,
        cn: spec.displayName ?? spec.username,
        sn: spec.username,
        displayName: spec.displayName ?? spec.username,
        mail: spec.email,
        userPassword: spec.password,
      };
      if (spec.mobile !== undefined) entry.mobile = spec.mobile;
      if (spec.department !== undefined) entry.departmentNumber = spec.department;
      if (spec.disabled) entry.shadowExpire = '1';
      await asRoot(async (client) => {
        await client.add(dn, entry);
        // pwdReset is operational: set after the add, as an administrator would.
        if (spec.mustChange)
          await client.modify(
            dn,
            new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdReset', values: ['TRUE'] }) }),
          );
        if (spec.privileged) {
          await client.modify(
            names.privilegedGroupDn,
            new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
          );
        }
      });
      return dn;
    },
    async createGroup(name, members, options = {}) {
      const dn = `cn=${name},ou=groups,${names.baseDn}`;
      // Both classes require at least one member; a group with none gets the rootdn, like domain-admins.
      const values = members.length > 0 ? members : [names.rootDn];
      await asRoot((client) =>
        client.add(
          dn,
          options.unique
            ? { objectClass: 'groupOfUniqueNames', cn: name, uniqueMember: values }
            : { objectClass: 'groupOfNames', cn: name, member: values },
        ),
      );
      return dn;
    },
    async stop() {
      await stop();
    },
    async restart() {
      await stop();
      await launch();
    },
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Names = Pick<
  Slapd,
  | 'baseDn'
  | 'peopleDn'
  | 'policyDn'
  | 'privilegedGroupDn'
  | 'serviceDn'
  | 'servicePassword'
  | 'readerDn'
  | 'readerPassword'
  | 'rootDn'
  | 'rootPassword'
>;

/** The lines that choose how slapd hashes new passwords; none for its default. */
function passwordHashConf(hash: SlapdPasswordHash | undefined): string {
  if (hash === undefined) return '';
  if (hash.scheme === '{SSHA}') return 'password-hash {SSHA}\n';
  const { memoryKiB, iterations, parallelism } = hash;
  for (const value of [memoryKiB, iterations, parallelism]) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`argon2 parameters must be whole numbers of at least 1, got ${value}`);
  }
  return `moduleload argon2.la m=${memoryKiB} t=${iterations} p=${parallelism}\npassword-hash {ARGON2}\n`;
}

function slapdConf(dir: string, n: Names, options: SlapdOptions): string {
  const sizeLimit = options.sizeLimit ?? 500;
  if (!Number.isInteger(sizeLimit) || sizeLimit < 1) throw new Error(`sizeLimit must be a whole number of at least 1, got ${sizeLimit}`);
  // A paged search's total is bounded by the hard size limit unless size.prtotal says otherwise.
  const listing = options.unlimitedServiceListing === false ? '' : `limits dn.exact="${n.serviceDn}" size.prtotal=unlimited\n`;
  return `# Throwaway slapd for Nyckel's tests.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb.la
moduleload ppolicy.la
${passwordHashConf(options.passwordHash)}pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key
sizelimit ${sizeLimit}

database mdb
maxsize 67108864
suffix "${n.baseDn}"
rootdn "${n.rootDn}"
rootpw ${n.rootPassword}
${listing}directory ${dir}/db
index objectClass eq
index uid,mail eq
index member,uniqueMember eq

overlay ppolicy
ppolicy_default "${n.policyDn}"
ppolicy_hash_cleartext
ppolicy_use_lockout

# Passwords: users may authenticate and change their own; the service account may set them (not read them).
access to dn.subtree="${n.peopleDn}" attrs=userPassword
  by dn.exact="${n.serviceDn}" =w
  by self =xw
  by anonymous auth
  by * none
# Lock and must-change state: the service account reads and writes it.
access to dn.subtree="${n.peopleDn}" attrs=pwdAccountLockedTime,pwdFailureTime,pwdReset
  by dn.exact="${n.serviceDn}" write
  by dn.exact="${n.readerDn}" read
  by * none
access to dn.subtree="${n.peopleDn}" attrs=pwdHistory,pwdGraceUseTime
  by * none
# Everything else about people: read for the service account and the person.
access to dn.subtree="${n.peopleDn}"
  by dn.exact="${n.serviceDn}" read
  by dn.exact="${n.readerDn}" read
  by self read
  by * none
access to dn.subtree="ou=policies,${n.baseDn}"
  by dn.exact="${n.serviceDn}" read
  by dn.exact="${n.readerDn}" read
  by * none
# The naming context's own entry: groups are searched from it (they live beside ou=people).
access to dn.base="${n.baseDn}" attrs=entry
  by dn.exact="${n.serviceDn}" read
  by * none
access to dn.subtree="ou=groups,${n.baseDn}"
  by dn.exact="${n.serviceDn}" read
  by dn.exact="${n.readerDn}" read
  by * none
access to dn.subtree="ou=services,${n.baseDn}" attrs=userPassword
  by anonymous auth
  by * none
access to dn.base=""
  by * read
access to *
  by * none
`;
}

function initLdif(n: Names, p: SlapdPolicy): string {
  return `dn: ${n.baseDn}
objectClass: dcObject
objectClass: organization
dc: nyckel
o: Nyckel test

dn: ou=people,${n.baseDn}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${n.baseDn}
objectClass: organizationalUnit
ou: groups

dn: ou=services,${n.baseDn}
objectClass: organizationalUnit
ou: services

dn: ou=policies,${n.baseDn}
objectClass: organizationalUnit
ou: policies

dn: ${n.policyDn}
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMaxFailure: ${p.maxFailure}
pwdLockout: TRUE
pwdLockoutDuration: ${p.lockoutDuration}
pwdFailureCountInterval: 0
pwdInHistory: ${p.inHistory}
pwdCheckQuality: 2
pwdMinLength: ${p.minLength}
pwdMustChange: TRUE
pwdAllowUserChange: TRUE
pwdSafeModify: FALSE
pwdMaxAge: ${p.maxAge}
pwdGraceAuthNLimit: 0

dn: ${n.privilegedGroupDn}
objectClass: groupOfNames
cn: domain-admins
member: ${n.rootDn}

dn: ${n.serviceDn}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: nyckel
userPassword: ${n.servicePassword}

dn: ${n.readerDn}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: reader
userPassword: ${n.readerPassword}
`;
}

function makeCertificates(dir: string): void {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Nyckel test CA',
  ]);
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  ]);
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  ]);
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, timeout: 1000, connectTimeout: 1000 });
  try {
    await client.search('', { scope: 'base', attributes: ['namingContexts'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function describe(error: unknown): string {
  const e = error as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString().trim() || e.message) ?? String(error);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that ends early must not leave servers behind.
  process.on('exit', () => {
    for (const proc of running) proc.kill('SIGKILL');
  });
}

type DirectoryInput = NonNullable<ConfigInput['directory']>;
type LdapInput = NonNullable<DirectoryInput['ldap']>;

/** The `directory` configuration for Nyckel's OpenLDAP adapter on this slapd (LDAPS, the run's CA, the limited service account). */
export function slapdDirectoryConfig(slapd: Slapd, ldap: Partial<LdapInput> = {}): DirectoryInput {
  return {
    type: 'ldap',
    privilegedGroups: [slapd.privilegedGroupDn],
    ldap: {
      urls: [slapd.ldapsUrl],
      bindDn: slapd.serviceDn,
      bindPassword: slapd.servicePassword,
      baseDn: slapd.peopleDn,
      tls: { caFile: slapd.caFile },
      timeoutMs: 2000,
      disabledFilter: slapd.disabledFilter,
      ppolicyDn: slapd.policyDn,
      ...ldap,
    },
  };
}

/** The OpenLDAP adapter's resolved settings for this slapd (slapdDirectoryConfig through the config schema). */
export function slapdLdapSettings(slapd: Slapd, ldap: Partial<LdapInput> = {}): LdapSettings {
  const config = configSchema.parse({ directory: slapdDirectoryConfig(slapd, ldap) });
  return resolveLdapSettings(config.directory, 'openldap');
}
