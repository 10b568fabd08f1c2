// Builds the breached-password index from Pwned Passwords files with bounded memory, and puts
// it in place atomically.
//
// 1. Read: every input line's 64-bit key goes to one of 256 bucket files (by its top 8 bits)
//    in a temporary folder beside the output — 8 bytes per line on disk, 16 MiB of buffers in
//    memory, whatever the input size (the full HIBP corpus is ~1 billion lines, ~40 GB).
// 2. Build: the index is split into 2^k shards (by the key's top k bits) of about 2 million
//    keys; one bucket (or a few) at a time is read back, sorted (native typed-array sort),
//    deduplicated and turned into binary fuse filters, which are appended to a temporary file.
//    Peak memory ≈ 16 B × max(largest bucket, largest shard) (keys + the sort's copy) + ~27 B ×
//    largest shard + 20 MiB of buffers, whatever N is: measured 181 MiB peak RSS for 10 million
//    entries, 80 MiB of it Node itself; about 250 MiB expected for the ~1 billion of the corpus.
// 3. Commit: header with checksums, fsync, rename over the old index, fsync the folder. Any
//    fault before the rename (bad line, full disk, Ctrl-C) leaves the index in use untouched.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FuseBuilder } from './binary-fuse-filter.ts';
import { newReadBuffer, readHibpFile } from './hibp-reader.ts';
import { type ImportProgress, silentProgress } from './import-progress.ts';
import { IndexFileWriter, MAX_SHARD_BITS } from './index-file.ts';

/** Average keys per shard: large enough for the paper's best size factor (1.125), small enough to build in ~60 MB. */
export const DEFAULT_SHARD_TARGET_KEYS = 2 ** 21;
const BUCKET_BITS = 8;
const BUCKET_COUNT = 2 ** BUCKET_BITS;
const BUCKET_BUFFER_KEYS = 8192;

/** The import could not be completed; the message says why (FILE:LINE for input faults). */
export class BreachedImportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BreachedImportError';
  }
}

export interface ImportInput {
  path: string;
  /** How messages name the file (as typed); defaults to the path. */
  label?: string;
}

export interface ImportOptions {
  inputs: ImportInput[];
  output: string;
  progress?: ImportProgress;
  signal?: AbortSignal;
  now?: () => Date;
  /** Average keys per shard (tests make it small to exercise sharding). */
  shardTargetKeys?: number;
}

export interface ImportResult {
  /** Lines read, padding included. */
  lines: number;
  /** Count-0 lines skipped (range API padding). */
  padding: number;
  /** Distinct keys in the new index. */
  entries: number;
  shards: number;
  fileBytes: number;
  output: string;
}

/** The temporary bucket files of step 1. */
class KeyPartition {
  readonly counts = new Float64Array(BUCKET_COUNT);
  private readonly buffers: Uint32Array[] = [];
  private readonly filled = new Uint32Array(BUCKET_COUNT);
  private readonly fds: (number | null)[] = new Array(BUCKET_COUNT).fill(null);
  private readonly dir: string;
  total = 0;

  constructor(dir: string) {
    this.dir = dir;
    for (let b = 0; b < BUCKET_COUNT; b++) this.buffers.push(new Uint32Array(2 * BUCKET_BUFFER_KEYS));
  }

  path(bucket: number): string {
    return join(this.dir, `bucket-${bucket}`);
  }

  add(hi: number, lo: number): void {
    const bucket = hi >>> (32 - BUCKET_BITS);
    const buffer = this.buffers[bucket]!;
    const n = this.filled[bucket]!;
    // Little-endian 64-bit layout (low half first), so a bucket file reads straight into a BigUint64Array.
    buffer[2 * n] = lo;
    buffer[2 * n + 1] = hi;
    this.filled[bucket] = n + 1;
    this.total++;
    if (n + 1 === BUCKET_BUFFER_KEYS) this.flush(bucket);
  }

