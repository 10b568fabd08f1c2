// The project's test command (`npm test`). Checks the Debian packages the tests need, starts
// one throwaway PostgreSQL cluster for all test files, runs every *.test.ts(x) under src/
// and test/ with Node's test runner, stops PostgreSQL, and ends with one line:
// `N passed, N failed` (plus `, N skipped` / `, N todo` when non-zero).
// Usage: npm test [-- FILE_OR_DIR...]   In CI (CI=true) a skipped test counts as a failure.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type PostgresCluster, startPostgresCluster, stopPostgresCluster } from '../test/support/postgres.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const isCI = process.env.CI === 'true' || process.env.CI === '1';
const testFile = /\.test\.tsx?$/;

interface Counts {
  tests: number;
  pass: number;
  fail: number;
  cancelled: number;
  skipped: number;
  todo: number;
}

let child: ChildProcess | undefined;
let interrupted = false;

function onSignal(signal: NodeJS.Signals): void {
  interrupted = true;
  // Pass it on; the cluster is stopped once the test runner has gone.
  child?.kill(signal);
}

async function main(): Promise<{ counts: Counts | null; problem: string | null }> {
  const files = findTestFiles(process.argv.slice(2));
  if (files.length === 0) return { counts: null, problem: 'no test files found' };

  const deps = spawnSync('sh', [join(root, 'scripts', 'ensure-test-deps.sh')], { stdio: 'inherit' });
  if (deps.status !== 0) return { counts: null, problem: 'scripts/ensure-test-deps.sh failed: the test dependencies are missing' };

  let cluster: PostgresCluster | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: process.env.TSX_TSCONFIG_PATH ?? join(root, 'tsconfig.json') };
  if (!env.NYCKEL_TEST_POSTGRES_URL) {
    try {
      cluster = await startPostgresCluster();
    } catch (error) {
      return { counts: null, problem: (error as Error).message };
    }
    env.NYCKEL_TEST_POSTGRES_URL = cluster.adminUrl;
  }
  if (process.stdout.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';

  try {
    if (interrupted) return { counts: null, problem: 'interrupted' };
    const loader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const args = [
      '--disable-warning=ExperimentalWarning',
      '--import',
      loader,
      '--test',
      '--test-reporter=spec',
      '--test-concurrency=2',
      ...files.map((f) => relative(root, f)),
    ];
    const { code, counts } = await runTests(args, env);
    if (interrupted) return { counts, problem: 'interrupted' };
    if (counts === null) return { counts, problem: `the test runner exited with code ${code} before printing its summary` };
    if (code !== 0 && counts.fail + counts.cancelled === 0) return { counts, problem: `the test runner exited with code ${code}` };
    return { counts, problem: null };
  } finally {
    if (cluster !== undefined) await stopPostgresCluster(cluster);
  }
}

function runTests(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; counts: Counts | null }> {
  return new Promise((resolvePromise) => {
    const counts: Partial<Counts> = {};
    let pending = '';
    let endsWithNewline = true;
    const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    const scan = (line: string) => {
      // The spec reporter ends with lines such as "ℹ pass 12"; colours are stripped first.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes
      const match = /^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line.replace(/\u001b\[[0-9;]*m/g, '').trim());
      if (match) counts[match[1] as keyof Counts] = Number(match[2]);
    };
    proc.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const text = chunk.toString('utf8');
      endsWithNewline = text.endsWith('\n');
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) scan(line);
    });
    proc.on('error', (error) => {
      process.stderr.write(`run-tests: could not start the test runner: ${error.message}\n`);
      resolvePromise({ code: 1, counts: null });
    });
    proc.on('close', (code, signal) => {
      child = undefined;
      scan(pending);
      if (!endsWithNewline) process.stdout.write('\n');
      const complete = counts.tests !== undefined && counts.pass !== undefined && counts.fail !== undefined;
      resolvePromise({
        code: code ?? (signal ? 1 : 0),
        counts: complete
          ? {
              tests: counts.tests ?? 0,
              pass: counts.pass ?? 0,
              fail: counts.fail ?? 0,
              cancelled: counts.cancelled ?? 0,
              skipped: counts.skipped ?? 0,
              todo: counts.todo ?? 0,
            }
          : null,
      });
    });
  });
}

/** Test files named on the command line (files or folders), or every test file under src/ and test/. */
function findTestFiles(requested: string[]): string[] {
  const targets = requested.length > 0 ? requested.map((r) => resolve(process.cwd(), r)) : [join(root, 'src'), join(root, 'test')];
  const found = new Set<string>();
  for (const target of targets) {
    if (!existsSync(target)) {
      if (requested.length > 0) throw new Error(`no such test file or folder: ${relative(process.cwd(), target) || target}`);
      continue;
    }
    if (statSync(target).isFile()) {
      found.add(target);
      continue;
    }
    for (const entry of readdirSync(target, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !testFile.test(entry.name)) continue;
      const path = join(entry.parentPath, entry.name);
      if (!path.split('/').includes('node_modules')) found.add(path);
    }
  }
  return [...found].sort();
}

/** The last line of output, always: CI reads it. A non-zero exit always shows a failure in it. */
function summarise(counts: Counts | null, problem: string | null): number {
  let passed = counts?.pass ?? 0;
  let failed = counts === null ? 0 : counts.fail + counts.cancelled;
  const skipped = counts?.skipped ?? 0;
  const todo = counts?.todo ?? 0;
  const notes: string[] = [];
  if (problem !== null) notes.push(problem);
  if (counts !== null && counts.tests === 0) notes.push('no tests ran');
  if (isCI && skipped > 0) {
    failed += skipped;
    notes.push(`${skipped} skipped test(s) count as failures in CI`);
  }
  if (notes.length > 0 && failed === 0) failed = 1;
  if (counts === null) passed = 0;
  for (const note of notes) process.stderr.write(`run-tests: ${note}\n`);
  let line = `${passed} passed, ${failed} failed`;
  if (skipped > 0) line += `, ${skipped} skipped`;
  if (todo > 0) line += `, ${todo} todo`;
  process.stdout.write(`${line}\n`);
  return failed > 0 ? 1 : 0;
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let outcome: { counts: Counts | null; problem: string | null };
try {
  outcome = await main();
} catch (error) {
  outcome = { counts: null, problem: (error as Error).message };
}
process.exitCode = summarise(outcome.counts, outcome.problem);
