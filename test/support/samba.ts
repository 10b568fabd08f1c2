// A real Active Directory domain controller for tests: Samba 4 AD DC on 127.0.0.1 (LDAPS on
// 636), provisioned once into a template under /tmp (keyed by TEMPLATE_VERSION and Samba's
// version) and copied for each test process. The template holds the password policy, an OU for
// test users, a delegated service account with only the rights Nyckel needs on that OU, a group
// configured as privileged, and a TLS certificate for 127.0.0.1 signed by a CA the tests trust.
// Samba binds the fixed ports 389/636, so only one DC runs per machine: a lock file makes test
// processes that need one take turns. The DC is stopped by PID.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';

/** Bump when the provisioning below changes, so stale templates are not reused. */
const TEMPLATE_VERSION = 'nyckel-ad-1';
const INSTALL_HINT =
  'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends samba samba-ad-dc samba-ad-provision krb5-user winbind ldap-utils openssl';
const LOCK_FILE = join(tmpdir(), 'nyckel-samba-dc.lock');

export const SAMBA_REALM = 'EXAMPLE.TEST';
export const SAMBA_BASE_DN = 'DC=example,DC=test';
/** Test users live here; the service account has its delegated rights on this OU only. */
export const SAMBA_USERS_OU = `OU=Staff,${SAMBA_BASE_DN}`;
export const SAMBA_ADMIN_DN = `CN=Administrator,CN=Users,${SAMBA_BASE_DN}`;
export const SAMBA_SERVICE_DN = `CN=nyckel-service,CN=Users,${SAMBA_BASE_DN}`;
/** A group Nyckel is configured to treat as privileged (directory.privilegedGroups). */
export const SAMBA_PRIVILEGED_GROUP_DN = `CN=Helpdesk Admins,CN=Users,${SAMBA_BASE_DN}`;
// Test-only secrets for a throwaway domain on loopback.
const ADMIN_PASSWORD = 'Admin-Pass-2026!x';
const SERVICE_PASSWORD = 'Service-Pass-2026!x';

/** The domain's password policy, as the contract suite needs it. */
export const SAMBA_POLICY = { lockoutThreshold: 5, historyLength: 24, minLength: 7, maxAgeDays: 90 } as const;

// Schema GUIDs for the delegation (MS-ADTS / MS-ADA): the user class, the
// User-Force-Change-Password control access right ("Reset password"), lockoutTime, pwdLastSet.
const USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';
const RESET_PASSWORD_RIGHT = '00299570-246d-11d0-a768-00aa006e0529';
const LOCKOUT_TIME_ATTRIBUTE = '28630ebf-41d5-11d1-a9c1-0000f80367c1';
const PWD_LAST_SET_ATTRIBUTE = 'bf967a0a-0de6-11d0-a285-00aa003049e2';

export interface TestUserSpec {
  username: string;
  email: string;
  password: string;
  displayName?: string;
  mobile?: string;
  department?: string;
  mustChange?: boolean;
  disabled?: boolean;
  /** Member of SAMBA_PRIVILEGED_GROUP_DN. */
  privileged?: boolean;
}

export interface SambaDc {
  url: string;
  /** PEM of the CA that signed the DC's certificate (verify with it; never turn verification off). */
  caFile: string;
  baseDn: string;
  usersOu: string;
  serviceDn: string;
  servicePassword: string;
  adminDn: string;
  adminPassword: string;
  privilegedGroupDn: string;
  /** A client bound as Administrator, for setting up test data (not for the code under test). */
  admin(): Promise<Client>;
  /** Creates a user in usersOu with the backend's own rules (password policy applies); returns its DN. */
  createUser(spec: TestUserSpec): Promise<string>;
  /** Creates a global security group in CN=Users with these members (DNs of users or groups); returns its DN. */
  createGroup(name: string, members: string[]): Promise<string>;
  /** Stops the samba process (by PID) but keeps the domain, so `start` brings the same DC back. */
  stopDaemon(): Promise<void>;
  startDaemon(): Promise<void>;
  /** Stops the DC, removes its folder and lets the next test process have the ports. */
  stop(): Promise<void>;
}

interface LockContent {
  ownerPid: number;
  sambaPid: number | null;
}

let current: Promise<SambaDc> | undefined;

/** One DC per test process: the first call starts it, later calls share it. */
export function useSambaDc(): Promise<SambaDc> {
  current ??= startSambaDc();
  return current;
}

