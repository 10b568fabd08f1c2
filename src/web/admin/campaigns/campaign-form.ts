// The new-campaign form: reading what was submitted (multipart, with an optional file), checking
// every field at the edge with a clear message per field, and turning it into the engine's
// CreateCampaignInput. The engine checks again (create() answers with field errors); the checks
// here exist so hostile or mistyped input never reaches it and every message names its field.

import {
  type CampaignChannel,
  type CampaignFieldError,
  type CampaignTarget,
  type CreateCampaignInput,
  type DeadlineAction,
  MAX_UPLOAD_BYTES,
  type UploadProblem,
  type UploadReport,
} from '../../../campaigns/campaign.ts';
import { MAX_MESSAGE_LENGTH, MAX_TITLE_LENGTH } from '../../../campaigns/campaign-service.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { dateTimeFormat, numberFormat } from '../../../i18n/intl-formats.ts';
import type { FieldError } from '../../components/form-fields.tsx';

/** The engine's limits (lengths in UTF-16 units, as the browser's maxlength counts them). */
export const TITLE_MAX = MAX_TITLE_LENGTH;
export const MESSAGE_MAX = MAX_MESSAGE_LENGTH;
export const NAME_MAX = 256;
export const REMINDERS_MAX = 5;
export const REMINDER_DAYS_MAX = 90;
/** The engine takes deadlines up to 365 days from now; the last whole day that always fits is 364 days ahead. */
export const DEADLINE_DAYS_MAX = 364;
/** Problem lines listed in the error summary; the rest are counted ("… and 12 more"). */
export const PROBLEMS_SHOWN = 20;
/** Deadlines are whole days in the organisation's time zone (the engine's convention). */
export const CAMPAIGN_TIME_ZONE = 'Europe/Stockholm';

export type TargetKind = 'everyone' | 'department' | 'group' | 'list';
export const TARGET_KINDS: readonly TargetKind[] = ['everyone', 'department', 'group', 'list'];
/** The channels the form offers (the engine also knows work_email; a leaked account's work mailbox may be the attacker's). */
export const FORM_CHANNELS: readonly CampaignChannel[] = ['email', 'sms'];
export const FORM_DEADLINE_ACTIONS: readonly DeadlineAction[] = ['none', 'block_sign_in', 'lock'];

/** The deadline actions the form offers: `lock` only where the directory can lock (Directory.canLock). */
export function offeredDeadlineActions(canLock: boolean): readonly DeadlineAction[] {
  return canLock ? FORM_DEADLINE_ACTIONS : FORM_DEADLINE_ACTIONS.filter((action) => action !== 'lock');
}

/** What the form shows again after an error (never the file: a browser can't be given one back). */
export interface CampaignFormValues {
  title: string;
  deadline: string;
  target: string;
  department: string;
  group: string;
  message: string;
  channels: string[];
  reminders: string;
  deadlineAction: string;
  /** A draft this submission replaces (from "change the details"): cancelled once the new one exists. */
  replaces: string;
}

export const emptyFormValues: CampaignFormValues = {
  title: '',
  deadline: '',
  target: '',
  department: '',
  group: '',
  message: '',
  channels: ['email'],
  reminders: '7, 1',
  deadlineAction: 'none',
  replaces: '',
};

/** The submitted form: its text fields (the last value of each) and the uploaded file, if any. */
export interface SubmittedForm {
  values: CampaignFormValues;
  file: File | null;
}

