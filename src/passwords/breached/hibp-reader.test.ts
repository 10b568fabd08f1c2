// Tests for reading Pwned Passwords files: both shapes, CRLF, case, padding, and every fault
// reported as FILE:LINE with what is wrong.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../../../test/support/temp-dir.ts';
import { HibpFormatError, readHibpFile } from './hibp-reader.ts';

const PASSWORD_SHA1 = '5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8'; // SHA-1 of "password"

describe('readHibpFile', () => {
  let temp: TempDir;
  before(async () => {
    temp = await makeTempDir('hibp-reader');
  });
  after(async () => {
    await temp.cleanup();
  });

  async function read(name: string, content: string | Uint8Array) {
    const path = join(temp.path, name);
    await writeFile(path, content);
    const keys: string[] = [];
    const summary = await readHibpFile(path, name, {
      onKey: (hi, lo) => keys.push(hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')),
      onBytes: () => {},
    });
    return { summary, keys };
  }

  async function refused(name: string, content: string): Promise<string> {
    const error = await read(name, content).then(
      () => assert.fail('expected the file to be refused'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof HibpFormatError, String(error));
    return error.message;
  }

  it('reads whole-corpus lines in either case, with CRLF or LF, with or without a final line break', async () => {
    const lower = PASSWORD_SHA1.toLowerCase();
    const { summary, keys } = await read(
      'corpus.txt',
      `${PASSWORD_SHA1}:9545824\r\n${lower}:3\n0000000000000000000000000000000000000001:1`,
    );
    assert.deepEqual(summary, { lines: 3, entries: 3, padding: 0, kind: 'corpus' });
    assert.deepEqual(keys, ['5baa61e4c9b93f3f', '5baa61e4c9b93f3f', '0000000000000000']);
  });

  it('reads range files, taking the first 5 digits from the file name, and skips count-0 padding', async () => {
    const { summary, keys } = await read('5BAA6.txt', `${PASSWORD_SHA1.slice(5)}:9545824\r\n0123456789ABCDEF0123456789ABCDEF012:0\r\n`);
    assert.deepEqual(summary, { lines: 2, entries: 1, padding: 1, kind: 'range' });
    assert.deepEqual(keys, ['5baa61e4c9b93f3f']);
    const bare = await read('5baa6', `${PASSWORD_SHA1.slice(5).toLowerCase()}:2`);
    assert.deepEqual(bare.keys, ['5baa61e4c9b93f3f']);
  });

  it('skips a UTF-8 byte order mark and accepts an empty file', async () => {
    const { keys } = await read('bom.txt', `\uFEFF${PASSWORD_SHA1}:1\n`);
    assert.deepEqual(keys, ['5baa61e4c9b93f3f']);
    assert.deepEqual((await read('empty.txt', '')).summary, { lines: 0, entries: 0, padding: 0, kind: 'empty' });
  });

  it('reads lines that straddle its 4 MiB read chunks', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 120_000; i++) lines.push(`${i.toString(16).toUpperCase().padStart(40, '0')}:${i + 1}`);
    const { summary, keys } = await read('big.txt', `${lines.join('\n')}\n`);
    assert.equal(summary.entries, 120_000);
    assert.equal(keys[119_999], '0000000000000000');
    assert.equal(new Set(keys).size, 1);
  });

  it('names the file and line of each fault', async () => {
    const good = `${PASSWORD_SHA1}:1`;
    assert.equal(
      await refused('a.txt', `${good}\n${PASSWORD_SHA1.slice(0, 39)}:1\n`),
      "a.txt:2: expected 40 hexadecimal digits before ':', found 39",
    );
    assert.equal(await refused('b.txt', `${good}\n${good.replace('5B', '5G')}\n`), 'b.txt:2: character 2 is not a hexadecimal digit');
    assert.equal(
      await refused('c.txt', `${good}\n${good}\n${PASSWORD_SHA1}:x1\n`),
      'c.txt:3: the count after the colon is not a whole number',
    );
    assert.equal(await refused('d.txt', `${good}\n${PASSWORD_SHA1}\n${good}\n`), "d.txt:2: missing ':COUNT' after the hash");
    assert.equal(await refused('e.txt', `${good}\n\n${good}\n`), 'e.txt:2: empty line');
    assert.equal(await refused('f.txt', `${good}\n${PASSWORD_SHA1}-1\n`), "f.txt:2: expected ':' after 40 hexadecimal digits");
    assert.equal(
      await refused('g.txt', 'password123\n'),
      "g.txt:1: expected a 40-digit SHA-1 (or a 35-digit suffix in a range file) before ':', found 11 characters",
    );
    assert.match(
      await refused('h.txt', `${PASSWORD_SHA1.slice(5)}:1\n`),
      /^h\.txt:1: 35-digit hash suffixes are range-file lines, but the file name does not give the 5-digit prefix/,
    );
    assert.equal(
      await refused('5BAA6.txt', `${PASSWORD_SHA1.slice(5)}:1\n${PASSWORD_SHA1}:1\n`),
      "5BAA6.txt:2: expected ':' after 35 hexadecimal digits",
    );
    assert.match(await refused('long.txt', `${good}\n${'A'.repeat(5000)}`), /^long\.txt:2: line longer than 128 characters/);
  });

  it('reports a truncated last line as such', async () => {
    const good = `${PASSWORD_SHA1}:1\n`;
    assert.equal(
      await refused('t1.txt', `${good}${good}${PASSWORD_SHA1.slice(0, 17)}`),
      't1.txt:3: the line ends early (is the file truncated?)',
    );
    assert.equal(
      await refused('t2.txt', `${good}${PASSWORD_SHA1}:`),
      "t2.txt:2: the line ends early after ':', no count (is the file truncated?)",
    );
    assert.equal(
      await refused('t3.txt', `${good}${PASSWORD_SHA1}`),
      "t3.txt:2: the line ends early after the hash, no ':COUNT' (is the file truncated?)",
    );
  });

  it('says when a file cannot be read', async () => {
    const error = await readHibpFile(join(temp.path, 'nope.txt'), 'nope.txt', { onKey() {}, onBytes() {} }).catch((e: unknown) => e);
    assert.ok(error instanceof HibpFormatError);
    assert.equal(error.message, "nope.txt: can't be read (no such file)");
  });
});
