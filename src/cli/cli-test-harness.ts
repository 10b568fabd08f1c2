// Test support for the CLI: a sandbox (temporary folder with a YAML configuration whose
// dataDir is inside it, and cheap argon2 so tests run fast) and a way to run the real
// `nyckel` command in it as a child process, exactly as bin/nyckel does (Node with the tsx loader).

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeTempDir } from '../../test/support/temp-dir.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const mainPath = join(root, 'src', 'cli', 'main.ts');
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's standard input, which is then closed (closed at once when absent). */
  stdin?: string | Uint8Array;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Leave out the sandbox's --config (to test NYCKEL_CONFIG and the built-in default). */
  noConfig?: boolean;
}

export interface CliSandbox {
  dir: string;
  configPath: string;
  dataDir: string;
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /** Writes a file in the sandbox and returns its path. */
  file(name: string, content: string | Uint8Array): Promise<string>;
  cleanup(): Promise<void>;
}

/** The environment for a child: the test's own, without anything that would configure Nyckel. */
export function cleanEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('NYCKEL_') || key === 'PORT' || key === 'HOST') continue;
    env[key] = value;
  }
  env.TSX_TSCONFIG_PATH = join(root, 'tsconfig.json');
  return { ...env, ...extra };
}

/** Starts the CLI as a child process; the caller reads its streams (used for `serve`). */
export function spawnCli(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--import', tsxLoader, mainPath, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function runCliProcess(args: string[], options: RunOptions & { env?: Record<string, string> } = {}): Promise<CliResult> {
  const child = spawnCli(args, cleanEnvironment(options.env));
  const result = collectOutput(child);
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  return result;
}

/**
 * Collects a child's output until it exits (killed after 60 s so a hung CLI fails the test);
 * `onStdout` sees the output so far after each chunk.
 */
function collectOutput(child: ChildProcessWithoutNullStreams, onStdout?: (soFar: string) => void): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export async function makeCliSandbox(name: string, extraYaml = ''): Promise<CliSandbox> {
  const temp = await makeTempDir(`cli-${name}`);
  const dataDir = join(temp.path, 'data');
  const configPath = join(temp.path, 'nyckel.yaml');
  await writeFile(
    configPath,
    [
      `dataDir: ${JSON.stringify(dataDir)}`,
      'log: { level: warn }',
      'directory:',
      '  embedded:',
      // Cheap hashing: the tests are about the CLI, not about argon2's cost.
      '    argon2: { memoryKiB: 8192, iterations: 1 }',
      extraYaml,
    ].join('\n'),
  );
  return {
    dir: temp.path,
    configPath,
    dataDir,
    run: (args, options = {}) => runCliProcess(options.noConfig ? args : ['--config', configPath, ...args], options),
    async file(fileName, content) {
      const path = join(temp.path, fileName);
      await writeFile(path, content);
      return path;
    },
    cleanup: () => temp.cleanup(),
  };
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), answering each prompt that ends in
 * ": " with the next answer, as a person typing would. Output is what the terminal showed.
 */
export function runCliInTerminal(args: string[], answers: string[]): Promise<CliResult> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, '--disable-warning=ExperimentalWarning', '--import', tsxLoader, mainPath, ...args]
    .map(quote)
    .join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
  let answered = 0;
  return collectOutput(child, (soFar) => {
    if (soFar.endsWith(': ') && answered < answers.length) {
      child.stdin.write(`${answers[answered]}\r`);
      answered++;
    }
  });
}