/** Reads a parsed multipart or urlencoded body (c.req.parseBody({ all: true })). */
export function readSubmittedForm(body: Record<string, string | File | (string | File)[]>): SubmittedForm {
  const all = (name: string): (string | File)[] => {
    if (!Object.hasOwn(body, name)) return [];
    const value = body[name];
    return Array.isArray(value) ? value : value === undefined ? [] : [value];
  };
  const text = (name: string): string => {
    const first = all(name).find((v): v is string => typeof v === 'string');
    // Cut absurdly long values before anything looks at them (the checks report "too long").
    return first === undefined ? '' : first.slice(0, 20_000);
  };
  const uploaded = all('upload').find((v): v is File => typeof v !== 'string');
  return {
    values: {
      title: text('title'),
      deadline: text('deadline'),
      target: text('target'),
      department: text('department'),
      group: text('group'),
      message: text('message'),
      channels: all('channels')
        .filter((v): v is string => typeof v === 'string')
        .slice(0, 10),
      reminders: text('reminders'),
      deadlineAction: text('deadlineAction'),
      replaces: text('replaces'),
    },
    // A browser sends an empty, nameless part when no file was chosen.
    file: uploaded !== undefined && (uploaded.size > 0 || uploaded.name !== '') ? uploaded : null,
  };
}

/** Control characters other than tab and line breaks have no place in any field (and would upset logs and CSV). */
const CONTROL = /(?![\t\n])[\p{Cc}\u2028\u2029\uFFFD]/u;
const SINGLE_LINE_CONTROL = /[\p{Cc}\u2028\u2029\uFFFD]/u;

/** The largest file the form takes: the engine's limit, or less when the server's body limit is smaller. */
/** Room for the form's other fields and the multipart framing around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/** The body limit of the new-campaign form (app.tsx gives its path this one): a whole list of leaked accounts fits. */
export function campaignFormBodyLimitBytes(bodyLimitBytes: number): number {
  return Math.max(bodyLimitBytes, MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES);
}

export function uploadLimitBytes(bodyLimitBytes: number): number {
  return Math.max(1024, Math.min(MAX_UPLOAD_BYTES, campaignFormBodyLimitBytes(bodyLimitBytes) - FORM_OVERHEAD_BYTES));
}

export function formatKiB(t: Catalog, bytes: number): string {
  return numberFormat(t.meta.locale, { maximumFractionDigits: 0 }).format(Math.floor(bytes / 1024));
}

