// The period a report covers: whole days in the server's time zone, from and to inclusive, typed
// as YYYY-MM-DD in date inputs. Checked at the edge: a real calendar date, from before to, at most
// a year, not starting in the future. Default: the last 30 days, today included.

export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 366;

/** A checked period: the days as ISO dates and the instants it spans, [start, end). */
export interface ReportPeriod {
  from: string;
  to: string;
  /** Local midnight at the start of `from`. */
  start: Date;
  /** Local midnight after `to`. */
  end: Date;
  /** Every day from `from` to `to`, as YYYY-MM-DD. */
  days: string[];
}

export type PeriodProblem = 'from_invalid' | 'to_invalid' | 'order' | 'too_long' | 'future';

export type PeriodResult = { ok: true; period: ReportPeriod } | { ok: false; problems: PeriodProblem[]; from: string; to: string };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The local day of an instant, as YYYY-MM-DD. */
export function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a YYYY-MM-DD date, or null when it is not a real calendar date. */
export function parseLocalDay(text: string): Date | null {
  const match = ISO_DATE.exec(text);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 2000 || year > 9999) return null;
  const date = new Date(year, month - 1, day);
  // 2026-02-31 rolls over to March: not a real date.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return date;
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** The period from the query (`from`, `to`; either may be empty), checked against today. */
export function parsePeriod(fromText: string | undefined, toText: string | undefined, now: Date): PeriodResult {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const toRaw = (toText ?? '').trim();
  const fromRaw = (fromText ?? '').trim();
  const problems: PeriodProblem[] = [];
  const toDate = toRaw === '' ? today : parseLocalDay(toRaw);
  if (toDate === null) problems.push('to_invalid');
  const fromDate = fromRaw === '' ? addDays(toDate ?? today, -(DEFAULT_PERIOD_DAYS - 1)) : parseLocalDay(fromRaw);
  if (fromDate === null) problems.push('from_invalid');
  if (fromDate !== null && toDate !== null) {
    if (fromDate.getTime() > toDate.getTime()) problems.push('order');
    else if (Math.round((toDate.getTime() - fromDate.getTime()) / 86_400_000) + 1 > MAX_PERIOD_DAYS) problems.push('too_long');
    if (fromDate.getTime() > today.getTime()) problems.push('future');
  }
  if (problems.length > 0 || fromDate === null || toDate === null) return { ok: false, problems, from: fromRaw, to: toRaw };
  const days: string[] = [];
  for (let d = fromDate; d.getTime() <= toDate.getTime(); d = addDays(d, 1)) days.push(localDay(d));
  return { ok: true, period: { from: localDay(fromDate), to: localDay(toDate), start: fromDate, end: addDays(toDate, 1), days } };
}
