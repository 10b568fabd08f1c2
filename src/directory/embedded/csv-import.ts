// Reads a CSV file of new embedded-directory accounts (`nyckel users import`) and plans the
// import: every row validated, duplicates found, every problem reported as "line N: field:
// message" so an administrator fixes the file in one go. Nothing here writes; the caller
// imports the accepted rows in one transaction.
//
// Accepted files: UTF-8 (with or without a BOM, as Excel's "CSV UTF-8" writes it), comma or
// semicolon separated (Swedish Excel uses ';'), header row with exactly the columns below in
// any order, plus optionally `groups` (group names separated by `|`).

import { readFile, stat } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { NyckelError } from '../../domain/errors.ts';
import { type AccountInputProblem, parseNewAccount, type ValidNewAccount } from './account-input.ts';

export const CSV_COLUMNS = ['username', 'email', 'display_name', 'department', 'mobile'] as const;
/** Columns a file may have besides CSV_COLUMNS. `groups`: group names separated by `|`. */
export const OPTIONAL_CSV_COLUMNS = ['groups'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number] | (typeof OPTIONAL_CSV_COLUMNS)[number];

/** The sync parser holds the whole file in memory: keep it to what a municipality's staff list needs. */
export const MAX_CSV_BYTES = 10 * 1024 * 1024;

/** How the account fields are named in the file, for messages. */
const columnOfField: Record<string, CsvColumn> = {
  username: 'username',
  email: 'email',
  displayName: 'display_name',
  department: 'department',
  mobile: 'mobile',
  groups: 'groups',
};

export interface CsvProblem {
  /** 1-based line in the file; 0 when the problem is about the file as a whole. */
  line: number;
  /** The column the problem is about, or null for the row or the file. */
  field: string | null;
  message: string;
}

export interface AcceptedRow {
  line: number;
  account: ValidNewAccount;
}

export interface RejectedRow {
  line: number;
  problems: CsvProblem[];
}

export type CsvImportPlan =
  /** The file itself can't be used (size, encoding, header, CSV syntax): nothing may be imported. */
  { kind: 'unusable'; problems: CsvProblem[] } | { kind: 'rows'; delimiter: ',' | ';'; accepted: AcceptedRow[]; rejected: RejectedRow[] };

/** Usernames and e-mail addresses already taken, lower-cased. */
export interface ExistingAccounts {
  usernames: ReadonlySet<string>;
  emails: ReadonlySet<string>;
}

export function formatCsvProblem(problem: CsvProblem): string {
  const where = problem.line > 0 ? `line ${problem.line}: ` : '';
  const field = problem.field === null ? '' : `${problem.field}: `;
  return `${where}${field}${problem.message}`;
}

/** Reads a CSV file, refusing one larger than MAX_CSV_BYTES before reading it. */
export async function readCsvFile(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new NyckelError('invalid_input', `${path} is not a file`);
    if (info.size > MAX_CSV_BYTES) {
      throw new NyckelError(
        'payload_too_large',
        `${path} is ${(info.size / 1024 / 1024).toFixed(1)} MB; the largest file accepted is ${MAX_CSV_BYTES / 1024 / 1024} MB — split it and import the parts`,
      );
    }
    return await readFile(path);
  } catch (error) {
    if (error instanceof NyckelError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new NyckelError('invalid_input', `cannot read ${path}: ${why}`, { cause: error });
  }
}

