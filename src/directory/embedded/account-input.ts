// Validation of new embedded-directory accounts (CLI, CSV import, demo seeder): a zod schema
// that normalises what it accepts (lower-cased username and e-mail, E.164 mobile) and answers
// with problems a person can fix, one per field.

import { z } from 'zod';
import { parsePhoneNumberInput } from '../../messaging/phone-number.ts';
import { foldForComparison, groupNameProblem, MAX_GROUPS_PER_ACCOUNT } from './embedded-groups.ts';

/** Counts Unicode code points (what PostgreSQL's varchar(n) counts), not UTF-16 units. */
function codePoints(value: string): number {
  return [...value].length;
}

// C0/C1 control characters, and the bidirectional overrides and isolates that can make a
// name display as something else (Trojan Source, CVE-2021-42574).
const unsafeCharacters = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

// Letters and digits of any script (Swedish å, ä, ö), plus . - _ @.
const usernamePattern = /^[\p{L}\p{N}._@-]+$/u;

/** Optional text fields: an empty cell (CSV) or missing value both mean "not given". */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());
}

const mobileHint = 'Enter a Swedish mobile number, for example 070-123 45 67 or +46 70 123 45 67.';

/**
 * Normalises a Swedish mobile number to E.164 (`070-123 45 67` → `+46701234567`) with the
 * shared phone-number parser. In files and on the command line the number must start with
 * a prefix (0, +46, 0046): nine bare digits are more likely a typo than a number. Returns
 * null when it isn't a Swedish mobile number.
 */
export function normaliseSwedishMobile(input: string): string | null {
  if (!/^\s*(\+|00|0)/.test(input)) return null;
  const parsed = parsePhoneNumberInput(input, { defaultCountry: 'SE', allowedCountries: ['SE'] });
  return parsed.ok ? parsed.e164 : null;
}

const textRequired = (what: string) => ({
  error: (issue: { input: unknown }) =>
    issue.input === undefined || issue.input === null ? `${what} is required.` : `${what} must be text.`,
});

export const newAccountSchema = z.strictObject(
  {
    username: z
      .string(textRequired('Username'))
      .trim()
      .normalize('NFC')
      .toLowerCase()
      .min(1, 'Username is required.')
      .refine((v) => codePoints(v) <= 64, 'Username can be at most 64 characters.')
      .refine((v) => v === '' || usernamePattern.test(v), 'Username can contain only letters, digits and . - _ @ (no spaces).'),
    email: optional(
      z
        .string('E-mail address must be text.')
        .trim()
        .toLowerCase()
        .max(320, 'E-mail address can be at most 320 characters.')
        .pipe(z.email('Enter a valid e-mail address, for example anna.berg@example.se.')),
    ),
    displayName: z
      .string(textRequired('Display name'))
      .trim()
      .normalize('NFC')
      .min(1, 'Display name is required.')
      .refine((v) => codePoints(v) <= 256, 'Display name can be at most 256 characters.')
      .refine((v) => !unsafeCharacters.test(v), 'Display name cannot contain control characters.'),
    department: optional(
      z
        .string('Department must be text.')
        .trim()
        .normalize('NFC')
        .refine((v) => codePoints(v) <= 256, 'Department can be at most 256 characters.')
        .refine((v) => !unsafeCharacters.test(v), 'Department cannot contain control characters.'),
    ),
    mobile: optional(
      z
        .string('Mobile number must be text.')
        .max(64, mobileHint)
        .transform((value, ctx) => {
          const e164 = normaliseSwedishMobile(value);
          if (e164 === null) {
            // The number itself is not echoed: messages can end up in logs, and phone numbers are personal data.
            ctx.addIssue({ code: 'custom', message: `This is not a Swedish mobile number. ${mobileHint}` });
            return z.NEVER;
          }
          return e164;
        }),
    ),
    privileged: z.boolean('Privileged must be true or false.').default(false),
    groups: z
      .array(z.string('Group name must be text.'), 'Groups must be a list of group names.')
      .max(MAX_GROUPS_PER_ACCOUNT, `An account can be given at most ${MAX_GROUPS_PER_ACCOUNT} groups.`)
      .transform((names, ctx) => {
        // Trimmed and NFC-normalised; one entry per group (names differing only in case are one group).
        const kept = new Map<string, string>();
        for (const raw of names) {
          const name = raw.normalize('NFC').trim();
          const problem = groupNameProblem(name);
          if (problem !== null) {
            ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name.slice(0, 40))}: ${problem}` });
            continue;
          }
          if (!kept.has(foldForComparison(name))) kept.set(foldForComparison(name), name);
        }
        return [...kept.values()];
      })
      .optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown field: ${issue.keys.join(', ')}.` : 'Expected an account.') },
);

/** What a caller passes in (before normalisation). */
export type NewAccount = z.input<typeof newAccountSchema>;
/** A validated, normalised account. */
export type ValidNewAccount = z.output<typeof newAccountSchema>;

export interface AccountInputProblem {
  /** The field the problem is about (`account` for the whole input). */
  field: string;
  message: string;
}

export type ParsedNewAccount = { ok: true; value: ValidNewAccount } | { ok: false; problems: AccountInputProblem[] };

export function parseNewAccount(input: unknown): ParsedNewAccount {
  const result = newAccountSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : 'account',
    message: issue.message,
  }));
  return { ok: false, problems };
}
