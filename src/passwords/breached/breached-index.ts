// The breached-password index as the password policy uses it: open the file built by
// `nyckel breached import`, ask whether a password (or its SHA-1) is in it. The lookup never
// misses a password that was imported; about 1 in 65,536 others is wrongly reported as
// breached, which only means the user picks another password.
//
// Replacing the index while the service runs goes through BreachedIndexSource.reload(): a new
// file that is corrupt or truncated is refused and the index already loaded stays in use.

import { NyckelError } from '../../domain/errors.ts';
import { sha1Hex } from '../../security/tokens.ts';
import { type FuseFilter, fuseContains } from './binary-fuse-filter.ts';
import { BreachedIndexFileError, type LoadedIndex, readIndexFile } from './index-file.ts';
import { parsedKey, parseSha1Key } from './sha1-key.ts';

export { BreachedIndexFileError } from './index-file.ts';

export interface BreachedIndexInfo {
  /** Distinct SHA-1 prefixes in the index. */
  entries: number;
  /** Size of the index file in bytes. */
  fileBytes: number;
  bytesPerEntry: number;
  builtAt: Date;
  shards: number;
}

export interface BreachedIndex {
  readonly info: BreachedIndexInfo;
  /** Whether the SHA-1 (40 hex digits, either case) is in the index. */
  hasSha1(hex: string): boolean;
  /** Whether the password's SHA-1 (of its UTF-8 bytes, as HIBP computes it) is in the index. */
  hasPassword(password: string): boolean;
}

class FuseBreachedIndex implements BreachedIndex {
  readonly info: BreachedIndexInfo;
  private readonly shards: FuseFilter[];
  private readonly shift: number;

  constructor(loaded: LoadedIndex) {
    this.shards = loaded.shards;
    this.shift = 32 - loaded.shardBits;
    this.info = {
      entries: loaded.entries,
      fileBytes: loaded.fileBytes,
      bytesPerEntry: loaded.entries === 0 ? 0 : loaded.fileBytes / loaded.entries,
      builtAt: loaded.builtAt,
      shards: loaded.shards.length,
    };
  }

  hasSha1(hex: string): boolean {
    if (typeof hex !== 'string' || !parseSha1Key(hex)) throw new NyckelError('invalid_input', 'a SHA-1 is 40 hexadecimal digits');
    return this.hasKey(parsedKey.hi, parsedKey.lo);
  }

  hasPassword(password: string): boolean {
    if (typeof password !== 'string') throw new NyckelError('invalid_input', 'the password must be a string');
    return this.hasSha1(sha1Hex(password));
  }

  /** The lookup itself, on a key's two 32-bit halves (the benchmark calls this directly). */
  hasKey(hi: number, lo: number): boolean {
    // `>>> 32` is `>>> 0` in JavaScript, so one shard needs its own case.
    const shard = this.shift === 32 ? this.shards[0] : this.shards[hi >>> this.shift];
    return shard !== undefined && fuseContains(shard, hi, lo);
  }
}

/**
 * Opens the index at `path`: null when there is no file there (no index configured yet);
 * throws BreachedIndexFileError, with a message naming the file and the fault, when the file
 * is not a complete, intact index.
 */
export function openBreachedIndex(path: string): BreachedIndex | null {
  try {
    return new FuseBreachedIndex(readIndexFile(path));
  } catch (error) {
    if (error instanceof BreachedIndexFileError && error.problem === 'missing') return null;
    throw error;
  }
}

/** Opens the index and exposes the key-level lookup too (for the benchmark and tests). */
export function openBreachedIndexForKeys(path: string): (BreachedIndex & { hasKey(hi: number, lo: number): boolean }) | null {
  return openBreachedIndex(path) as (BreachedIndex & { hasKey(hi: number, lo: number): boolean }) | null;
}

export type ReloadResult = { ok: true; index: BreachedIndex | null } | { ok: false; reason: string };

/** Holds the index in use; reload() swaps in a new file only when it reads back intact. */
export class BreachedIndexSource {
  private index: BreachedIndex | null = null;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  current(): BreachedIndex | null {
    return this.index;
  }

  reload(): ReloadResult {
    try {
      const next = openBreachedIndex(this.path);
      // A missing file is not a reason to drop a good index: keep what we have.
      if (next !== null) this.index = next;
      return { ok: true, index: this.index };
    } catch (error) {
      if (error instanceof BreachedIndexFileError) return { ok: false, reason: error.message };
      throw error;
    }
  }
}
