// Tests for building and opening the breached-password index: a synthetic corpus imported and
// looked up (every member found, false positives measured), range files, sharding, the file
// round trip, corrupt and truncated files refused, and a failed import leaving the index in
// use byte-identical.

import assert from 'node:assert/strict';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../../../test/support/temp-dir.ts';
import { BreachedIndexFileError, BreachedIndexSource, openBreachedIndex, openBreachedIndexForKeys } from './breached-index.ts';
import { createImportProgress } from './import-progress.ts';
import { BreachedImportError, chooseShardBits, importBreachedPasswords } from './index-builder.ts';
import { SyntheticHashes } from './synthetic-hashes.ts';

// SHA-1 of the UTF-8 bytes, as `printf %s PASSWORD | sha1sum` prints it.
const KNOWN = { password: '5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8', välkommen: 'C347A012AE944360FB495CD804EBC14BE1F6D5C9' };

describe('breached-password index', () => {
  let temp: TempDir;
  const corpusSize = 200_000;
  let hashes: string[];
  let corpusPath: string;
  let indexPath: string;

  before(async () => {
    temp = await makeTempDir('breached-index');
    const random = new SyntheticHashes(42);
    hashes = [];
    for (let i = 0; i < corpusSize; i++) hashes.push(random.nextSha1Hex());
    hashes.push(KNOWN.password, KNOWN.välkommen);
    corpusPath = join(temp.path, 'pwned-passwords.txt');
    await writeFile(corpusPath, `${hashes.map((h, i) => `${i % 2 === 0 ? h : h.toLowerCase()}:${i + 1}`).join('\r\n')}\r\n`);
    indexPath = join(temp.path, 'data', 'breached.idx');
    const result = await importBreachedPasswords({
      inputs: [{ path: corpusPath }],
      output: indexPath,
      now: () => new Date('2026-03-01T12:00:00Z'),
    });
    assert.equal(result.entries, corpusSize + 2);
    assert.equal(result.lines, corpusSize + 2);
  });
  after(async () => {
    await temp.cleanup();
  });

  it('finds every imported hash and the password behind a known one', () => {
    const index = openBreachedIndex(indexPath);
    assert.ok(index !== null);
    for (const hash of hashes) if (!index.hasSha1(hash)) assert.fail(`${hash} not found`);
    assert.equal(index.hasPassword('password'), true);
    assert.equal(index.hasPassword('Välkommen1'), true, 'hashed as UTF-8, like HIBP');
    assert.equal(index.hasPassword('Valkommen1'), false);
    assert.equal(index.hasSha1(KNOWN.password.toLowerCase()), true);
    assert.throws(() => index.hasSha1('not-a-hash'), /40 hexadecimal digits/);
  });

  it('wrongly reports fewer than 1 in 10,000 of 1,000,000 non-members', () => {
    const index = openBreachedIndexForKeys(indexPath);
    assert.ok(index !== null);
    const probes = new SyntheticHashes(7).keys(1_000_000);
    let falsePositives = 0;
    for (let i = 0; i < 1_000_000; i++) if (index.hasKey(probes[2 * i + 1]!, probes[2 * i]!)) falsePositives++;
    assert.ok(falsePositives < 100, `${falsePositives} false positives`);
    assert.ok(falsePositives > 0, 'none at all is implausible for 16-bit fingerprints');
  });

  it('reads back what was written: entries, build date, size per entry', () => {
    const index = openBreachedIndex(indexPath);
    assert.ok(index !== null);
    assert.equal(index.info.entries, corpusSize + 2);
    assert.equal(index.info.builtAt.toISOString(), '2026-03-01T12:00:00.000Z');
    assert.equal(index.info.shards, 1);
    assert.ok(index.info.bytesPerEntry <= 2.5, `${index.info.bytesPerEntry} bytes per entry`);
  });

  it('is null when there is no file, and refuses truncated or corrupt files with a clear message', async () => {
    assert.equal(openBreachedIndex(join(temp.path, 'nothing-here.idx')), null);
    const original = await readFile(indexPath);

    const truncated = join(temp.path, 'truncated.idx');
    await writeFile(truncated, original.subarray(0, original.length - 1000));
    assert.throws(
      () => openBreachedIndex(truncated),
      (e: unknown) =>
        e instanceof BreachedIndexFileError && e.problem === 'truncated' && /truncated: \d+ bytes of the expected \d+/.test(e.message),
    );
    const headerOnly = join(temp.path, 'header-only.idx');
    await writeFile(headerOnly, original.subarray(0, 30));
    assert.throws(() => openBreachedIndex(headerOnly), /truncated/);

    const flipped = Buffer.from(original);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0x01;
    const corrupt = join(temp.path, 'corrupt.idx');
    await writeFile(corrupt, flipped);
    assert.throws(
      () => openBreachedIndex(corrupt),
      (e: unknown) => e instanceof BreachedIndexFileError && e.problem === 'corrupt' && /fingerprint checksum/.test(e.message),
    );

    const badHeader = Buffer.from(original);
    badHeader[25] = badHeader[25]! ^ 0x40; // entries field
    await writeFile(corrupt, badHeader);
    assert.throws(() => openBreachedIndex(corrupt), /header checksum/);

    const notIndex = join(temp.path, 'not-an-index.idx');
    await writeFile(notIndex, 'hello, this is text and not an index at all, long enough for a header........');
    assert.throws(
      () => openBreachedIndex(notIndex),
      (e: unknown) => e instanceof BreachedIndexFileError && e.problem === 'not_an_index',
    );
  });

  it('keeps the index in use when a reload finds a damaged file', async () => {
    const path = join(temp.path, 'reload.idx');
    const original = await readFile(indexPath);
    await writeFile(path, original);
    const source = new BreachedIndexSource(path);
    assert.deepEqual(source.reload().ok, true);
    const inUse = source.current();
    assert.ok(inUse?.hasPassword('password'));
    await truncate(path, 100);
    const result = source.reload();
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /truncated/);
    assert.equal(source.current(), inUse);
    assert.ok(source.current()?.hasPassword('password'));
  });

  it('builds the same set from range files, and across shards', async () => {
    // Split the corpus into range files by prefix, with padding lines (count 0) mixed in.
    const rangeDir = join(temp.path, 'ranges');
    const byPrefix = new Map<string, string[]>();
    for (const hash of hashes.slice(0, 2_000)) {
      const prefix = hash.slice(0, 5);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), `${hash.slice(5)}:3`]);
    }
    const { mkdir } = await import('node:fs/promises');
    await mkdir(rangeDir);
    const inputs = [];
    const padding = new SyntheticHashes(99);
    for (const [prefix, lines] of byPrefix) {
      const path = join(rangeDir, `${prefix}.txt`);
      await writeFile(path, `${[...lines, `${padding.nextSha1Hex().slice(5)}:0`].join('\r\n')}`);
      inputs.push({ path });
    }
    const output = join(temp.path, 'ranges.idx');
    // A tiny shard target forces 2^11 shards (more than the 256 temporary buckets) to exercise that path.
    const result = await importBreachedPasswords({ inputs, output, shardTargetKeys: 1 });
    assert.equal(result.entries, 2_000);
    assert.equal(result.padding, byPrefix.size);
    assert.equal(result.shards, 2 ** chooseShardBits(2_000, 1));
    assert.ok(result.shards > 256);
    const index = openBreachedIndex(output);
    assert.ok(index !== null);
    for (const hash of hashes.slice(0, 2_000)) if (!index.hasSha1(hash)) assert.fail(`${hash} not found`);
    assert.equal(index.info.entries, 2_000);

    // Fewer shards than buckets: each shard gathers several buckets.
    const fewer = await importBreachedPasswords({
      inputs: [{ path: corpusPath }],
      output: join(temp.path, 'four-shards.idx'),
      shardTargetKeys: 60_000,
    });
    assert.equal(fewer.shards, 4);
    const four = openBreachedIndex(join(temp.path, 'four-shards.idx'));
    for (const hash of hashes) if (!four?.hasSha1(hash)) assert.fail(`${hash} not found in the sharded index`);
  });

  it('counts duplicates once', async () => {
    const output = join(temp.path, 'dupes.idx');
    const result = await importBreachedPasswords({ inputs: [{ path: corpusPath }, { path: corpusPath }], output });
    assert.equal(result.lines, 2 * (corpusSize + 2));
    assert.equal(result.entries, corpusSize + 2);
  });

  it('leaves the index in use byte-identical, and no temporary files, when an import fails', async () => {
    const before = await readFile(indexPath);
    const bad = join(temp.path, 'bad.txt');
    await writeFile(bad, `${hashes[0]}:1\n${hashes[1]}:1\n${hashes[2]!.slice(0, 30)}:1\n`);
    const error = await importBreachedPasswords({
      inputs: [{ path: corpusPath }, { path: bad, label: 'bad.txt' }],
      output: indexPath,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof BreachedImportError);
    assert.equal(error.message, "bad.txt:3: expected 40 hexadecimal digits before ':', found 30");
    assert.deepEqual(await readFile(indexPath), before);
    assert.deepEqual(await readdir(join(temp.path, 'data')), ['breached.idx']);

    const missing = await importBreachedPasswords({
      inputs: [{ path: join(temp.path, 'missing.txt'), label: 'missing.txt' }],
      output: indexPath,
    }).catch((e: unknown) => e);
    assert.ok(missing instanceof BreachedImportError);
    assert.equal(missing.message, "missing.txt: can't be read (no such file)");

    const controller = new AbortController();
    controller.abort();
    const cancelled = await importBreachedPasswords({ inputs: [{ path: corpusPath }], output: indexPath, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    assert.ok(cancelled instanceof BreachedImportError);
    assert.equal(cancelled.message, 'cancelled');
    assert.deepEqual(await readFile(indexPath), before);
    assert.deepEqual(await readdir(join(temp.path, 'data')), ['breached.idx']);
  });

  it('shows progress on a terminal as one rewritten line, and as plain lines elsewhere', async () => {
    let clock = 0;
    const chunks: string[] = [];
    const stream = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
    const terminal = createImportProgress({ stream, isTerminal: true, now: () => clock });
    terminal.reading(0, 0, 1000);
    clock = 2000;
    terminal.reading(500_000, 500, 1000);
    clock = 2100; // too soon after the last update: skipped
    terminal.reading(510_000, 510, 1000);
    clock = 4000;
    terminal.building(1, 4);
    terminal.done();
    const text = chunks.join('');
    assert.ok(text.includes('\rreading: 500,000 entries, 250.0 k/s, 50%, about 2 s left\x1b[K'), JSON.stringify(text));
    assert.doesNotMatch(text, /510,000/);
    assert.match(text, /\n\rbuilding: 1 of 4 shards/);
    assert.ok(text.endsWith('\n'));

    chunks.length = 0;
    clock = 0;
    const plain = createImportProgress({ stream, isTerminal: false, plainIntervalMs: 10_000, now: () => clock });
    for (let t = 0; t <= 25_000; t += 1000) {
      clock = t;
      plain.reading(t * 10, t, 100_000);
    }
    assert.equal(chunks.length, 2, chunks.join(''));
    assert.ok(chunks.every((line) => line.endsWith('\n') && !line.includes('\r')));
    assert.match(chunks[0]!, /^reading: 100,000 entries, 10\.0 k\/s, 10%, about 1 min 30 s left\n$/);
  });
});