async function startSambaDc(): Promise<SambaDc> {
  assertSambaInstalled();
  const template = await ensureTemplate();
  await acquireLock();
  const dir = join(tmpdir(), `nyckel-samba-run-${process.pid}-${Date.now().toString(36)}`);
  let child: ChildProcess | null = null;
  let adminClient: Client | null = null;
  let stopped = false;

  const confPath = join(dir, 'etc', 'smb.conf');
  const caFile = join(dir, 'tls', 'ca.pem');

  async function startDaemon(): Promise<void> {
    if (child !== null) return;
    const log = openSync(join(dir, 'samba.out'), 'a');
    const started = spawn('samba', ['-s', confPath, '-i', '--no-process-group'], { stdio: ['ignore', log, log] });
    closeSync(log);
    child = started;
    writeLock({ ownerPid: process.pid, sambaPid: started.pid ?? null });
    let exitedEarly = false;
    started.once('exit', () => {
      exitedEarly = true;
      if (child === started) child = null;
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exitedEarly) throw new Error(`samba exited while starting; its log:\n${tail(join(dir, 'samba.out'))}`);
      if (await answersLdaps(caFile)) return;
      if (Date.now() > deadline) {
        await stopDaemon();
        throw new Error(`samba did not answer LDAPS on 127.0.0.1:636 within 60 s; its log:\n${tail(join(dir, 'samba.out'))}`);
      }
      await sleep(100);
    }
  }

  async function stopDaemon(): Promise<void> {
    if (adminClient !== null) {
      await adminClient.unbind().catch(() => undefined);
      adminClient = null;
    }
    const running = child;
    if (running === null) return;
    child = null;
    await stopProcess(running);
    writeLock({ ownerPid: process.pid, sambaPid: null });
  }

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await stopDaemon();
    rmSync(dir, { recursive: true, force: true });
    releaseLock();
  }

  try {
    cpSync(template, dir, { recursive: true });
    // The template's smb.conf names its own folder; point it at the copy.
    writeFileSync(confPath, readFileSync(confPath, 'utf8').replaceAll(template, dir));
    installExitHook(() => {
      if (child?.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      rmSync(dir, { recursive: true, force: true });
      releaseLock();
    });
    await startDaemon();
  } catch (error) {
    await stop();
    throw error;
  }

  const dc: SambaDc = {
    url: 'ldaps://127.0.0.1:636',
    caFile,
    baseDn: SAMBA_BASE_DN,
    usersOu: SAMBA_USERS_OU,
    serviceDn: SAMBA_SERVICE_DN,
    servicePassword: SERVICE_PASSWORD,
    adminDn: SAMBA_ADMIN_DN,
    adminPassword: ADMIN_PASSWORD,
    privilegedGroupDn: SAMBA_PRIVILEGED_GROUP_DN,
    async admin() {
      if (adminClient === null || !adminClient.isConnected) {
        const client = new Client({ url: dc.url, tlsOptions: { ca: [readFileSync(caFile)] }, timeout: 10_000, connectTimeout: 10_000 });
        await client.bind(SAMBA_ADMIN_DN, ADMIN_PASSWORD);
        adminClient = client;
      }
      return adminClient;
    },
    async createUser(spec) {
      const client = await dc.admin();
      const dn = `CN=${escapeDnValue(spec.username)},${SAMBA_USERS_OU}`;
      const values: Record<string, string[]> = {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: [spec.username],
        userPrincipalName: [`${spec.username}@${SAMBA_REALM.toLowerCase()}`],
        mail: [spec.email],
        displayName: [spec.displayName ?? spec.username],
        // 512 = NORMAL_ACCOUNT, 514 = NORMAL_ACCOUNT | ACCOUNTDISABLE.
        userAccountControl: [spec.disabled ? '514' : '512'],
      };
      if (spec.mobile !== undefined) values.mobile = [spec.mobile];
      if (spec.department !== undefined) values.department = [spec.department];
      const attributes = Object.entries(values).map(([type, vals]) => new Attribute({ type, values: vals }));
      attributes.push(new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${spec.password}"`, 'utf16le')] }));
      await client.add(dn, attributes);
      if (spec.mustChange) await client.modify(dn, [replace('pwdLastSet', '0')]);
      if (spec.privileged) {
        await client.modify(SAMBA_PRIVILEGED_GROUP_DN, [
          new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
        ]);
      }
      return dn;
    },
    async createGroup(name, members) {
      const client = await dc.admin();
      const dn = `CN=${escapeDnValue(name)},CN=Users,${SAMBA_BASE_DN}`;
      const attributes = [
        new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
        new Attribute({ type: 'sAMAccountName', values: [name] }),
      ];
      if (members.length > 0) attributes.push(new Attribute({ type: 'member', values: members }));
      await client.add(dn, attributes);
      return dn;
    },
    stopDaemon,
    startDaemon,
    stop,
  };
  return dc;
}

function replace(type: string, value: string): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
}

