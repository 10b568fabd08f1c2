// The password policy: one function that checks a new password against every rule and returns
// each rule's state, so a page can show a checklist that updates as the user types and the server
// can enforce the same result. Rules, in order: length (NIST SP 800-63B 5.1.1.2: at least 12 by
// default, at most 64 or more, every Unicode character allowed, counted in code points after
// NFC), Active Directory complexity (only when configured), not the user's or organisation's own
// words, no banned word (Entra-style matching and scoring, see banned-words.ts), not breached (a
// callback, so the breached-password index stays its own module), and a strength estimate
// (guidance unless strength.minScore is above 0). History is the directory's job.

import { resolve } from 'node:path';
import { dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../config/schema.ts';
import type { Catalog } from '../i18n/catalog.ts';
import { readBannedWordsFile, scorePassword, WordMatcher } from './banned-words.ts';
import { codePoints, normalisePassword, normaliseWord } from './normalise.ts';
import { estimateStrength, type StrengthScore, type StrengthSuggestion, type StrengthWarning } from './strength.ts';
import { swedishBannedWords } from './swedish-words.ts';

/** passwordPolicy from the configuration. */
export type PasswordPolicySettings = Config['passwordPolicy'];

/** Tells whether a password is in a breached-password corpus (the offline index, the online range API, or both). */
export type IsBreached = (password: string) => boolean | Promise<boolean>;

/** A policy ready to evaluate passwords: the settings with the banned-word matcher built once. */
export interface PasswordPolicy {
  readonly settings: PasswordPolicySettings;
  readonly bannedWords: WordMatcher;
  /** Absent when no breached-password check is configured; then the rule is left out of the checklist. */
  readonly isBreached?: IsBreached;
}

/** What the policy knows about the account, for the "not your own words" rule and the strength estimate. */
export interface PasswordContext {
  readonly username?: string;
  readonly displayName?: string;
  /** The e-mail address (only the part before @ is used) or its local part. */
  readonly email?: string;
  readonly organisationName?: string;
  /** The account's other attributes worth refusing: given name, surname, department, title, phone, employee number. */
  readonly otherAttributes?: readonly (string | undefined)[];
}

export type PolicyRule = 'minLength' | 'maxLength' | 'complexity' | 'notPersonal' | 'notCommon' | 'notBreached' | 'strength';

/** A catalog key: the rule's requirement text when it passes, the refusal text when it fails. */
export type PolicyMessageKey =
  | `passwordPolicy.rules.${keyof Catalog['passwordPolicy']['rules']}`
  | `passwordPolicy.refusals.${keyof Catalog['passwordPolicy']['refusals']}`;

/** One rule's state, one line of the checklist. */
export interface PolicyCheck {
  readonly rule: PolicyRule;
  readonly passed: boolean;
  readonly messageKey: PolicyMessageKey;
  /** The values the message needs (min, max, length, required, found, word, score, minScore). Never the password. */
  readonly params: Readonly<Record<string, string | number>>;
}

export interface PolicyResult {
  /** True when every check passed: the password may be set. */
  readonly ok: boolean;
  /** Every rule's state, in the order to show them. */
  readonly checks: readonly PolicyCheck[];
  /** Length in code points after NFC. */
  readonly length: number;
  /**
   * zxcvbn's estimate, worked out on first read (it is the costliest part of an evaluation, tens
   * of milliseconds for a long phrase): with strength.minScore 0 it is guidance nobody on the
   * submit path or the live checklist reads, so it is not computed there at all.
   */
  readonly strength: PolicyStrength;
}

/** The strength estimate of a result, as catalog keys. */
export interface PolicyStrength {
  readonly score: StrengthScore;
  /** passwordPolicy.strength.scores.score0 … score4 */
  readonly scoreKey: `passwordPolicy.strength.scores.score${StrengthScore}`;
  readonly warningKey: `passwordPolicy.strength.warnings.${StrengthWarning}` | null;
  readonly suggestionKeys: readonly `passwordPolicy.strength.suggestions.${StrengthSuggestion}`[];
}

/** AD complexity: characters from this many of the kinds below (Microsoft: "Password must meet complexity requirements"). */
export const complexityKindsRequired = 3;

/**
 * Words in organisation names that say what kind of organisation it is, not which one: refusing
 * them as "your organisation's name" would refuse every passphrase with "stad" in it. They are in
 * the banned-word list instead, where they cost points rather than refuse outright.
 */
const genericOrganisationWords = new Set(
  [
    'kommun',
    'kommuns',
    'region',
    'regionen',
    'stad',
    'stads',
    'staden',
    'landsting',
    'förvaltning',
    'och',
    'i',
    'av',
    'ab',
    'the',
    'of',
    'and',
    'city',
    'municipality',
    'council',
    'county',
  ].map(normaliseWord),
);

/**
 * The most used passwords worldwide (zxcvbn-ts's ranked list, top 1000: iloveyou, dragon, monkey…),
 * banned like the Swedish words, as Entra's global list bans the base words of common passwords.
 */
export const commonPasswordsBanned: readonly string[] = commonDictionary['passwords-common'].slice(0, 1000).map(String);

/** Builds a policy from its settings. `extraBannedWords` are words read from passwordPolicy.bannedWordsFile. */
export function createPasswordPolicy(
  settings: PasswordPolicySettings,
  options: { readonly isBreached?: IsBreached; readonly extraBannedWords?: readonly string[] } = {},
): PasswordPolicy {
  const bannedWords = WordMatcher.of([
    ...swedishBannedWords,
    ...commonPasswordsBanned,
    ...settings.bannedWords,
    ...(options.extraBannedWords ?? []),
  ]);
  return options.isBreached === undefined ? { settings, bannedWords } : { settings, bannedWords, isBreached: options.isBreached };
}

/**
 * Builds a policy, reading passwordPolicy.bannedWordsFile when one is configured (relative to `dataDir`).
 * The breached check is passed in only when breached.enabled and an index (or the online check) exists.
 */
export async function loadPasswordPolicy(
  settings: PasswordPolicySettings,
  options: { readonly dataDir: string; readonly isBreached?: IsBreached },
): Promise<PasswordPolicy> {
  const extraBannedWords =
    settings.bannedWordsFile === undefined ? [] : await readBannedWordsFile(resolve(options.dataDir, settings.bannedWordsFile));
  const isBreached = settings.breached.enabled || settings.breached.online.enabled ? options.isBreached : undefined;
  return createPasswordPolicy(settings, isBreached === undefined ? { extraBannedWords } : { extraBannedWords, isBreached });
}

/**
 * The account's own words: the username, each part of the display name and e-mail name, the
 * organisation's name, and the other attributes, each whole and split at separators.
 */
export function personalWords(context: PasswordContext): string[] {
  const words = new Set<string>();
  const add = (value: string | undefined, options: { skipGeneric?: boolean } = {}) => {
    if (value === undefined) return;
    const whole = normaliseWord(value);
    if (whole !== '') words.add(whole);
    for (const part of value.split(/[\s.,_\-+@/\\()'"]+/u)) {
      const normal = normaliseWord(part);
      if (normal === '' || (options.skipGeneric && genericOrganisationWords.has(normal))) continue;
      words.add(normal);
      // "andersson2" or "anna1" in a username: the letters alone are the name.
      const letters = normal.replace(/\p{N}+/gu, '');
      if (letters !== '') words.add(letters);
    }
  };
  const username = context.username?.includes('@') ? context.username.slice(0, context.username.indexOf('@')) : context.username;
  add(username);
  add(context.displayName);
  add(context.email?.includes('@') ? context.email.slice(0, context.email.lastIndexOf('@')) : context.email);
  if (context.organisationName !== undefined) {
    const parts = context.organisationName.split(/\s+/u).filter((part) => !genericOrganisationWords.has(normaliseWord(part)));
    add(parts.join(' '), { skipGeneric: true });
  }
  for (const value of context.otherAttributes ?? []) add(value);
  return [...words];
}

const characterKinds = [
  (c: string) => /\p{Lu}/u.test(c),
  (c: string) => /\p{Ll}/u.test(c),
  (c: string) => /[0-9]/.test(c),
  // Microsoft's list of non-alphanumeric characters; currency symbols such as € and £ do not count there either.
  (c: string) => /[~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]/.test(c),
  // Letters without case (Asian scripts) form a fifth kind in Active Directory.
  (c: string) => /[\p{Lo}\p{Lm}]/u.test(c),
];

/** How many of Active Directory's character kinds a password uses. */
export function countCharacterKinds(characters: readonly string[]): number {
  return characterKinds.filter((isKind) => characters.some(isKind)).length;
}

const check = (rule: PolicyRule, passed: boolean, params: Record<string, string | number>, refusal: string = rule): PolicyCheck => ({
  rule,
  passed,
  messageKey: (passed ? `passwordPolicy.rules.${rule}` : `passwordPolicy.refusals.${refusal}`) as PolicyMessageKey,
  params,
});

/**
 * Checks every rule except the breached-password one, synchronously: for the live checklist on
 * every keystroke. The password is never logged, stored or put in the result.
 */
export function evaluatePasswordRules(password: string, context: PasswordContext, policy: PasswordPolicy): PolicyResult {
  const { settings } = policy;
  const characters = codePoints(normalisePassword(password));
  const length = characters.length;
  // Matching and estimating look at no more than maxLength characters (at most 1024), so a huge
  // input costs no more than the longest password allowed; the maxLength rule refuses it anyway.
  const analysed = characters.slice(0, settings.maxLength);
  const checks: PolicyCheck[] = [
    check('minLength', length >= settings.minLength, { min: settings.minLength, length }),
    check('maxLength', length <= settings.maxLength, { max: settings.maxLength, length }),
  ];
  if (settings.requireComplexity) {
    const found = countCharacterKinds(analysed);
    checks.push(check('complexity', found >= complexityKindsRequired, { required: complexityKindsRequired, found }));
  }
  const ownWords = personalWords(context);
  if (settings.rejectContextWords) {
    const personal = WordMatcher.of(ownWords).findMatchesEitherWay(analysed);
    // Which word matched is not shown: the user knows their own name, and the log must not learn parts of a password.
    checks.push(check('notPersonal', personal.length === 0, {}));
  }
  const score = scorePassword(analysed, policy.bannedWords.findMatches(analysed));
  const word = score.words[0];
  checks.push(
    check(
      'notCommon',
      score.passed,
      word === undefined ? { points: score.points } : { points: score.points, word },
      word === undefined ? 'notCommonPattern' : 'notCommon',
    ),
  );
  const strength = lazyStrength(analysed.join(''), ownWords);
  if (settings.strength.minScore > 0) {
    const { score } = strength();
    checks.push(check('strength', score >= settings.strength.minScore, { score, minScore: settings.strength.minScore }));
  }
  return withLazyStrength({ ok: checks.every((c) => c.passed), checks, length }, strength);
}

/** The estimate of one password, computed at most once and only when asked for. */
function lazyStrength(password: string, ownWords: readonly string[]): () => PolicyStrength {
  let estimate: PolicyStrength | undefined;
  let input = password;
  return () => {
    if (estimate === undefined) {
      const { score, warning, suggestions } = estimateStrength(input, ownWords);
      // The closure need not hold the password once the estimate is made.
      input = '';
      estimate = {
        score,
        scoreKey: `passwordPolicy.strength.scores.score${score}`,
        warningKey: warning === null ? null : `passwordPolicy.strength.warnings.${warning}`,
        suggestionKeys: suggestions.map((s) => `passwordPolicy.strength.suggestions.${s}` as const),
      };
    }
    return estimate;
  };
}

/** A result whose `strength` runs the estimate on first read (enumerable, so logging or spreading a result still shows it). */
function withLazyStrength(result: Omit<PolicyResult, 'strength'>, strength: () => PolicyStrength): PolicyResult {
  return Object.defineProperty({ ...result }, 'strength', { get: strength, enumerable: true }) as PolicyResult;
}

/**
 * Checks every rule, including the breached-password callback when the policy has one. The
 * breached check runs only once the password is long enough, so a checklist calling this as the
 * user types does not look up every prefix. Errors from the callback propagate: the caller
 * decides whether an unreachable breach service blocks the change.
 */
export async function evaluatePassword(password: string, context: PasswordContext, policy: PasswordPolicy): Promise<PolicyResult> {
  const result = evaluatePasswordRules(password, context, policy);
  if (policy.isBreached === undefined) return result;
  const longEnough = result.checks.find((c) => c.rule === 'minLength')?.passed === true;
  // HIBP hashes passwords as typed; NFC is how Nyckel stores and sends them, and what most keyboards produce.
  const breached = longEnough ? await policy.isBreached(normalisePassword(password)) : false;
  const checks = [...result.checks];
  const at = checks.findIndex((c) => c.rule === 'strength');
  checks.splice(at === -1 ? checks.length : at, 0, check('notBreached', longEnough && !breached, {}));
  // Not a spread of `result`: that would read `strength` and run the estimate nobody asked for.
  return withLazyStrength({ ok: checks.every((c) => c.passed), checks, length: result.length }, () => result.strength);
}

/** The failed checks of a result, for the refusal message of a form. */
export function failedChecks(result: PolicyResult): PolicyCheck[] {
  return result.checks.filter((c) => !c.passed);
}

const num = (params: PolicyCheck['params'], key: string): number => {
  const value = params[key];
  return typeof value === 'number' ? value : 0;
};

/** The text of one check in a language: the requirement when it passes, the reason when it fails. */
export function describePolicyCheck(catalog: Catalog, item: PolicyCheck): string {
  const { rules, refusals } = catalog.passwordPolicy;
  const p = item.params;
  switch (item.messageKey) {
    case 'passwordPolicy.rules.minLength':
      return rules.minLength(num(p, 'min'));
    case 'passwordPolicy.rules.maxLength':
      return rules.maxLength(num(p, 'max'));
    case 'passwordPolicy.rules.complexity':
      return rules.complexity(num(p, 'required'));
    case 'passwordPolicy.rules.notPersonal':
      return rules.notPersonal;
    case 'passwordPolicy.rules.notCommon':
      return rules.notCommon;
    case 'passwordPolicy.rules.notBreached':
      return rules.notBreached;
    case 'passwordPolicy.rules.strength':
      return rules.strength;
    case 'passwordPolicy.refusals.minLength':
      return refusals.minLength(num(p, 'min'), num(p, 'length'));
    case 'passwordPolicy.refusals.maxLength':
      return refusals.maxLength(num(p, 'max'));
    case 'passwordPolicy.refusals.complexity':
      return refusals.complexity(num(p, 'required'), num(p, 'found'));
    case 'passwordPolicy.refusals.notPersonal':
      return refusals.notPersonal;
    case 'passwordPolicy.refusals.notCommon':
      return refusals.notCommon(String(p.word ?? ''));
    case 'passwordPolicy.refusals.notCommonPattern':
      return refusals.notCommonPattern;
    case 'passwordPolicy.refusals.notBreached':
      return refusals.notBreached;
    case 'passwordPolicy.refusals.strength':
      return refusals.strength;
  }
}
