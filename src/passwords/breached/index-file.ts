// The on-disk format of the breached-password index, and reading and writing it.
//
// Layout (all integers little-endian):
//   0  magic "NYCKELBF"                      8 bytes
//   8  version (1)                            u16
//  10  fingerprint bits (16)                  u16
//  12  header bytes (64 + 24 × shards)        u32
//  16  shard bits (shards = 2^bits)           u32
//  20  key kind (1 = first 8 bytes of SHA-1)  u32
//  24  entries (distinct keys)                u64
//  32  build time, ms since 1970              u64
//  40  fingerprint bytes                      u64
//  48  CRC-32 of the header (this field and the next as zero)  u32
//  52  CRC-32 of the fingerprints             u32
//  56  reserved, zero                         8 bytes
//  64  per shard: seed high, seed low, keys, segment length, segment count, reserved (6 × u32)
//  then every shard's fingerprints in order, (segment count + 2) × segment length u16 each.
// The checksums catch a truncated copy or a flipped bit before a damaged index could wave
// leaked passwords through; the reader refuses the file instead.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { type FuseFilter, MAX_SEGMENT_LENGTH } from './binary-fuse-filter.ts';

export const INDEX_MAGIC = 'NYCKELBF';
export const INDEX_VERSION = 1;
export const FIXED_HEADER_BYTES = 64;
export const SHARD_ENTRY_BYTES = 24;
export const MAX_SHARD_BITS = 20;
const KEY_KIND_SHA1_PREFIX = 1;
/** Read and checksum in pieces: one read() is limited to 2 GiB, and smaller pieces keep the page cache calm. */
const READ_CHUNK_BYTES = 64 * 1024 * 1024;

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type IndexFileProblem = 'missing' | 'unreadable' | 'not_an_index' | 'unsupported' | 'truncated' | 'corrupt';

/** The index file can't be used; the message says why in words an operator can act on. */
export class BreachedIndexFileError extends Error {
  readonly problem: IndexFileProblem;
  constructor(problem: IndexFileProblem, message: string) {
    super(message);
    this.name = 'BreachedIndexFileError';
    this.problem = problem;
  }
}

export interface IndexHeader {
  entries: number;
  builtAt: Date;
  shardBits: number;
  fileBytes: number;
}

export interface LoadedIndex extends IndexHeader {
  shards: FuseFilter[];
}

function swapBytes16(bytes: Uint8Array): void {
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const b = bytes[i]!;
    bytes[i] = bytes[i + 1]!;
    bytes[i + 1] = b;
  }
}

/** Reads and verifies a whole index file into memory (one read, no mmap). Throws BreachedIndexFileError. */
export function readIndexFile(path: string): LoadedIndex {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BreachedIndexFileError('missing', `${path}: no breached-password index here`);
    throw new BreachedIndexFileError('unreadable', `${path}: can't be read (${code ?? 'error'})`);
  }
  try {
    return readOpenIndex(fd, path);
  } finally {
    closeSync(fd);
  }
}