/** Parses and checks the file's bytes against the accounts that already exist. */
export function planCsvImport(bytes: Uint8Array, existing: ExistingAccounts): CsvImportPlan {
  if (bytes.length > MAX_CSV_BYTES) {
    return unusable(0, null, `the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB; split it and import the parts`);
  }
  const decoded = decodeUtf8(bytes);
  if (typeof decoded !== 'string') return { kind: 'unusable', problems: [decoded] };
  const text = decoded;
  if (text.trim() === '') return unusable(0, null, `the file is empty; the first line must be the header: ${CSV_COLUMNS.join(',')}`);

  const delimiter = detectDelimiter(text);
  let records: { record: string[]; info: { lines: number; raw: string } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    const reason =
      (error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'a quoted value is not closed (a " is missing)'
        : csvSyntaxMessage(error);
    return unusable(line, null, reason);
  }

  const [headerRecord, ...rows] = records;
  if (headerRecord === undefined) return unusable(1, null, `the first line must be the header: ${CSV_COLUMNS.join(',')}`);
  const header = checkHeader(headerRecord.record);
  if (header.problems.length > 0) return { kind: 'unusable', problems: header.problems };

  const candidates: { line: number; account: ValidNewAccount }[] = [];
  const rejected = new Map<number, CsvProblem[]>();
  const reject = (line: number, field: string | null, message: string) => {
    const list = rejected.get(line) ?? [];
    list.push({ line, field, message });
    rejected.set(line, list);
  };

  for (const { record, info } of rows) {
    const line = startLine(info);
    // Excel writes ";;;;" for a row that only looks empty: skip it like a blank line.
    if (record.every((cell) => cell.trim() === '')) continue;
    if (record.length !== header.columns.length) {
      reject(
        line,
        null,
        `the row has ${record.length} values; the header has ${header.columns.length} (${header.columns.join(delimiter)})`,
      );
      continue;
    }
    const cells: Partial<Record<CsvColumn, string>> = {};
    header.columns.forEach((column, i) => {
      cells[column] = record[i] ?? '';
    });
    const parsed = parseNewAccount({
      username: cells.username,
      email: cells.email,
      displayName: cells.display_name,
      department: cells.department,
      mobile: cells.mobile,
      // An empty cell means no groups; empty names between separators ("a||b") are mistakes worth reporting.
      groups: cells.groups === undefined || cells.groups.trim() === '' ? undefined : cells.groups.split('|'),
    });
    if (!parsed.ok) {
      for (const problem of parsed.problems) reject(line, columnName(problem), problem.message);
      continue;
    }
    candidates.push({ line, account: parsed.value });
  }

  // Duplicates within the file: every occurrence is rejected, because which one is right is the
  // administrator's call, not ours.
  for (const key of ['username', 'email'] as const) {
    const linesByValue = new Map<string, number[]>();
    for (const { line, account } of candidates) {
      const value = account[key];
      if (value === undefined || value === null) continue;
      linesByValue.set(value, [...(linesByValue.get(value) ?? []), line]);
    }
    for (const lines of linesByValue.values()) {
      if (lines.length < 2) continue;
      for (const line of lines) {
        const others = lines.filter((l) => l !== line).join(', ');
        reject(line, key, `the same ${key === 'username' ? 'username' : 'e-mail address'} is also on line ${others}`);
      }
    }
  }

  for (const { line, account } of candidates) {
    if (existing.usernames.has(account.username)) reject(line, 'username', `an account with username ${account.username} already exists`);
    if (account.email !== undefined && existing.emails.has(account.email)) {
      reject(line, 'email', `an account with e-mail address ${account.email} already exists`);
    }
  }

  return {
    kind: 'rows',
    delimiter,
    accepted: candidates.filter(({ line }) => !rejected.has(line)),
    rejected: [...rejected.entries()].sort(([a], [b]) => a - b).map(([line, problems]) => ({ line, problems })),
  };
}

function unusable(line: number, field: string | null, message: string): CsvImportPlan {
  return { kind: 'unusable', problems: [{ line, field, message }] };
}

/** Strict UTF-8 (a BOM is dropped); on failure, the first line with a bad byte sequence. */
function decodeUtf8(bytes: Uint8Array): string | CsvProblem {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    // Decode line by line to say where: Latin-1 or Windows-1252 from "CSV (semicolon separated)" is the usual cause.
    let line = 1;
    let start = 0;
    for (let i = 0; i <= body.length; i++) {
      if (i === body.length || body[i] === 0x0a) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(start, i));
        } catch {
          break;
        }
        line++;
        start = i + 1;
      }
    }
    return { line, field: null, message: "the file is not UTF-8; save it as 'CSV UTF-8'" };
  }
}

/** Swedish Excel writes ';' (the comma is the decimal separator there): decide from the header line. */
function detectDelimiter(text: string): ',' | ';' {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const count = (char: string) => firstLine.split(char).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

function checkHeader(cells: string[]): { columns: CsvColumn[]; problems: CsvProblem[] } {
  const names = cells.map((c) => c.trim().toLowerCase());
  const problems: CsvProblem[] = [];
  const known = new Set<string>([...CSV_COLUMNS, ...OPTIONAL_CSV_COLUMNS]);
  const unknown = names.filter((n) => !known.has(n));
  const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  const expected = `the header must have exactly the columns ${CSV_COLUMNS.join(', ')} (in any order), and may have ${OPTIONAL_CSV_COLUMNS.join(', ')}`;
  if (missing.length > 0)
    problems.push({
      line: 1,
      field: 'header',
      message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ${expected}`,
    });
  if (unknown.length > 0) {
    const shown = unknown.map((n) => (n === '' ? '(empty)' : n)).join(', ');
    problems.push({ line: 1, field: 'header', message: `unknown column${unknown.length > 1 ? 's' : ''} ${shown}; ${expected}` });
  }
  if (repeated.length > 0)
    problems.push({ line: 1, field: 'header', message: `column${repeated.length > 1 ? 's' : ''} ${repeated.join(', ')} more than once` });
  return { columns: names as CsvColumn[], problems };
}

/** csv-parse reports the line a record ends on; a quoted value may span lines, so count back to where it starts. */
function startLine(info: { lines: number; raw: string }): number {
  const inner = info.raw.replace(/\r?\n$/, '');
  return info.lines - (inner.split('\n').length - 1);
}

function columnName(problem: AccountInputProblem): string | null {
  return columnOfField[problem.field] ?? (problem.field === 'account' ? null : problem.field);
}

function csvSyntaxMessage(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  // csv-parse: "Invalid Opening Quote: a quote is found on field 0 at line 3, value is …" — keep the reason, drop the value.
  return `the file is not valid CSV: ${message.split(':')[0]?.toLowerCase() ?? 'syntax error'}`;
}