/** RFC 4514 escaping for a test user's CN (test names are simple, but be correct anyway). */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`);
}

function assertSambaInstalled(): void {
  const missing = ['/usr/sbin/samba', '/usr/bin/samba-tool', '/usr/bin/openssl'].filter((path) => !existsSync(path));
  if (!existsSync('/usr/share/samba/setup/ad-schema')) missing.push('/usr/share/samba/setup/ad-schema (samba-ad-provision)');
  if (missing.length > 0) {
    throw new Error(
      `Samba AD DC is not installed (missing ${missing.join(', ')}). The Active Directory tests need a real domain controller: ${INSTALL_HINT} (or run scripts/ensure-test-deps.sh as root).`,
    );
  }
  if (process.getuid?.() !== 0) throw new Error('the Samba AD DC tests must run as root (samba binds ports 389 and 636)');
}

// ---------------------------------------------------------------------------------------------
// Template: provisioned once per Samba version, then copied.

async function ensureTemplate(): Promise<string> {
  const version = (await run('samba', ['-V'])).trim().replace(/[^A-Za-z0-9.-]/g, '_');
  const template = join(tmpdir(), `nyckel-samba-template-${TEMPLATE_VERSION}-${version}`);
  if (existsSync(join(template, 'ready'))) return template;
  const building = `${template}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  try {
    await provision(building);
    // smb.conf names the folder it was built in; the copy step rewrites the template's own path.
    const confPath = join(building, 'etc', 'smb.conf');
    writeFileSync(confPath, readFileSync(confPath, 'utf8').replaceAll(building, template));
    writeFileSync(join(building, 'ready'), `${new Date().toISOString()}\n`);
    try {
      renameSync(building, template);
    } catch (error) {
      // Another process built it at the same time: use theirs.
      if (!existsSync(join(template, 'ready'))) throw error;
      rmSync(building, { recursive: true, force: true });
    }
    return template;
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`could not provision a Samba AD DC template: ${(error as Error).message}`, { cause: error });
  }
}

async function provision(dir: string): Promise<void> {
  const emptyConf = join(dir, 'empty.conf');
  // An empty -s config keeps the machine's /etc/samba/smb.conf out of the provisioning.
  writeFileSync(emptyConf, '');
  await run('samba-tool', [
    'domain',
    'provision',
    '-s',
    emptyConf,
    `--targetdir=${dir}`,
    `--realm=${SAMBA_REALM}`,
    '--domain=EXAMPLE',
    '--server-role=dc',
    '--dns-backend=NONE',
    '--host-ip=127.0.0.1',
    `--adminpass=${ADMIN_PASSWORD}`,
    '--option=interfaces=127.0.0.1',
    '--option=bind interfaces only=yes',
    '--option=server services=ldap',
  ]);

  // A certificate for 127.0.0.1 from a CA of our own, so tests verify TLS like production does.
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true });
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '3650',
    '-subj',
    '/CN=Nyckel Test CA',
    '-keyout',
    join(tls, 'ca-key.pem'),
    '-out',
    join(tls, 'ca.pem'),
  ]);
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    join(tls, 'key.pem'),
    '-out',
    join(tls, 'server.csr'),
  ]);
  writeFileSync(join(tls, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    join(tls, 'server.csr'),
    '-CA',
    join(tls, 'ca.pem'),
    '-CAkey',
    join(tls, 'ca-key.pem'),
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    join(tls, 'server.ext'),
    '-out',
    join(tls, 'cert.pem'),
  ]);

  const confPath = join(dir, 'etc', 'smb.conf');
  const extra = [
    // Else the old password keeps working for 60 minutes after a change (NTLM/LDAP grace period).
    'old password allowed period = 0',
    `pid directory = ${join(dir, 'run')}`,
    `ncalrpc dir = ${join(dir, 'run', 'ncalrpc')}`,
    `winbindd socket directory = ${join(dir, 'run', 'winbindd')}`,
    `log file = ${join(dir, 'log.samba')}`,
    'tls enabled = yes',
    `tls keyfile = ${join(tls, 'key.pem')}`,
    `tls certfile = ${join(tls, 'cert.pem')}`,
    `tls cafile = ${join(tls, 'ca.pem')}`,
  ];
  mkdirSync(join(dir, 'run'), { recursive: true });
  writeFileSync(confPath, readFileSync(confPath, 'utf8').replace('[global]\n', `[global]\n${extra.map((line) => `\t${line}\n`).join('')}`));

  const local = ['-s', confPath, '-H', `tdb://${join(dir, 'private', 'sam.ldb')}`];
  await run('samba-tool', [
    'domain',
    'passwordsettings',
    'set',
    ...local,
    '--complexity=on',
    `--history-length=${SAMBA_POLICY.historyLength}`,
    `--min-pwd-length=${SAMBA_POLICY.minLength}`,
    '--min-pwd-age=0',
    `--max-pwd-age=${SAMBA_POLICY.maxAgeDays}`,
    `--account-lockout-threshold=${SAMBA_POLICY.lockoutThreshold}`,
    // 0 = locked until someone unlocks it (stored as "forever").
    '--account-lockout-duration=0',
    '--reset-account-lockout-after=30',
  ]);
  await run('samba-tool', ['user', 'setexpiry', 'Administrator', '--noexpiry', ...local]);
  await run('samba-tool', ['ou', 'add', SAMBA_USERS_OU, ...local]);
  await run('samba-tool', ['group', 'add', 'Helpdesk Admins', ...local]);
  await run('samba-tool', ['user', 'create', 'nyckel-service', SERVICE_PASSWORD, ...local]);
  await run('samba-tool', ['user', 'setexpiry', 'nyckel-service', '--noexpiry', ...local]);
  const shown = await run('samba-tool', ['user', 'show', 'nyckel-service', '--attributes=objectSid', ...local]);
  const sid = /objectSid: (S-1-5-21-[\d-]+)/.exec(shown)?.[1];
  if (sid === undefined) throw new Error(`could not read the service account's SID from: ${shown}`);
  // The delegation, inherited by user objects below the OU only (CIIO + the user class):
  // Reset password, write lockoutTime (unlock), write pwdLastSet (must change). Nothing more.
  for (const ace of [
    `(OA;CIIO;CR;${RESET_PASSWORD_RIGHT};${USER_CLASS};${sid})`,
    `(OA;CIIO;WP;${LOCKOUT_TIME_ATTRIBUTE};${USER_CLASS};${sid})`,
    `(OA;CIIO;WP;${PWD_LAST_SET_ATTRIBUTE};${USER_CLASS};${sid})`,
  ]) {
    await run('samba-tool', ['dsacl', 'set', ...local, `--objectdn=${SAMBA_USERS_OU}`, `--sddl=${ace}`]);
  }
}