/** Today's date (YYYY-MM-DD) in the campaign time zone. */
export function todayIn(now: Date, timeZone = CAMPAIGN_TIME_ZONE): string {
  return dateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = dateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/** A strict YYYY-MM-DD that names a real day, or null. */
export function parseIsoDate(value: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** The last millisecond of a day in the campaign time zone (daylight saving changes happen at night, never at midnight). */
export function endOfDay(isoDate: string, timeZone = CAMPAIGN_TIME_ZONE): Date | null {
  const parsed = parseIsoDate(isoDate);
  if (parsed === null) return null;
  const wall = Date.UTC(parsed.year, parsed.month - 1, parsed.day, 23, 59, 59, 999);
  let instant = wall - zoneOffsetMs(wall, timeZone);
  instant = wall - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

/** Whole days between two ISO dates. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** The id of a radio group's or check box group's first control (where the error summary links). */
export function firstChoiceId(name: string, values: readonly string[]): string {
  return `${name}-${values[0] ?? ''}`;
}

export type ValidatedForm =
  | { ok: true; input: Omit<CreateCampaignInput, 'target'> & { target: Exclude<CampaignTarget, { kind: 'list' }> | { kind: 'list' } } }
  | { ok: false; errors: FieldError[] };

/**
 * Checks every field except the file's content (the engine parses that). The reminders must
 * fall after today, so a reminder is never due before the campaign starts.
 */
export function validateCampaignForm(
  t: Catalog,
  form: SubmittedForm,
  now: Date,
  uploadLimit: number,
  options: { canLock: boolean },
): ValidatedForm {
  const tc = t.campaigns;
  const v = form.values;
  const errors: FieldError[] = [];

  const title = v.title.trim();
  if (title === '') errors.push({ field: 'title', message: tc.titleMissing });
  else if (title.length > TITLE_MAX) errors.push({ field: 'title', message: tc.titleTooLong(TITLE_MAX) });
  else if (SINGLE_LINE_CONTROL.test(title)) errors.push({ field: 'title', message: t.form.unreadable });

  const deadlineText = v.deadline.trim();
  const today = todayIn(now);
  let deadline: Date | null = null;
  if (deadlineText === '') errors.push({ field: 'deadline', message: tc.deadlineMissing });
  else if (parseIsoDate(deadlineText) === null) errors.push({ field: 'deadline', message: tc.deadlineInvalid });
  else if (deadlineText <= today) errors.push({ field: 'deadline', message: tc.deadlinePast });
  else if (daysBetween(today, deadlineText) > DEADLINE_DAYS_MAX)
    errors.push({ field: 'deadline', message: tc.deadlineTooFar(DEADLINE_DAYS_MAX) });
  else deadline = endOfDay(deadlineText);

  const targetFirst = firstChoiceId('target', TARGET_KINDS);
  let target: CampaignTarget | { kind: 'list' } | null = null;
  if (!isOneOf(v.target, TARGET_KINDS)) errors.push({ field: targetFirst, message: tc.targetMissing });
  else if (v.target === 'everyone') target = { kind: 'everyone' };
  else if (v.target === 'department') {
    const department = v.department.trim();
    if (department === '') errors.push({ field: 'department', message: tc.departmentMissing });
    else if (department.length > NAME_MAX) errors.push({ field: 'department', message: tc.textTooLong(NAME_MAX) });
    else if (SINGLE_LINE_CONTROL.test(department)) errors.push({ field: 'department', message: t.form.unreadable });
    else target = { kind: 'department', department };
  } else if (v.target === 'group') {
    const group = v.group.trim();
    if (group === '') errors.push({ field: 'group', message: tc.groupMissing });
    else if (group.length > NAME_MAX) errors.push({ field: 'group', message: tc.textTooLong(NAME_MAX) });
    else if (SINGLE_LINE_CONTROL.test(group)) errors.push({ field: 'group', message: t.form.unreadable });
    else target = { kind: 'group', group };
  } else {
    if (form.file === null) errors.push({ field: 'upload', message: tc.listMissing });
    else if (form.file.size > uploadLimit) errors.push({ field: 'upload', message: tc.listTooLarge(formatKiB(t, uploadLimit)) });
    else target = { kind: 'list' };
  }

  const message = v.message.replace(/\r\n?/g, '\n').trim();
  if (message.length > MESSAGE_MAX) errors.push({ field: 'message', message: tc.textTooLong(MESSAGE_MAX) });
  else if (CONTROL.test(message)) errors.push({ field: 'message', message: t.form.unreadable });

  const channelsFirst = firstChoiceId('channels', FORM_CHANNELS);
  const channels = [...new Set(v.channels)];
  if (!channels.every((c) => isOneOf(c, FORM_CHANNELS))) errors.push({ field: channelsFirst, message: tc.channelInvalid });
  else if (channels.length === 0) errors.push({ field: channelsFirst, message: tc.channelMissing });

  const reminders: number[] = [];
  const reminderText = v.reminders.trim();
  if (reminderText !== '') {
    const parts = reminderText.split(/[,;\s]+/).filter((p) => p !== '');
    const isValid = parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) >= 1 && Number(p) <= REMINDER_DAYS_MAX);
    if (!isValid) errors.push({ field: 'reminders', message: tc.remindersInvalid(REMINDER_DAYS_MAX) });
    else {
      const days = [...new Set(parts.map(Number))].sort((a, b) => b - a);
      if (days.length > REMINDERS_MAX) errors.push({ field: 'reminders', message: tc.remindersTooMany(REMINDERS_MAX) });
      else if (deadline !== null && days.some((d) => daysBetween(today, deadlineText) - d < 1))
        errors.push({ field: 'reminders', message: tc.remindersAfterDeadline });
      else reminders.push(...days);
    }
  }

  const actionFirst = firstChoiceId('deadlineAction', FORM_DEADLINE_ACTIONS);
  const deadlineAction = isOneOf(v.deadlineAction, offeredDeadlineActions(options.canLock)) ? v.deadlineAction : null;
  if (deadlineAction === null) {
    // `lock` sent to a directory that can't lock (an old page, a changed configuration): say why.
    errors.push({ field: actionFirst, message: v.deadlineAction === 'lock' ? tc.lockUnsupported : tc.deadlineActionMissing });
  }

  if (errors.length > 0 || deadline === null || target === null || deadlineAction === null) return { ok: false, errors };
  return {
    ok: true,
    input: {
      title,
      deadline,
      target,
      message: message === '' ? null : message,
      channels: channels as CampaignChannel[],
      reminderDaysBefore: reminders,
      deadlineAction,
    },
  };
}

/** The engine's field errors in the form's words, on the form's controls. */
export function engineErrors(t: Catalog, errors: readonly CampaignFieldError[], uploadLimit: number): FieldError[] {
  const tc = t.campaigns;
  return errors.map((error): FieldError => {
    switch (error.field) {
      case 'title':
        return { field: 'title', message: error.code === 'too_long' ? tc.titleTooLong(TITLE_MAX) : tc.titleMissing };
      case 'deadline':
        return {
          field: 'deadline',
          message:
            error.code === 'in_past'
              ? tc.deadlinePast
              : error.code === 'too_far'
                ? tc.deadlineTooFar(DEADLINE_DAYS_MAX)
                : tc.deadlineInvalid,
        };
      case 'target':
        return { field: firstChoiceId('target', TARGET_KINDS), message: error.code === 'no_members' ? tc.noMembers : tc.targetMissing };
      case 'message':
        return { field: 'message', message: tc.textTooLong(MESSAGE_MAX) };
      case 'channels':
        return {
          field: firstChoiceId('channels', FORM_CHANNELS),
          message: error.code === 'no_channel' ? tc.channelMissing : tc.channelInvalid,
        };
      case 'reminderDaysBefore':
        return { field: 'reminders', message: tc.remindersInvalid(REMINDER_DAYS_MAX) };
      case 'deadlineAction':
        return {
          field: firstChoiceId('deadlineAction', FORM_DEADLINE_ACTIONS),
          message: error.code === 'lock_unsupported' ? tc.lockUnsupported : tc.deadlineActionMissing,
        };
      default:
        return { field: 'upload', message: uploadMessage(t, error.code, uploadLimit) };
    }
  });
}

function uploadMessage(t: Catalog, code: CampaignFieldError['code'], uploadLimit: number): string {
  const tc = t.campaigns;
  switch (code) {
    case 'upload_too_large':
      return tc.listTooLarge(formatKiB(t, uploadLimit));
    case 'upload_too_many_lines':
      return tc.listTooManyLines;
    case 'upload_binary':
      return tc.listUnreadable;
    case 'upload_empty':
      return tc.listEmpty;
    case 'no_members':
      return tc.noMembers;
    default:
      return tc.listMissing;
  }
}

/** One problem line in the admin's words ("Line 4: no account with that username or e-mail address"). */
export function describeProblem(t: Catalog, problem: UploadProblem): string {
  const tc = t.campaigns;
  const what =
    problem.kind === 'unknown'
      ? tc.problemNotFound
      : problem.kind === 'duplicate'
        ? problem.firstLine === undefined
          ? tc.problemDuplicate
          : tc.problemDuplicateOf(problem.firstLine)
        : tc.problemInvalid;
  return tc.listProblemLine(problem.line, problem.entry === '' ? what : `${problem.entry}: ${what}`);
}

/** The report's problems as error-summary entries on the file field, the first PROBLEMS_SHOWN of them. */
export function uploadProblemErrors(t: Catalog, report: UploadReport): FieldError[] {
  const shown = report.problems.slice(0, PROBLEMS_SHOWN).map((p) => ({ field: 'upload', message: describeProblem(t, p) }));
  const total = report.malformed + report.duplicates + report.unknown;
  if (total > shown.length) shown.push({ field: 'upload', message: t.campaigns.listMoreProblems(total - shown.length) });
  return shown;
}
