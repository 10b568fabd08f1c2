// The strength estimate shown as guidance beside the policy checklist: zxcvbn-ts with its common
// and English dictionaries plus the Swedish word list as a custom dictionary, and the account's own
// words as user inputs. Feedback comes back as keys (warning, suggestions) that the catalogs
// translate under passwordPolicy.strength, so the text is Swedish or English like the rest of the page.

import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { swedishDictionary } from './swedish-words.ts';

/** zxcvbn's score: 0 too guessable … 4 very unguessable. */
export type StrengthScore = 0 | 1 | 2 | 3 | 4;

/** The warnings zxcvbn-ts gives (its translation keys); each has a text in passwordPolicy.strength.warnings. */
export const strengthWarnings = [
  'straightRow',
  'keyPattern',
  'simpleRepeat',
  'extendedRepeat',
  'sequences',
  'recentYears',
  'dates',
  'topTen',
  'topHundred',
  'common',
  'similarToCommon',
  'wordByItself',
  'namesByThemselves',
  'commonNames',
  'userInputs',
  'pwned',
] as const;
export type StrengthWarning = (typeof strengthWarnings)[number];

/** The suggestions zxcvbn-ts gives; each has a text in passwordPolicy.strength.suggestions. */
export const strengthSuggestions = [
  'l33t',
  'reverseWords',
  'allUppercase',
  'capitalization',
  'dates',
  'recentYears',
  'associatedYears',
  'sequences',
  'repeated',
  'longerKeyboardPattern',
  'anotherWord',
  'useWords',
  'noNeed',
  'pwned',
] as const;
export type StrengthSuggestion = (typeof strengthSuggestions)[number];

/** The estimate for one password. */
export interface StrengthEstimate {
  readonly score: StrengthScore;
  /** log10 of the estimated guesses an attacker needs. */
  readonly guessesLog10: number;
  /** A catalog key under passwordPolicy.strength.warnings, or null. */
  readonly warning: StrengthWarning | null;
  /** Catalog keys under passwordPolicy.strength.suggestions. */
  readonly suggestions: readonly StrengthSuggestion[];
}

/**
 * Characters the estimator looks at. zxcvbn's work grows with length times the longest dictionary
 * word, so longer input is cut here. 64 is NIST SP 800-63B's floor for the maximum length: a
 * password that long is strong by length alone, and the cut only makes the estimate more cautious.
 */
export const strengthInputLimit = 64;

let factory: ZxcvbnFactory | undefined;
/** Estimates made by this process (tests and benchmarks check that the costly estimate runs only when needed). */
let estimatesMade = 0;

/** How many estimates this process has made so far. */
export function strengthEstimateCount(): number {
  return estimatesMade;
}

// Built on first use: loading the dictionaries takes a noticeable moment, and most processes
// (CLI commands, tests of other parts) never estimate a password.
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary, swedish: [...swedishDictionary] },
    graphs: common.adjacencyGraphs,
    // Levenshtein matching against every dictionary costs hundreds of milliseconds a password;
    // near-misses of banned words are the banned-word matcher's job (one edit away), not the estimate's.
    useLevenshteinDistance: false,
    // zxcvbn's leetspeak search multiplies the dictionary work (its default took about a second for
    // a 64-character phrase here, and even 3 substitutions tripled the time). Leetspeak is undone,
    // fully, by the banned-word matcher, which refuses rather than estimates; so none here.
    l33tMaxSubstitutions: 0,
    maxLength: strengthInputLimit,
  });
  return factory;
}

const isWarning = (value: unknown): value is StrengthWarning => (strengthWarnings as readonly unknown[]).includes(value);
const isSuggestion = (value: unknown): value is StrengthSuggestion => (strengthSuggestions as readonly unknown[]).includes(value);

/**
 * Estimates how guessable a password is. `personalWords` are the account's own words (name,
 * username, organisation), which zxcvbn treats as the first words an attacker would try.
 */
export function estimateStrength(password: string, personalWords: readonly string[] = []): StrengthEstimate {
  const input = Array.from(password).slice(0, strengthInputLimit).join('');
  estimatesMade++;
  const result = estimator().check(input, [...personalWords]);
  return {
    score: result.score as StrengthScore,
    guessesLog10: result.guessesLog10,
    warning: isWarning(result.feedback.warning) ? result.feedback.warning : null,
    suggestions: result.feedback.suggestions.filter(isSuggestion),
  };
}