// ---------------------------------------------------------------------------------------------
// The machine-wide lock: one DC on 389/636 at a time.

async function acquireLock(): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, JSON.stringify({ ownerPid: process.pid, sambaPid: null } satisfies LockContent), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = readLock();
    if (held === null || !isAlive(held.ownerPid)) {
      // The process that held it died without cleaning up: stop the samba it left (by its PID) and take over.
      if (held?.sambaPid != null && isAlive(held.sambaPid) && isSamba(held.sambaPid)) {
        try {
          process.kill(held.sambaPid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
        await sleep(300);
      }
      rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`another test process (PID ${held.ownerPid}) has held the Samba DC for 15 minutes (${LOCK_FILE})`);
    await sleep(250);
  }
}

function readLock(): LockContent | null {
  try {
    return JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as LockContent;
  } catch {
    return null;
  }
}

function writeLock(content: LockContent): void {
  const held = readLock();
  if (held?.ownerPid === process.pid) writeFileSync(LOCK_FILE, JSON.stringify(content));
}

function releaseLock(): void {
  if (readLock()?.ownerPid === process.pid) rmSync(LOCK_FILE, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isSamba(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.endsWith('samba') ?? false;
  } catch {
    return false;
  }
}

let exitHooks: Array<() => void> | undefined;

function installExitHook(hook: () => void): void {
  if (exitHooks === undefined) {
    exitHooks = [];
    const runHooks = () => {
      for (const h of exitHooks?.splice(0) ?? []) h();
    };
    process.once('exit', runHooks);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        runHooks();
        process.kill(process.pid, signal);
      });
    }
  }
  exitHooks.push(hook);
}

// ---------------------------------------------------------------------------------------------

async function answersLdaps(caFile: string): Promise<boolean> {
  if (!existsSync(caFile)) return false;
  const client = new Client({
    url: 'ldaps://127.0.0.1:636',
    tlsOptions: { ca: [readFileSync(caFile)] },
    timeout: 2000,
    connectTimeout: 2000,
  });
  try {
    await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 10_000))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
  // samba's worker processes share its process group only without --no-process-group; wait for the ports to free.
  for (let i = 0; i < 50 && (await portAnswers()); i++) await sleep(100);
}

async function portAnswers(): Promise<boolean> {
  const { connect } = await import('node:net');
  return await new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 636 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: 180_000, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${file} ${args.slice(0, 2).join(' ')} failed: ${String(stderr || stdout || error.message)
                .trim()
                .slice(-2000)}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
