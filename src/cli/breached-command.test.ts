// Tests for `nyckel breached import | check | info`, run as the real command in a sandbox:
// import into the configured data directory, look a password up, describe the index, refuse a
// malformed file with FILE:LINE while the index in use stays byte-identical, and show progress
// on a terminal.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SyntheticHashes } from '../passwords/breached/synthetic-hashes.ts';
import { type CliSandbox, makeCliSandbox, runCliInTerminal } from './cli-test-harness.ts';

const PASSWORD_SHA1 = '5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8'; // "password"
const EXTRA_SHA1 = '8A4A8D8D1F3C64A8C9C0D4B5F5F0B5A7E4A0B9F1'; // one more fixed entry, never looked up

describe('nyckel breached', () => {
  let sandbox: CliSandbox;
  let corpus: string;
  const hashes: string[] = [];

  before(async () => {
    sandbox = await makeCliSandbox('breached');
    const random = new SyntheticHashes(5);
    for (let i = 0; i < 5_000; i++) hashes.push(random.nextSha1Hex());
    hashes.push(PASSWORD_SHA1, EXTRA_SHA1);
    corpus = await sandbox.file('pwned.txt', `${hashes.map((h) => `${h}:4`).join('\n')}\n`);
  });
  after(async () => {
    await sandbox.cleanup();
  });

  it('imports into the configured data directory, then checks and describes the index', async () => {
    const imported = await sandbox.run(['breached', 'import', corpus]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      new RegExp(`^Imported 5,002 distinct entries from 5,002 lines in 1 file into ${join(sandbox.dataDir, 'breached.idx')}`),
    );
    assert.match(imported.stdout, /bytes per entry/);

    const found = await sandbox.run(['breached', 'check'], { stdin: 'password\n' });
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^found: this password is in the breached-password index/);
    const absent = await sandbox.run(['breached', 'check'], { stdin: 'korrekt häst batteri häftklammer' });
    assert.equal(absent.code, 0, absent.stderr);
    assert.match(absent.stdout, /^not found/);
    assert.ok(!`${found.stdout}${found.stderr}`.includes('password\n'), 'the password is not echoed');

    const info = await sandbox.run(['breached', 'info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^index: +.*breached\.idx$/m);
    assert.match(info.stdout, /^entries: +5,002$/m);
    assert.match(info.stdout, /^bytes per entry: +\d\.\d\d$/m);
    assert.match(info.stdout, /^built: +\d{4}-\d\d-\d\dT/m);
  });

  it('reports a malformed line as FILE:LINE and leaves the index in use byte-identical', async () => {
    const indexPath = join(sandbox.dataDir, 'breached.idx');
    const before = await readFile(indexPath);
    const bad = await sandbox.file(
      'bad.txt',
      `${PASSWORD_SHA1}:1\n${PASSWORD_SHA1}:1\n${PASSWORD_SHA1.slice(0, 20)}Z${PASSWORD_SHA1.slice(21)}:1\n`,
    );
    const result = await sandbox.run(['breached', 'import', corpus, bad]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`nyckel: ${bad.replaceAll('.', '\\.')}:3: character 21 is not a hexadecimal digit; the index in use was not changed\\n$`),
    );
    assert.deepEqual(await readFile(indexPath), before);
    assert.deepEqual(await readdir(sandbox.dataDir).then((names) => names.filter((n) => n.includes('breached'))), ['breached.idx']);
  });

  it('writes elsewhere with --output, and refuses a damaged index with a clear message', async () => {
    const output = join(sandbox.dir, 'other', 'custom.idx');
    const imported = await sandbox.run(['breached', 'import', '--output', output, corpus]);
    assert.equal(imported.code, 0, imported.stderr);
    const info = await sandbox.run(['breached', 'info', '--index', output]);
    assert.match(info.stdout, /^entries: +5,002$/m);

    const bytes = await readFile(output);
    await writeFile(output, bytes.subarray(0, bytes.length - 7));
    const damaged = await sandbox.run(['breached', 'check', '--index', output], { stdin: 'password' });
    assert.equal(damaged.code, 1);
    assert.match(
      damaged.stderr,
      /^nyckel: .*custom\.idx: truncated: \d+ bytes of the expected \d+; rebuild it with `nyckel breached import FILE…`\n$/,
    );

    const missing = await sandbox.run(['breached', 'info', '--index', join(sandbox.dir, 'none.idx')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no breached-password index at .*none\.idx; build one with `nyckel breached import FILE…`/);
  });

  it('explains its usage', async () => {
    const noFiles = await sandbox.run(['breached', 'import']);
    assert.equal(noFiles.code, 2);
    assert.match(noFiles.stderr, /missing FILE/);
    const help = await sandbox.run(['breached', 'import', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /SHA1HASH:COUNT/);
  });

  it('shows progress on a terminal on one rewritten line', async () => {
    const output = join(sandbox.dir, 'terminal.idx');
    const result = await runCliInTerminal(['--config', sandbox.configPath, 'breached', 'import', '--output', output, corpus], []);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /\rreading: [\d,]+ entries, .*%, about .* left/);
    assert.ok(result.stdout.includes(' left\x1b[K'), 'each update erases the rest of the line');
    assert.match(result.stdout, /\rbuilding: 1 of 1 shards/);
    assert.match(result.stdout, /Imported 5,002 distinct entries/);
  });
});
