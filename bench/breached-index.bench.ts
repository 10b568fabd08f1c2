// Benchmark of the breached-password index on 10 million synthetic entries (set
// BENCH_BREACHED_ENTRIES for another size): import time from a Pwned Passwords-format file
// (parse + partition, then filter build), bytes per entry, false-positive rate, lookups per
// second and nanoseconds per lookup, peak RSS — with the targets printed beside the figures.
// Not a test: `npm run bench` runs it.

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBreachedIndexForKeys } from '../src/passwords/breached/breached-index.ts';
import { importBreachedPasswords } from '../src/passwords/breached/index-builder.ts';
import { SyntheticHashes } from '../src/passwords/breached/synthetic-hashes.ts';

const ENTRIES = Number(process.env.BENCH_BREACHED_ENTRIES ?? 10_000_000);
const CORPUS_SEED = 2024;
const PROBE_SEED = 7;
const FP_PROBES = 10_000_000;
const TIMED_LOOKUPS = 1_000_000;
const TIMING_ROUNDS = 5;

const TARGET_BYTES_PER_ENTRY = 2.5;
const TARGET_FP_RATE = 1e-4;
const TARGET_LOOKUP_NS = 2000;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const line = (text: string) => process.stdout.write(`${text}\n`);

const HEX_DIGITS = new TextEncoder().encode('0123456789ABCDEF');

/**
 * Writes the synthetic corpus in the whole-file format (HASH:COUNT, CRLF), streaming, without
 * holding it in memory. Same values, in the same order, as SyntheticHashes.nextSha1Hex().
 */