  flush(bucket: number): void {
    const n = this.filled[bucket]!;
    if (n === 0) return;
    let fd = this.fds[bucket];
    if (fd === null || fd === undefined) {
      fd = openSync(this.path(bucket), 'w', 0o600);
      this.fds[bucket] = fd;
    }
    const buffer = this.buffers[bucket]!;
    const bytes = new Uint8Array(buffer.buffer, 0, n * 8);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    this.counts[bucket] = this.counts[bucket]! + n;
    this.filled[bucket] = 0;
  }

  finishWriting(): void {
    for (let b = 0; b < BUCKET_COUNT; b++) this.flush(b);
    this.close();
    this.buffers.length = 0;
  }

  close(): void {
    for (let b = 0; b < BUCKET_COUNT; b++) {
      const fd = this.fds[b];
      if (fd !== null && fd !== undefined) closeSync(fd);
      this.fds[b] = null;
    }
  }

  /** Reads buckets [from, to) back, sorted and without duplicates, as little-endian 64-bit words. */
  loadSortedUnique(from: number, to: number): { words: Uint32Array; count: number } {
    let total = 0;
    for (let b = from; b < to; b++) total += this.counts[b]!;
    const keys = new BigUint64Array(total);
    const bytes = new Uint8Array(keys.buffer);
    let offset = 0;
    for (let b = from; b < to; b++) {
      const length = this.counts[b]! * 8;
      if (length === 0) continue;
      const fd = openSync(this.path(b), 'r');
      try {
        for (let done = 0; done < length; ) {
          const n = readSync(fd, bytes, offset + done, length - done, done);
          if (n === 0) throw new Error(`temporary bucket ${b} is shorter than written`);
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      offset += length;
    }
    keys.sort();
    const words = new Uint32Array(keys.buffer);
    let unique = 0;
    for (let i = 0; i < total; i++) {
      const lo = words[2 * i]!;
      const hi = words[2 * i + 1]!;
      if (unique > 0 && words[2 * unique - 2] === lo && words[2 * unique - 1] === hi) continue;
      words[2 * unique] = lo;
      words[2 * unique + 1] = hi;
      unique++;
    }
    return { words, count: unique };
  }
}

/** Shard bits so that shards average at most `target` keys. */
export function chooseShardBits(keys: number, target: number): number {
  let bits = 0;
  while (bits < MAX_SHARD_BITS && keys / 2 ** bits > target) bits++;
  return bits;
}

function describeSystemError(error: unknown, dir: string): string | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return `not enough disk space in ${dir} (the import needs about 8 bytes per input line there while it runs)`;
  if (code === 'EACCES' || code === 'EPERM') return `no permission to write in ${dir}`;
  if (code === 'EROFS') return `${dir} is on a read-only file system`;
  return null;
}

export async function importBreachedPasswords(options: ImportOptions): Promise<ImportResult> {
  const output = resolve(options.output);
  const outputDir = dirname(output);
  const progress = options.progress ?? silentProgress;
  const { signal } = options;
  const target = options.shardTargetKeys ?? DEFAULT_SHARD_TARGET_KEYS;
  if (options.inputs.length === 0) throw new BreachedImportError('no input files');

  // Check every input before doing any work, so a typo in the last name doesn't waste an hour.
  let bytesTotal = 0;
  for (const input of options.inputs) {
    const label = input.label ?? input.path;
    const info = await stat(input.path).catch((error: NodeJS.ErrnoException) => {
      throw new BreachedImportError(`${label}: can't be read (${error.code === 'ENOENT' ? 'no such file' : (error.code ?? 'error')})`);
    });
    if (!info.isFile()) throw new BreachedImportError(`${label}: not a file`);
    bytesTotal += info.size;
  }

  try {
    await mkdir(outputDir, { recursive: true });
  } catch (error) {
    throw new BreachedImportError(describeSystemError(error, outputDir) ?? `can't create ${outputDir}`, { cause: error });
  }
  let workDir: string;
  try {
    workDir = await mkdtemp(join(outputDir, '.breached-import-'));
  } catch (error) {
    throw new BreachedImportError(describeSystemError(error, outputDir) ?? `can't create a temporary folder in ${outputDir}`, {
      cause: error,
    });
  }
  const partition = new KeyPartition(workDir);
  const tempIndex = join(outputDir, `.${basename(output)}.${process.pid}.${Date.now()}.tmp`);
  let writer: IndexFileWriter | null = null;
  let renamed = false;
  const checkCancelled = () => {
    if (signal?.aborted) throw new BreachedImportError('cancelled');
  };

  try {
    // Step 1: read and partition.
    let lines = 0;
    let padding = 0;
    let bytesDone = 0;
    const buffer = newReadBuffer();
    for (const input of options.inputs) {
      const summary = await readHibpFile(input.path, input.label ?? input.path, {
        onKey: (hi, lo) => partition.add(hi, lo),
        onBytes: (n) => {
          bytesDone += n;
          progress.reading(partition.total, bytesDone, bytesTotal);
        },
        signal,
        buffer,
      });
      lines += summary.lines;
      padding += summary.padding;
    }
    checkCancelled();
    progress.reading(partition.total, bytesTotal, bytesTotal);
    partition.finishWriting();

    // Step 2: build shard by shard.
    const shardBits = chooseShardBits(partition.total, target);
    const shardCount = 2 ** shardBits;
    writer = await IndexFileWriter.create(tempIndex, shardBits);
    let builder: FuseBuilder | null = null;
    const buildShard = (words: Uint32Array, count: number) => {
      if (builder === null || builder.maxKeys < count) builder = new FuseBuilder(Math.ceil(count * 1.05));
      return builder.build(words, count);
    };
    let entries = 0;
    let shardsDone = 0;
    progress.building(0, shardCount);
    if (shardBits <= BUCKET_BITS) {
      const bucketsPerShard = 2 ** (BUCKET_BITS - shardBits);
      for (let s = 0; s < shardCount; s++) {
        checkCancelled();
        const { words, count } = partition.loadSortedUnique(s * bucketsPerShard, (s + 1) * bucketsPerShard);
        await writer.writeShard(buildShard(words, count));
        entries += count;
        progress.building(++shardsDone, shardCount);
      }
    } else {
      const shift = 32 - shardBits;
      const shardsPerBucket = 2 ** (shardBits - BUCKET_BITS);
      for (let b = 0; b < BUCKET_COUNT; b++) {
        checkCancelled();
        const { words, count } = partition.loadSortedUnique(b, b + 1);
        let start = 0;
        for (let j = 0; j < shardsPerBucket; j++) {
          const shard = b * shardsPerBucket + j;
          let end = start;
          while (end < count && words[2 * end + 1]! >>> shift === shard) end++;
          await writer.writeShard(buildShard(words.subarray(2 * start, 2 * end), end - start));
          entries += end - start;
          start = end;
          progress.building(++shardsDone, shardCount);
        }
      }
    }

    // Step 3: commit atomically.
    checkCancelled();
    await writer.finish(entries, options.now?.() ?? new Date());
    writer = null;
    const fileBytes = (await stat(tempIndex)).size;
    await rename(tempIndex, output);
    renamed = true;
    await syncDirectory(outputDir);
    progress.done();
    return { lines, padding, entries, shards: shardCount, fileBytes, output };
  } catch (error) {
    progress.done();
    if (error instanceof BreachedImportError) throw error;
    if (error instanceof Error && error.name === 'HibpFormatError') throw new BreachedImportError(error.message, { cause: error });
    const described = describeSystemError(error, outputDir);
    if (described !== null) throw new BreachedImportError(described, { cause: error });
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new BreachedImportError(`can't write the index ${output} (${code})`, { cause: error });
    throw error;
  } finally {
    partition.close();
    if (writer !== null) await writer.abort();
    if (!renamed) await rm(tempIndex, { force: true });
    await rm(workDir, { recursive: true, force: true });
  }
}

/** fsync the folder so the rename itself survives a crash (POSIX leaves it in the page cache otherwise). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms can't fsync a directory; the rename is still atomic there.
  }
}
