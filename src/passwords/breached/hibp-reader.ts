// Streams files in the Have I Been Pwned "Pwned Passwords" format and hands each hash's 64-bit
// key on. Two shapes (https://haveibeenpwned.com/Passwords, the range API and its downloader):
//   whole corpus:  SHA1HASH:COUNT        40 hex digits
//   range file:    SUFFIX:COUNT          35 hex digits; the file is named for the first 5 (21BD1.txt)
// Either case of hex, LF or CRLF line ends, an optional UTF-8 byte order mark. Lines with count 0
// are the range API's padding entries, not breached passwords, and are skipped.
// The first fault stops the read with `FILE:LINE: what is wrong`.

import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { HEX_VALUE } from './sha1-key.ts';

const CHUNK_BYTES = 4 * 1024 * 1024;
/** Longer than any valid line (40 + 1 + a count); a longer one means this is not such a file. */
const MAX_LINE_BYTES = 128;
const MAX_COUNT_DIGITS = 15;
const COLON = 0x3a;
const CR = 0x0d;
const LF = 0x0a;
const RANGE_FILE_NAME = /^([0-9A-Fa-f]{5})(\.txt)?$/;

/** A fault in an input file, located as FILE:LINE. */
export class HibpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HibpFormatError';
  }
}

export interface HibpReadCallbacks {
  /** One entry: the SHA-1's first 64 bits as two 32-bit halves. */
  onKey(hi: number, lo: number): void;
  /** Bytes of the file consumed since the last call, for progress. */
  onBytes(bytes: number): void;
  /** Checked between chunks, so a long read can be cancelled. */
  signal?: AbortSignal | undefined;
  /** A read buffer to reuse (from newReadBuffer): the range download is a million small files. */
  buffer?: Uint8Array | undefined;
}

/** A buffer for readHibpFile, to allocate once per import rather than once per file. */
export function newReadBuffer(): Uint8Array {
  return new Uint8Array(CHUNK_BYTES + MAX_LINE_BYTES);
}

export interface HibpFileSummary {
  lines: number;
  entries: number;
  /** Count-0 lines (range API padding) that were skipped. */
  padding: number;
  kind: 'corpus' | 'range' | 'empty';
}

/** Reads one file; `label` is how errors name it (the path as the user typed it). */
export async function readHibpFile(path: string, label: string, callbacks: HibpReadCallbacks): Promise<HibpFileSummary> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new HibpFormatError(`${label}: can't be read (${error.code === 'ENOENT' ? 'no such file' : (error.code ?? 'error')})`);
  });
  const summary: HibpFileSummary = { lines: 0, entries: 0, padding: 0, kind: 'empty' };
  // Hash digits before the colon: 40 for the corpus, 35 for a range file (the name gives the other 5).
  let hashDigits = 0;
  let prefix = 0;
  const fail = (line: number, what: string): never => {
    throw new HibpFormatError(`${label}:${line}: ${what}`);
  };

  /** Parses buf[start, end) (no line feed) as line `line`; `atEnd` when it is an unterminated last line. */
  const parseLine = (buf: Uint8Array, start: number, end: number, line: number, atEnd: boolean): void => {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) fail(line, 'empty line');
    if (hashDigits === 0) {
      const colon = buf.indexOf(COLON, start);
      const width = colon === -1 || colon >= end ? end - start : colon - start;
      if (width === 40) {
        hashDigits = 40;
        summary.kind = 'corpus';
      } else if (width === 35) {
        const name = RANGE_FILE_NAME.exec(basename(path));
        if (name === null) {
          fail(
            line,
            `35-digit hash suffixes are range-file lines, but the file name does not give the 5-digit prefix (name range files like 21BD1.txt)`,
          );
        }
        hashDigits = 35;
        prefix = Number.parseInt((name as RegExpExecArray)[1] as string, 16);
        summary.kind = 'range';
      } else if (atEnd && colon === -1) {
        fail(line, 'the line ends early (is the file truncated?)');
      } else {
        fail(line, `expected a 40-digit SHA-1 (or a 35-digit suffix in a range file) before ':', found ${width} characters`);
      }
    }
    // Hex digits, checked one by one so the message can say which column is wrong.
    let hi = hashDigits === 35 ? prefix : 0;
    let lo = 0;
    let pos = start;
    for (let d = 0; d < hashDigits; d++, pos++) {
      if (pos >= end) {
        if (atEnd) fail(line, 'the line ends early (is the file truncated?)');
        fail(line, `expected ${hashDigits} hexadecimal digits before ':', found ${d}`);
      }
      const value = HEX_VALUE[buf[pos]!]!;
      if (value < 0) {
        if (buf[pos] === COLON) fail(line, `expected ${hashDigits} hexadecimal digits before ':', found ${d}`);
        fail(line, `character ${d + 1} is not a hexadecimal digit`);
      }
      // Digit k of the whole 40-digit hash: the first 8 make the high half, the next 8 the low half.
      const k = hashDigits === 35 ? d + 5 : d;
      if (k < 8) hi = ((hi << 4) | value) >>> 0;
      else if (k < 16) lo = ((lo << 4) | value) >>> 0;
    }
    if (pos >= end) {
      if (atEnd) fail(line, "the line ends early after the hash, no ':COUNT' (is the file truncated?)");
      fail(line, "missing ':COUNT' after the hash");
    }
    if (buf[pos] !== COLON) fail(line, `expected ':' after ${hashDigits} hexadecimal digits`);
    pos++;
    if (pos >= end) {
      if (atEnd) fail(line, "the line ends early after ':', no count (is the file truncated?)");
      fail(line, "missing count after ':'");
    }
    if (end - pos > MAX_COUNT_DIGITS) fail(line, 'the count is too long to be a number of occurrences');
    let count = 0;
    for (; pos < end; pos++) {
      const c = buf[pos]! - 0x30;
      if (c < 0 || c > 9) fail(line, 'the count after the colon is not a whole number');
      count = count * 10 + c;
    }
    summary.lines++;
    if (count === 0) {
      summary.padding++;
      return;
    }
    summary.entries++;
    callbacks.onKey(hi, lo);
  };

  try {
    const buf =
      callbacks.buffer !== undefined && callbacks.buffer.length >= CHUNK_BYTES + MAX_LINE_BYTES ? callbacks.buffer : newReadBuffer();
    let filled = 0;
    let fileOffset = 0;
    let line = 0;
    let first = true;
    for (;;) {
      if (callbacks.signal?.aborted) throw new HibpFormatError('cancelled');
      const { bytesRead } = await handle.read(buf, filled, CHUNK_BYTES, fileOffset);
      fileOffset += bytesRead;
      const available = filled + bytesRead;
      let start = 0;
      if (first && available >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      first = false;
      if (bytesRead === 0) {
        // End of file: whatever is left is an unterminated last line.
        if (available > start) parseLine(buf, start, available, line + 1, true);
        break;
      }
      for (;;) {
        const newline = buf.indexOf(LF, start);
        if (newline === -1 || newline >= available) break;
        line++;
        parseLine(buf, start, newline, line, false);
        start = newline + 1;
      }
      const rest = available - start;
      if (rest > MAX_LINE_BYTES) fail(line + 1, `line longer than ${MAX_LINE_BYTES} characters; this is not a Pwned Passwords file`);
      buf.copyWithin(0, start, available);
      filled = rest;
      callbacks.onBytes(bytesRead);
    }
  } finally {
    await handle.close();
  }
  return summary;
}