function writeCorpus(path: string, entries: number): void {
  const random = new SyntheticHashes(CORPUS_SEED);
  const fd = openSync(path, 'w');
  const buffer = new Uint8Array(8 * 1024 * 1024);
  let at = 0;
  try {
    for (let i = 0; i < entries; i++) {
      if (at > buffer.length - 64) {
        writeSync(fd, buffer, 0, at);
        at = 0;
      }
      for (let word = 0; word < 5; word++) {
        const value = random.nextUint32();
        for (let shift = 28; shift >= 0; shift -= 4) buffer[at++] = HEX_DIGITS[(value >>> shift) & 0xf]!;
      }
      at += new TextEncoder().encodeInto(`:${(i % 1000) + 1}\r\n`, buffer.subarray(at)).written;
    }
    writeSync(fd, buffer, 0, at);
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  line(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg()[0]?.toFixed(1)} at start`,
  );
  line(`breached-password index: ${ENTRIES.toLocaleString('en-US')} synthetic SHA-1 entries`);
  const dir = await mkdtemp(join(tmpdir(), 'nyckel-bench-breached-'));
  try {
    const corpus = join(dir, 'pwned-passwords.txt');
    let t = performance.now();
    writeCorpus(corpus, ENTRIES);
    const corpusBytes = (await stat(corpus)).size;
    line(`corpus written: ${mib(corpusBytes)} in ${seconds(performance.now() - t)} (not part of the figures)`);

    // The import runs in its own process, so its peak RSS is the import's and not this script's test data.
    const output = join(dir, 'breached.idx');
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_BREACHED_IMPORT: JSON.stringify({ corpus, output }) },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`import process failed (exit ${child.status})`);
    const { importMs, readMs, buildMs, importPeakRss, result } = JSON.parse(child.stdout) as ImportFigures;

    t = performance.now();
    const index = openBreachedIndexForKeys(output);
    const loadMs = performance.now() - t;
    if (index === null) throw new Error('index missing after import');

    // Every member must be found (regenerate the same sequence rather than keep 10 million strings).
    const members = new SyntheticHashes(CORPUS_SEED);
    let missing = 0;
    for (let i = 0; i < ENTRIES; i++) if (!index.hasSha1(members.nextSha1Hex())) missing++;

    // False positives: random 64-bit keys from another seed; a true collision with 10M members has probability ~5e-6.
    const probeSource = new SyntheticHashes(PROBE_SEED);
    let falsePositives = 0;
    for (let done = 0; done < FP_PROBES; done += 1_000_000) {
      const probes = probeSource.keys(1_000_000);
      for (let i = 0; i < 1_000_000; i++) if (index.hasKey(probes[2 * i + 1]!, probes[2 * i]!)) falsePositives++;
    }
    const fpRate = falsePositives / FP_PROBES;

    // Lookup speed through the public API (hex SHA-1 in, as the policy calls it), half members, half not.
    const queries: string[] = [];
    const memberQueries = new SyntheticHashes(CORPUS_SEED);
    const otherQueries = new SyntheticHashes(PROBE_SEED + 1);
    for (let i = 0; i < TIMED_LOOKUPS; i++) queries.push(i % 2 === 0 ? memberQueries.nextSha1Hex() : otherQueries.nextSha1Hex());
    let hits = 0;
    for (let i = 0; i < 200_000; i++) if (index.hasSha1(queries[i]!)) hits++; // warm-up
    const keys = new SyntheticHashes(PROBE_SEED + 2).keys(TIMED_LOOKUPS);
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const sha1Rounds: number[] = [];
    const keyRounds: number[] = [];
    for (let round = 0; round < TIMING_ROUNDS; round++) {
      t = performance.now();
      for (let i = 0; i < TIMED_LOOKUPS; i++) if (index.hasSha1(queries[i]!)) hits++;
      sha1Rounds.push(((performance.now() - t) * 1e6) / TIMED_LOOKUPS);
      t = performance.now();
      for (let i = 0; i < TIMED_LOOKUPS; i++) if (index.hasKey(keys[2 * i + 1]!, keys[2 * i]!)) hits++;
      keyRounds.push(((performance.now() - t) * 1e6) / TIMED_LOOKUPS);
    }
    const sha1LookupNs = median(sha1Rounds);
    const keyLookupNs = median(keyRounds);
    t = performance.now();
    for (let i = 0; i < 200_000; i++) if (index.hasPassword(`Sommar${i}!`)) hits++;
    const passwordLookupNs = ((performance.now() - t) * 1e6) / 200_000;

    const bytesPerEntry = result.fileBytes / result.entries;
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const lookupNote = `median of ${TIMING_ROUNDS} rounds of ${TIMED_LOOKUPS.toLocaleString('en-US')}`;
    const rows: [string, string, string, boolean | null][] = [
      ['entries (distinct)', result.entries.toLocaleString('en-US'), '', null],
      ['members not found', String(missing), '0', missing === 0],
      ['import total', seconds(importMs), '', null],
      ['  read + partition', `${seconds(readMs)} (${(((ENTRIES / readMs) * 1000) / 1e6).toFixed(2)} M lines/s)`, '', null],
      ['  filter build + write', `${seconds(buildMs)} (${result.shards} shards)`, '', null],
      ['index load (read + checksum)', `${loadMs.toFixed(0)} ms`, '', null],
      ['index size', mib(result.fileBytes), '', null],
      ['bytes per entry', bytesPerEntry.toFixed(3), `≤ ${TARGET_BYTES_PER_ENTRY}`, bytesPerEntry <= TARGET_BYTES_PER_ENTRY],
      [
        'false positives',
        `${falsePositives} in ${FP_PROBES.toLocaleString('en-US')} = ${fpRate.toExponential(2)}`,
        `≤ ${TARGET_FP_RATE.toExponential(0)}`,
        fpRate <= TARGET_FP_RATE,
      ],
      [`lookup (${lookupNote})`, '', '', null],
      [
        '  hex SHA-1 (hasSha1)',
        `${sha1LookupNs.toFixed(0)} ns = ${(1e9 / sha1LookupNs / 1e6).toFixed(2)} M/s`,
        `≤ ${TARGET_LOOKUP_NS} ns`,
        sha1LookupNs <= TARGET_LOOKUP_NS,
      ],
      [
        '  64-bit key (hasKey)',
        `${keyLookupNs.toFixed(0)} ns = ${(1e9 / keyLookupNs / 1e6).toFixed(2)} M/s`,
        `≤ ${TARGET_LOOKUP_NS} ns`,
        keyLookupNs <= TARGET_LOOKUP_NS,
      ],
      ['  password, SHA-1 included', `${passwordLookupNs.toFixed(0)} ns`, '', null],
      ['peak RSS of the import process', mib(importPeakRss), '', null],
      ['peak RSS of the lookup process', `${mib(peakRss)} (index + test data)`, '', null],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    const w2 = Math.max(...rows.map((r) => r[2].length), 'target'.length);
    line('');
    line(`${'measure'.padEnd(w0)}  ${'measured'.padEnd(w1)}  ${'target'.padEnd(w2)}  met`);
    for (const [name, value, target, ok] of rows)
      line(`${name.padEnd(w0)}  ${value.padEnd(w1)}  ${target.padEnd(w2)}  ${ok === null ? '' : ok ? 'yes' : 'NO'}`);
    line(`(${hits} hits, printed so the lookups can't be optimised away; load average ${loadavg()[0]?.toFixed(1)} at the end)`);
    if (missing > 0) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ImportFigures {
  importMs: number;
  readMs: number;
  buildMs: number;
  importPeakRss: number;
  result: Awaited<ReturnType<typeof importBreachedPasswords>>;
}

/** The child process: one import, its figures as JSON on standard output. */
async function runImport(corpus: string, output: string): Promise<void> {
  let buildStarted = 0;
  const t = performance.now();
  const result = await importBreachedPasswords({
    inputs: [{ path: corpus }],
    output,
    progress: {
      reading() {},
      building() {
        if (buildStarted === 0) buildStarted = performance.now();
      },
      done() {},
    },
  });
  const importMs = performance.now() - t;
  const figures: ImportFigures = {
    importMs,
    readMs: buildStarted - t,
    buildMs: importMs - (buildStarted - t),
    importPeakRss: process.resourceUsage().maxRSS * 1024,
    result,
  };
  process.stdout.write(JSON.stringify(figures));
}

const childTask = process.env.BENCH_BREACHED_IMPORT;
if (childTask !== undefined) {
  const { corpus, output } = JSON.parse(childTask) as { corpus: string; output: string };
  await runImport(corpus, output);
} else {
  await main();
}