function readExactly(fd: number, target: Uint8Array, position: number): number {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, Math.min(target.length - done, READ_CHUNK_BYTES), position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function readOpenIndex(fd: number, path: string): LoadedIndex {
  const fileBytes = fstatSync(fd).size;
  const refuse = (problem: IndexFileProblem, what: string) => new BreachedIndexFileError(problem, `${path}: ${what}`);
  const fixed = new Uint8Array(FIXED_HEADER_BYTES);
  const gotFixed = readExactly(fd, fixed, 0);
  if (gotFixed >= 8 && Buffer.from(fixed.subarray(0, 8)).toString('latin1') !== INDEX_MAGIC) {
    throw refuse('not_an_index', 'not a breached-password index (wrong magic bytes)');
  }
  if (gotFixed < FIXED_HEADER_BYTES)
    throw refuse('truncated', `truncated: ${fileBytes} bytes, shorter than the ${FIXED_HEADER_BYTES}-byte header`);
  const view = new DataView(fixed.buffer);
  const version = view.getUint16(8, true);
  if (version !== INDEX_VERSION)
    throw refuse(
      'unsupported',
      `index format version ${version} is not supported (this Nyckel reads version ${INDEX_VERSION}); rebuild it`,
    );
  const fingerprintBits = view.getUint16(10, true);
  const headerBytes = view.getUint32(12, true);
  const shardBits = view.getUint32(16, true);
  const keyKind = view.getUint32(20, true);
  if (fingerprintBits !== 16 || keyKind !== KEY_KIND_SHA1_PREFIX || shardBits > MAX_SHARD_BITS) {
    throw refuse('corrupt', 'corrupt header (unknown parameters)');
  }
  const shardCount = 2 ** shardBits;
  if (headerBytes !== FIXED_HEADER_BYTES + SHARD_ENTRY_BYTES * shardCount) throw refuse('corrupt', 'corrupt header (wrong header size)');
  if (fileBytes < headerBytes) throw refuse('truncated', `truncated: ${fileBytes} bytes, but the header alone is ${headerBytes}`);
  const header = new Uint8Array(headerBytes);
  header.set(fixed);
  readExactly(fd, header.subarray(FIXED_HEADER_BYTES), FIXED_HEADER_BYTES);
  const headerView = new DataView(header.buffer);
  const headerCrc = headerView.getUint32(48, true);
  const payloadCrc = headerView.getUint32(52, true);
  headerView.setUint32(48, 0, true);
  headerView.setUint32(52, 0, true);
  if (crc32(header) !== headerCrc) throw refuse('corrupt', 'corrupt: the header checksum does not match');

  const entries = Number(headerView.getBigUint64(24, true));
  const builtAt = new Date(Number(headerView.getBigUint64(32, true)));
  const payloadBytes = Number(headerView.getBigUint64(40, true));
  const layouts: { seedHi: number; seedLo: number; size: number; segmentLength: number; segmentCount: number }[] = [];
  let total = 0;
  for (let s = 0; s < shardCount; s++) {
    const at = FIXED_HEADER_BYTES + s * SHARD_ENTRY_BYTES;
    const shard = {
      seedHi: headerView.getUint32(at, true),
      seedLo: headerView.getUint32(at + 4, true),
      size: headerView.getUint32(at + 8, true),
      segmentLength: headerView.getUint32(at + 12, true),
      segmentCount: headerView.getUint32(at + 16, true),
    };
    const { segmentLength, segmentCount } = shard;
    if (segmentLength < 4 || segmentLength > MAX_SEGMENT_LENGTH || (segmentLength & (segmentLength - 1)) !== 0 || segmentCount < 1) {
      throw refuse('corrupt', `corrupt header (shard ${s} has impossible parameters)`);
    }
    total += (segmentCount + 2) * segmentLength * 2;
    layouts.push(shard);
  }
  if (total !== payloadBytes) throw refuse('corrupt', 'corrupt header (shard sizes do not add up)');
  const expected = headerBytes + payloadBytes;
  if (fileBytes < expected) throw refuse('truncated', `truncated: ${fileBytes} bytes of the expected ${expected}`);
  if (fileBytes > expected) throw refuse('corrupt', `corrupt: ${fileBytes - expected} unexpected bytes after the end of the index`);

  const payload = new Uint8Array(payloadBytes);
  let crc = 0;
  for (let done = 0; done < payloadBytes; ) {
    const piece = payload.subarray(done, Math.min(payloadBytes, done + READ_CHUNK_BYTES));
    const n = readExactly(fd, piece, headerBytes + done);
    if (n < piece.length) throw refuse('truncated', 'truncated while reading (the file shrank)');
    crc = crc32(piece, crc);
    done += n;
  }
  if (crc !== payloadCrc) throw refuse('corrupt', 'corrupt: the fingerprint checksum does not match');
  if (!isLittleEndian) swapBytes16(payload);

  const shards: FuseFilter[] = [];
  let offset = 0;
  for (const layout of layouts) {
    const length = (layout.segmentCount + 2) * layout.segmentLength;
    shards.push({ ...layout, fingerprints: new Uint16Array(payload.buffer, offset, length) });
    offset += length * 2;
  }
  return { entries, builtAt, shardBits, fileBytes, shards };
}

/** Writes an index shard by shard (each shard's fingerprints can be dropped once written), then the header. */
export class IndexFileWriter {
  private readonly handle: FileHandle;
  private readonly shardBits: number;
  private readonly header: Uint8Array;
  private readonly headerView: DataView;
  private nextShard = 0;
  private payloadBytes = 0;
  private payloadCrc = 0;

  private constructor(handle: FileHandle, shardBits: number) {
    this.handle = handle;
    this.shardBits = shardBits;
    this.header = new Uint8Array(FIXED_HEADER_BYTES + SHARD_ENTRY_BYTES * 2 ** shardBits);
    this.headerView = new DataView(this.header.buffer);
  }

  /** Creates `path` (which must not exist) for an index of 2^shardBits shards. */
  static async create(path: string, shardBits: number): Promise<IndexFileWriter> {
    if (!Number.isInteger(shardBits) || shardBits < 0 || shardBits > MAX_SHARD_BITS) throw new RangeError(`shard bits ${shardBits}`);
    return new IndexFileWriter(await open(path, 'wx', 0o644), shardBits);
  }

  get shardCount(): number {
    return 2 ** this.shardBits;
  }

  async writeShard(filter: FuseFilter): Promise<void> {
    if (this.nextShard >= this.shardCount) throw new RangeError('more shards than the header has room for');
    const at = FIXED_HEADER_BYTES + this.nextShard * SHARD_ENTRY_BYTES;
    const v = this.headerView;
    v.setUint32(at, filter.seedHi, true);
    v.setUint32(at + 4, filter.seedLo, true);
    v.setUint32(at + 8, filter.size, true);
    v.setUint32(at + 12, filter.segmentLength, true);
    v.setUint32(at + 16, filter.segmentCount, true);
    let bytes = new Uint8Array(filter.fingerprints.buffer, filter.fingerprints.byteOffset, filter.fingerprints.byteLength);
    if (!isLittleEndian) {
      bytes = bytes.slice();
      swapBytes16(bytes);
    }
    await this.writeAll(bytes, this.header.length + this.payloadBytes);
    this.payloadCrc = crc32(bytes, this.payloadCrc);
    this.payloadBytes += bytes.length;
    this.nextShard++;
  }

  /** Writes the header, flushes the file to disk (fsync) and closes it. */
  async finish(entries: number, builtAt: Date): Promise<void> {
    if (this.nextShard !== this.shardCount) throw new RangeError(`only ${this.nextShard} of ${this.shardCount} shards written`);
    const v = this.headerView;
    this.header.set(Buffer.from(INDEX_MAGIC, 'latin1'), 0);
    v.setUint16(8, INDEX_VERSION, true);
    v.setUint16(10, 16, true);
    v.setUint32(12, this.header.length, true);
    v.setUint32(16, this.shardBits, true);
    v.setUint32(20, KEY_KIND_SHA1_PREFIX, true);
    v.setBigUint64(24, BigInt(entries), true);
    v.setBigUint64(32, BigInt(builtAt.getTime()), true);
    v.setBigUint64(40, BigInt(this.payloadBytes), true);
    v.setUint32(48, 0, true);
    v.setUint32(52, 0, true);
    const headerCrc = crc32(this.header);
    v.setUint32(48, headerCrc, true);
    v.setUint32(52, this.payloadCrc, true);
    await this.writeAll(this.header, 0);
    // fsync before the caller renames: otherwise a crash could leave the new name pointing at unwritten blocks.
    await this.handle.sync();
    await this.handle.close();
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
  }

  private async writeAll(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, Math.min(bytes.length - done, READ_CHUNK_BYTES), position + done);
      done += bytesWritten;
    }
  }
}
