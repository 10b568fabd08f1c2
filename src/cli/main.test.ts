// Tests for the `nyckel` command line as a whole, run as a real child process: help on every
// command, usage errors (exit 2), configuration errors and unusable data directories (exit 1),
// and the unexpected-error path (reference, no stack trace unless --debug).

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type CliSandbox, makeCliSandbox, runCliProcess } from './cli-test-harness.ts';
import { runCli } from './main.ts';

const commandLines = [
  [],
  ['serve'],
  ['migrate'],
  ['config'],
  ['config', 'check'],
  ['users'],
  ['users', 'add'],
  ['users', 'import'],
  ['users', 'list'],
  ['users', 'show'],
  ['users', 'unlock'],
  ['users', 'require-change'],
  ['demo'],
];

/** No "    at file:line" frames: the console gets sentences, not stack traces. */
function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+[:(]/m, text);
}

describe('nyckel command line', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('main');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  for (const words of commandLines) {
    it(`nyckel ${[...words, '--help'].join(' ')} exits 0 with usage, options and examples`, async () => {
      const result = await sandbox.run([...words, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Usage:\n {2}nyckel /);
      assert.match(result.stdout, /--config FILE/);
      assert.match(result.stdout, /Examples:\n {2}nyckel /);
      if (words.length > 0) assert.ok(result.stdout.startsWith(`nyckel ${words.join(' ')} — `), result.stdout);
      assert.equal(result.stderr, '');
    });
  }

  it('-h works like --help, also before the command', async () => {
    const result = await sandbox.run(['-h', 'users']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Commands:/);
    const sub = await sandbox.run(['users', 'list', '-h']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /nyckel users list \[--json\]/);
  });

  it('an unknown command exits 2 with the usage line and a hint', async () => {
    const result = await sandbox.run(['frobnicate']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^nyckel: unknown command 'frobnicate'\nUsage: nyckel <command> \[options\]\nRun `nyckel --help`/);
  });

  it('an unknown subcommand exits 2 and points at the group help', async () => {
    const result = await sandbox.run(['users', 'delete-all']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command 'users delete-all'/);
    assert.match(result.stderr, /Run `nyckel users --help`/);
  });

  it('an unknown option exits 2, before or after the command', async () => {
    const late = await sandbox.run(['users', 'list', '--verbose']);
    assert.equal(late.code, 2);
    assert.match(
      late.stderr,
      /^nyckel: unknown option '--verbose'\nUsage: nyckel users list \[--json\]\nRun `nyckel users list --help` for more\.\n$/,
    );
    const early = await sandbox.run(['--verbose', 'users', 'list']);
    assert.equal(early.code, 2);
    assert.match(early.stderr, /unknown option '--verbose'/);
  });

  it('a missing argument or option value exits 2', async () => {
    const noCommand = await sandbox.run([]);
    assert.equal(noCommand.code, 2);
    assert.match(noCommand.stderr, /missing command/);
    const noUser = await sandbox.run(['users', 'show']);
    assert.equal(noUser.code, 2);
    assert.match(noUser.stderr, /^nyckel: missing USERNAME or EMAIL\nUsage: nyckel users show/);
    const noValue = await sandbox.run(['users', 'add', 'anna', '--name']);
    assert.equal(noValue.code, 2);
    assert.match(noValue.stderr, /option '--name' needs a value/);
    const extra = await sandbox.run(['users', 'unlock', 'anna', 'bo']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument 'bo'/);
    const noConfigValue = await runCliProcess(['--config']);
    assert.equal(noConfigValue.code, 2);
  });

  it('there is no --password option: passwords never go on the command line', async () => {
    const result = await sandbox.run(['users', 'add', 'anna', '--name', 'Anna', '--password', 'Secret-pass-123']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--password'/);
    assert.doesNotMatch(result.stderr, /Secret-pass-123/);
  });
});

describe('nyckel config check', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('config');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  async function check(yaml: string) {
    const path = await sandbox.file('check.yaml', yaml);
    return runCliProcess(['config', 'check', '--config', path]);
  }

  it('says OK with a summary for a good file', async () => {
    const result = await sandbox.run(['config', 'check']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Configuration OK \(/);
    assert.match(result.stdout, /store: +sqlite \(.*nyckel\.db\)/);
    assert.match(result.stdout, /directory: +embedded/);
    assert.match(result.stdout, /demo: +off/);
  });

  it('reads NYCKEL_CONFIG, and with no file at all uses the built-in default (demo on)', async () => {
    const viaEnv = await sandbox.run(['config', 'check'], { noConfig: true, env: { NYCKEL_CONFIG: sandbox.configPath } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.ok(viaEnv.stdout.includes(sandbox.configPath));
    const builtIn = await sandbox.run(['config', 'check'], { noConfig: true, env: { NYCKEL_DATA_DIR: join(sandbox.dir, 'default-data') } });
    assert.equal(builtIn.code, 0, builtIn.stderr);
    assert.match(builtIn.stdout, /built-in defaults/);
    assert.match(builtIn.stdout, /demo: +on/);
  });

  it('reports malformed YAML with its line, exit 1', async () => {
    const result = await check('server:\n  port: [8080\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /YAML syntax error, line \d+/);
    assertNoStack(result.stderr);
  });

  it('reports every unknown key with its path', async () => {
    const result = await check('servr:\n  port: 1\nstore:\n  drivr: sqlite\npasswordPolicy:\n  minLenght: 14\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /- servr: unknown key/);
    assert.match(result.stderr, /- store\.drivr: unknown key/);
    assert.match(result.stderr, /- passwordPolicy\.minLenght: unknown key/);
    assert.equal(result.stdout, '');
  });

  it('reports wrong types with their paths', async () => {
    const result = await check('server:\n  port: "eighty"\ndemo: maybe\nstore:\n  driver: oracle\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /- server\.port: /);
    assert.match(result.stderr, /- demo: /);
    assert.match(result.stderr, /- store\.driver: /);
    assertNoStack(result.stderr);
  });

  it('a missing configuration file is a clear problem', async () => {
    const result = await runCliProcess(['config', 'check', '--config', join(sandbox.dir, 'nope.yaml')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the file does not exist/);
  });

  it('a data directory under a regular file: config check and every store command say so, exit 1', async () => {
    const blocker = await sandbox.file('not-a-folder', 'x');
    const path = await sandbox.file('bad-data.yaml', `dataDir: ${JSON.stringify(join(blocker, 'data'))}\ndemo: true\n`);
    const checked = await runCliProcess(['config', 'check', '--config', path]);
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /- dataDir: .*not-a-folder is a file, not a folder/);
    for (const command of [['users', 'list'], ['migrate'], ['demo'], ['serve']]) {
      const result = await runCliProcess([...command, '--config', path]);
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stderr}`);
      assertNoStack(result.stderr);
      assert.match(result.stderr, /^nyckel: the data directory .* cannot be written \(ENOTDIR\)/, result.stderr);
    }
  });

  it('serve with a bad configuration prints the problems and exits 1', async () => {
    const path = await sandbox.file('bad-serve.yaml', 'server:\n  prot: 8080\n');
    const result = await runCliProcess(['serve', '--config', path]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not valid:\n {2}- server\.prot: unknown key/);
  });
});

describe('nyckel migrate and store errors', () => {
  let sandbox: CliSandbox;
  before(async () => {
    sandbox = await makeCliSandbox('migrate');
  });
  after(async () => {
    await sandbox.cleanup();
  });

  it('applies the migrations once, then says the database is up to date', async () => {
    const first = await sandbox.run(['migrate']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Applied \d+ migrations? \(sqlite\):\n {2}0001-foundation\n/);
    const second = await sandbox.run(['migrate']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /up to date/);
  });

  it('a file that is not a database gives one clear line, exit 1', async () => {
    const other = await makeCliSandbox('not-db');
    try {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(other.dataDir, { recursive: true });
      await writeFile(join(other.dataDir, 'nyckel.db'), 'this is not SQLite '.repeat(100));
      const result = await other.run(['users', 'list']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^nyckel: .*not a database/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    } finally {
      await other.cleanup();
    }
  });
});

describe('runCli error reporting (in-process)', () => {
  function failingIo() {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    const stdout = {
      write(): boolean {
        throw new Error('disk on fire');
      },
    } as unknown as NodeJS.WritableStream;
    return { io: { stdout, stderr, stdin: new PassThrough(), env: {} }, stderrText: () => err };
  }

  it('an unexpected error prints a reference and no details', async () => {
    const { io, stderrText } = failingIo();
    const code = await runCli(['--help'], io);
    assert.equal(code, 1);
    assert.match(stderrText(), /^nyckel: unexpected error, reference [A-Za-z0-9_-]{8} \(run again with --debug for details\)\n$/);
    assert.doesNotMatch(stderrText(), /disk on fire/);
  });

  it('with --debug the stack goes to standard error as one JSON log line', async () => {
    const { io, stderrText } = failingIo();
    const code = await runCli(['--debug', '--help'], io);
    assert.equal(code, 1);
    const [first, json] = stderrText().trim().split('\n');
    const reference = /reference ([A-Za-z0-9_-]+)/.exec(first ?? '')?.[1];
    const entry = JSON.parse(json ?? '{}') as { level: string; reference: string; err: { message: string; stack: string } };
    assert.equal(entry.level, 'error');
    assert.equal(entry.reference, reference);
    assert.equal(entry.err.message, 'disk on fire');
    assert.match(entry.err.stack, /main\.test\.ts/);
  });
});
