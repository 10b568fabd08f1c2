// The uploaded list of a campaign: usernames or e-mail addresses (the leaked ones), one per line
// or as the first column of a CSV. Parsing is bounded before anything else (bytes, lines, line
// length), binary files are refused whole, and every problem is reported by line number with the
// entry as uploaded (sanitised, shortened): never anything read from the directory.

import {
  type CampaignFieldError,
  MAX_REPORTED_PROBLEMS,
  MAX_UPLOAD_BYTES,
  MAX_UPLOAD_LINES,
  type UploadProblem,
  type UploadReport,
} from './campaign.ts';

/** Longer than any username or e-mail address (RFC 5321 caps an address at 254). */
export const MAX_ENTRY_LENGTH = 254;
const SHOWN_ENTRY_LENGTH = 80;
const HEADER_NAMES = new Set([
  'username',
  'user',
  'email',
  'e-mail',
  'mail',
  'identifier',
  'användarnamn',
  'anvandarnamn',
  'e-post',
  'epost',
]);
// An e-mail address: one @, no spaces, a dot in the domain. Usernames: letters, digits and . _ - ' (and no LDAP filter specials).
const EMAIL = /^[^\s@<>()\\,;:"*]+@[^\s@<>()\\,;:"*]+\.[^\s@<>()\\,;:"*.]+$/u;
const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}._'-]*$/u;

export interface ParsedEntry {
  line: number;
  /** NFC, trimmed, lower-cased: what findAccount is asked and duplicates are compared on. */
  identifier: string;
  /** The sanitised entry for reports. */
  shown: string;
}

export interface ParsedUpload {
  entries: ParsedEntry[];
  problems: UploadProblem[];
  lines: number;
}

/** Control and format characters (and line separators) become U+FFFD; cut to 80 characters. */
export function showEntry(raw: string): string {
  const cut = raw.length > SHOWN_ENTRY_LENGTH * 2 ? raw.slice(0, SHOWN_ENTRY_LENGTH * 2) : raw;
  const clean = cut.replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\u2028\u2029]/gu, '\uFFFD').trim();
  const chars = Array.from(clean);
  return chars.length > SHOWN_ENTRY_LENGTH ? `${chars.slice(0, SHOWN_ENTRY_LENGTH - 1).join('')}…` : clean;
}

/** Refuses what can't be a text list: too big, NUL bytes, or mostly undecodable/control characters. */
function checkText(text: string): CampaignFieldError | null {
  // Length first (cheap): a UTF-8 byte is at most one UTF-16 unit, so this bounds the work below.
  if (text.length > MAX_UPLOAD_BYTES || Buffer.byteLength(text, 'utf8') > MAX_UPLOAD_BYTES)
    return { field: 'upload', code: 'upload_too_large' };
  if (text.includes('\u0000')) return { field: 'upload', code: 'upload_binary' };
  const sample = text.slice(0, 65_536);
  let odd = 0;
  for (const ch of sample) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0xfffd || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c < 0xa0)) odd++;
  }
  // A stray control character in a short list is reported on its line; many of them mean a binary file.
  if (odd > Math.max(8, sample.length * 0.05)) return { field: 'upload', code: 'upload_binary' };
  return null;
}

/** Decodes uploaded bytes (UTF-8, a BOM dropped) for parseUpload, refusing oversized input before decoding it. */
export function decodeUpload(bytes: Uint8Array): string | { error: CampaignFieldError } {
  if (bytes.byteLength > MAX_UPLOAD_BYTES) return { error: { field: 'upload', code: 'upload_too_large' } };
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
}

/** The first field of a CSV line (quoted or not; separators , ; and tab). */
function firstField(line: string): string {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('"')) {
    let out = '';
    for (let i = 1; i < trimmed.length; i++) {
      const ch = trimmed[i];
      if (ch === '"') {
        if (trimmed[i + 1] === '"') {
          out += '"';
          i++;
          continue;
        }
        return out;
      }
      out += ch;
    }
    return out;
  }
  const end = trimmed.search(/[,;\t]/);
  return end === -1 ? trimmed : trimmed.slice(0, end);
}

/** Whether a normalised identifier looks like a username or an e-mail address. */
export function isPlausibleIdentifier(identifier: string): boolean {
  if (identifier.length === 0 || identifier.length > MAX_ENTRY_LENGTH) return false;
  return identifier.includes('@') ? EMAIL.test(identifier) : USERNAME.test(identifier);
}

/**
 * Parses an upload: entries to look up (distinct identifiers, in line order) and the malformed
 * and duplicate lines. Refuses the whole upload (`error`) when it is too large, binary, has more
 * than MAX_UPLOAD_LINES non-empty lines, or has no entries at all.
 */
export function parseUpload(input: string): ParsedUpload | { error: CampaignFieldError } {
  const refused = checkText(input);
  if (refused !== null) return { error: refused };
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const entries: ParsedEntry[] = [];
  const problems: UploadProblem[] = [];
  const seen = new Map<string, number>();
  let lines = 0;
  let lineNo = 0;
  let start = 0;
  let headerChecked = false;
  while (start <= text.length) {
    // Walk the text by line breaks without splitting it all at once (a 5 MB upload stays one string).
    let end = start;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    lineNo++;
    const raw = text.slice(start, end);
    start = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    if (raw.length > MAX_ENTRY_LENGTH * 4) {
      // An over-long line is malformed without being parsed any further (a 1 MB line costs one slice).
      lines++;
      problems.push({ line: lineNo, kind: 'malformed', entry: showEntry(raw) });
      if (lines > MAX_UPLOAD_LINES) return { error: { field: 'upload', code: 'upload_too_many_lines' } };
      headerChecked = true;
      continue;
    }
    const field = firstField(raw).normalize('NFC').trim();
    if (!headerChecked) {
      headerChecked = true;
      if (HEADER_NAMES.has(field.toLowerCase())) continue;
    }
    lines++;
    if (lines > MAX_UPLOAD_LINES) return { error: { field: 'upload', code: 'upload_too_many_lines' } };
    const identifier = field.toLowerCase();
    if (!isPlausibleIdentifier(identifier)) {
      problems.push({ line: lineNo, kind: 'malformed', entry: showEntry(field === '' ? raw : field) });
      continue;
    }
    const first = seen.get(identifier);
    if (first !== undefined) {
      problems.push({ line: lineNo, kind: 'duplicate', entry: showEntry(field), firstLine: first });
      continue;
    }
    seen.set(identifier, lineNo);
    entries.push({ line: lineNo, identifier, shown: showEntry(field) });
  }
  if (lines === 0) return { error: { field: 'upload', code: 'upload_empty' } };
  return { entries, problems, lines };
}

/** The report for the page: complete counts, the first MAX_REPORTED_PROBLEMS problems in line order. */
export function uploadReport(lines: number, accounts: number, problems: UploadProblem[]): UploadReport {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  return {
    lines,
    accounts,
    malformed: problems.filter((p) => p.kind === 'malformed').length,
    duplicates: problems.filter((p) => p.kind === 'duplicate').length,
    unknown: problems.filter((p) => p.kind === 'unknown').length,
    problems: sorted.slice(0, MAX_REPORTED_PROBLEMS),
    problemsTruncated: sorted.length > MAX_REPORTED_PROBLEMS,
  };
}
