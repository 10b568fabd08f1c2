// Real PostgreSQL for tests. usePostgres() hands out a fresh, empty database on a throwaway
// cluster: the one the test runner started (NYCKEL_TEST_POSTGRES_URL) or, when a test file
// runs on its own, a cluster started for this process and stopped when it exits.
// The cluster is Debian's PostgreSQL server (initdb/pg_ctl), on 127.0.0.1 and a free port.

import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  /** Superuser URL (user postgres, database postgres) over 127.0.0.1; no password (trust on loopback). */
  adminUrl: string;
  port: number;
  /** Temporary folder holding the data directory, the socket and the server log. */
  dir: string;
}

interface RunningCluster extends PostgresCluster {
  binDir: string;
  dataDir: string;
  asPostgresUser: boolean;
}

const INSTALL_HINT = 'apt-get install -y postgresql';
const running = new Set<RunningCluster>();
let exitHookInstalled = false;

/** Finds Debian's server binaries (/usr/lib/postgresql/<version>/bin), newest version first. */
export function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) were not found in ${root}/*/bin. The store tests need a real PostgreSQL: install it with \`${INSTALL_HINT}\` (or run scripts/ensure-test-deps.sh as root).`,
    );
  }
  return join(root, newest, 'bin');
}

/** Starts a throwaway cluster. The runner handles signals itself; a test process lets this module do it. */
export async function startPostgresCluster(options: { handleSignals?: boolean } = {}): Promise<PostgresCluster> {
  const binDir = findPostgresBinDir();
  // initdb and postgres refuse to run as root: as root, run them as Debian's `postgres` system user.
  const asPostgresUser = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'nyckel-pg-'));
  const dataDir = join(dir, 'data');
  const cluster: RunningCluster = { adminUrl: '', port: 0, dir, binDir, dataDir, asPostgresUser };
  installExitHook(options.handleSignals ?? false);
  try {
    if (asPostgresUser) {
      const { uid, gid } = postgresUser();
      chownSync(dir, uid, gid);
    }
    await run(cluster, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
    // Trust is acceptable only because this throwaway cluster listens on loopback and its own socket folder.
    writeFileSync(join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    running.add(cluster);
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      // Durability is pointless for a throwaway cluster; these settings make tests faster.
      const serverOptions = [
        `-p ${port}`,
        `-k '${dir}'`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=300',
      ].join(' ');
      try {
        await run(cluster, 'pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start']);
        cluster.port = port;
        cluster.adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
        await waitUntilReady(cluster.adminUrl);
        return { adminUrl: cluster.adminUrl, port, dir };
      } catch (error) {
        lastError = error; // most likely the port was taken between choosing and binding it
      }
    }
    throw lastError;
  } catch (error) {
    stopSync(cluster);
    throw new Error(`could not start a throwaway PostgreSQL cluster in ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

/** Stops a cluster started by startPostgresCluster and removes its folder. */
export async function stopPostgresCluster(cluster: PostgresCluster): Promise<void> {
  const found = [...running].find((c) => c.dir === cluster.dir);
  if (found === undefined) return;
  running.delete(found);
  try {
    await run(found, 'pg_ctl', ['-D', found.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
  } catch {
    stopSync(found);
  }
  rmSync(found.dir, { recursive: true, force: true });
}

let ownCluster: Promise<PostgresCluster> | undefined;

/**
 * A fresh, empty database (CREATE DATABASE nyckel_test_<random>) for one test suite.
 * cleanup() drops it, ending any connection still open to it.
 */
export async function usePostgres(): Promise<{ url: string; cleanup(): Promise<void> }> {
  let adminUrl = process.env.NYCKEL_TEST_POSTGRES_URL;
  if (adminUrl === undefined || adminUrl === '') {
    ownCluster ??= startPostgresCluster({ handleSignals: true });
    adminUrl = (await ownCluster).adminUrl;
  }
  // Only [a-z0-9_]: the name is safe to put in the statement as an identifier.
  const name = `nyckel_test_${globalThis.crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async cleanup() {
      if (dropped) return;
      dropped = true;
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function waitUntilReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await withClient(url, (client) => client.query('select 1'));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`the system user "postgres" does not exist; it comes with Debian's PostgreSQL package: \`${INSTALL_HINT}\``);
  }
}

function command(cluster: RunningCluster, tool: string, args: string[]): [string, string[]] {
  const path = join(cluster.binDir, tool);
  return cluster.asPostgresUser ? [runuserPath(), ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

/** runuser lives in /usr/sbin, which a CI job's PATH may not include. */
function runuserPath(): string {
  return ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => existsSync(p)) ?? 'runuser';
}

function run(cluster: RunningCluster, tool: string, args: string[]): Promise<void> {
  const [file, argv] = command(cluster, tool, args);
  return new Promise((resolve, reject) => {
    // cwd is the cluster folder: the postgres user may not be allowed into the caller's cwd.
    execFile(file, argv, { cwd: cluster.dir, env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} failed: ${String(stderr || stdout || error.message).trim()}`));
      else resolve();
    });
  });
}

function stopSync(cluster: RunningCluster): void {
  running.delete(cluster);
  if (existsSync(join(cluster.dataDir, 'postmaster.pid'))) {
    try {
      const [file, argv] = command(cluster, 'pg_ctl', ['-D', cluster.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      execFileSync(file, argv, { cwd: cluster.dir, stdio: 'ignore', timeout: 60_000 });
    } catch {
      // Already gone.
    }
  }
  rmSync(cluster.dir, { recursive: true, force: true });
}

function stopAllSync(): void {
  for (const cluster of [...running]) stopSync(cluster);
}

function installExitHook(handleSignals: boolean): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: pg_ctl is run with execFileSync.
  process.on('exit', stopAllSync);
  if (!handleSignals) return;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAllSync();
      // The listener is gone now (once), so re-raising ends the process the default way.
      process.kill(process.pid, signal);
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
