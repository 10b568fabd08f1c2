// CSV files of the report tables (RFC 4180: CRLF lines, fields quoted when needed). Safe to open
// in a spreadsheet: a text cell starting with = + - @ (or a tab or carriage return) gets a leading
// apostrophe, so it is shown as text, never run as a formula (OWASP "CSV Injection").

export type CsvCell = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: numbers as they are, text defused against formulas, quoted when it holds , " or a line break. */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole file: a header row and the rows, with a UTF-8 byte-order mark so spreadsheets read å, ä, ö right. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** A file name safe for Content-Disposition: letters, digits, '-', '_' and '.' only. */
export function csvFileName(base: string): string {
  return `${base.replace(/[^A-Za-z0-9._-]/g, '-')}.csv`;
}
