// The banned-word matcher, in the style of Microsoft Entra Password Protection: the password is
// normalised (lowercase, å/ä/ö folded, leetspeak undone), banned words are found in it (one edit
// away for words of five or more characters, as substrings for words of four or more, as whole
// words for shorter ones), and the password is scored: each banned word found is 1 point, every
// other character 1 point, and a password needs at least 5 points. Two additions where Entra's
// rule lets guessable passwords through: a group of up to four digits ("2025", "123") is one point,
// and a run of one repeated character or a straight sequence ("!!!!", "abcd", "9876") is one
// point, because attackers try those as one unit; that is what refuses Sommar2025! and Eslöv2026!!.
// The same matcher, with the account's own words, serves the "not your name" rule.

import { readFile } from 'node:fs/promises';
import { NyckelError } from '../domain/errors.ts';
import { codePoints, isDigit, isLetter, type PasswordView, passwordViews, wordForms } from './normalise.ts';

/** Points a password needs (Entra Password Protection: "the password must score at least five points"). */
export const minimumPoints = 5;

/** Words of at least this many characters are also found one edit away (Sommmar, Välkomen, Lösenrd). */
const fuzzyMinLength = 5;
/** Words of at least this many characters are found anywhere in the password; shorter ones only as a whole word. */
const substringMinLength = 4;
/** Shorter words are ignored: matching two-letter words would refuse almost everything. */
const wordMinLength = 3;
/** Digits grouped into one point (a year, a PIN-like suffix). */
const digitGroupLength = 4;

/** Where a banned or personal word was found: code point positions [start, end) in the password. */
export interface WordMatch {
  /** The word as it was listed ("Eslöv"), for the explanation shown to the user. */
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

interface Term {
  readonly word: string;
  readonly length: number;
  readonly fuzzy: boolean;
  readonly wholeWordOnly: boolean;
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  terms: Term[];
  /** Some word at or below this node may be matched with an edit (prunes the fuzzy search). */
  fuzzyBelow: boolean;
}

const newNode = (): TrieNode => ({ children: new Map(), terms: [], fuzzyBelow: false });

/**
 * Finds listed words in a password. Built once per word list; each search walks a trie from every
 * position with at most one edit, so the work grows linearly with the password's length (the longest
 * word bounds each walk), never quadratically.
 */
export class WordMatcher {
  private readonly root: TrieNode = newNode();
  readonly size: number;

  private constructor(words: Iterable<string>) {
    let size = 0;
    const seen = new Set<string>();
    for (const word of words) {
      for (const form of wordForms(word)) {
        const characters = codePoints(form);
        if (characters.length < wordMinLength || seen.has(form)) continue;
        seen.add(form);
        size += 1;
        const term: Term = {
          word: word.trim(),
          length: characters.length,
          fuzzy: characters.length >= fuzzyMinLength,
          wholeWordOnly: characters.length < substringMinLength,
        };
        let node = this.root;
        if (term.fuzzy) node.fuzzyBelow = true;
        for (const character of characters) {
          let child = node.children.get(character);
          if (child === undefined) {
            child = newNode();
            node.children.set(character, child);
          }
          node = child;
          if (term.fuzzy) node.fuzzyBelow = true;
        }
        node.terms.push(term);
      }
    }
    this.size = size;
  }

  /** A matcher for these words (any case, with or without å/ä/ö, leetspeak or separators). */
  static of(words: Iterable<string>): WordMatcher {
    return new WordMatcher(words);
  }

  /**
   * Every place a listed word occurs in the password's characters, in any of its normalised views.
   * `work`, when given, counts the trie steps taken (tests use it to show the cost is linear).
   */
  findMatches(characters: readonly string[], work?: { steps: number }): WordMatch[] {
    const found = new Map<string, WordMatch>();
    const counter = work ?? { steps: 0 };
    for (const view of passwordViews(characters)) {
      for (let start = 0; start < view.length; start += 1) {
        this.walk(view, start, this.root, start, false, 0, counter, (term, end) => {
          if (term.wholeWordOnly && !isWholeWord(view, start, end)) return;
          const key = `${start}:${end}:${term.word}`;
          if (!found.has(key)) found.set(key, { word: term.word, start, end });
        });
      }
    }
    return [...found.values()];
  }

  /** Like findMatches, but also reads the password backwards (drowssap, nosrednA). Positions refer to the original. */
  findMatchesEitherWay(characters: readonly string[]): WordMatch[] {
    const n = characters.length;
    const backwards = this.findMatches([...characters].reverse()).map((m) => ({ word: m.word, start: n - m.end, end: n - m.start }));
    return [...this.findMatches(characters), ...backwards];
  }

  // Depth-first walk with an edit budget of one: substitution, an extra character in the password,
  // or a character missing from it (Levenshtein distance ≤ 1 between the substring and the word).
  private walk(
    view: PasswordView,
    start: number,
    node: TrieNode,
    position: number,
    edited: boolean,
    depth: number,
    work: { steps: number },
    report: (term: Term, end: number) => void,
  ): void {
    work.steps += 1;
    for (const term of node.terms) {
      if (!edited || term.fuzzy) report(term, position);
    }
    const character = position < view.length ? view[position] : undefined;
    if (character !== undefined) {
      const next = node.children.get(character);
      if (next !== undefined) this.walk(view, start, next, position + 1, edited, depth + 1, work, report);
    }
    if (edited) return;
    for (const [key, child] of node.children) {
      if (!child.fuzzyBelow) continue;
      // A character missing from the password ("Sommr" for "sommar").
      this.walk(view, start, child, position, true, depth + 1, work, report);
      // One character changed ("Sommer" for "sommar").
      if (character !== undefined && key !== character) this.walk(view, start, child, position + 1, true, depth + 1, work, report);
    }
    // One character too many ("Sommmar"); not at the first position, where it is just a later start.
    if (character !== undefined && depth > 0 && node.fuzzyBelow) this.walk(view, start, node, position + 1, true, depth, work, report);
  }
}

function isWholeWord(view: PasswordView, start: number, end: number): boolean {
  const before = start > 0 ? view[start - 1] : undefined;
  const after = end < view.length ? view[end] : undefined;
  return (before === undefined || !isLetter(before)) && (after === undefined || !isLetter(after));
}

const isPlainWord = (word: string) => /^[\p{L} -]+$/u.test(word);

/** How a password scored against a word list. */
export interface BannedWordScore {
  /** Points as Entra Password Protection counts them (with digit groups, repeats and sequences as one). */
  readonly points: number;
  /** The listed words the cheapest reading of the password uses, in order ("Sommar"). */
  readonly words: readonly string[];
  /** True when the password has enough points. */
  readonly passed: boolean;
}

/**
 * Scores a password against the matches found in it: the cheapest way to read the password as
 * tokens, where a listed word, a group of up to four digits, a run of one repeated character or a
 * straight sequence (abc, 321) is 1 point and any other character is 1 point.
 */
export function scorePassword(characters: readonly string[], matches: readonly WordMatch[]): BannedWordScore {
  const n = characters.length;
  const plain = passwordViews(characters)[0] ?? [];
  const byStart = new Map<number, WordMatch[]>();
  for (const match of matches) {
    const list = byStart.get(match.start) ?? [];
    list.push(match);
    byStart.set(match.start, list);
  }
  // cost[i]: fewest points for characters[i..n); via[i]: the word used at i, if any; next[i]: where that token ends.
  const cost = new Array<number>(n + 1).fill(0);
  const next = new Array<number>(n + 1).fill(n);
  const via = new Array<string | undefined>(n + 1).fill(undefined);
  const runEnd = (i: number, same: (a: string, b: string) => boolean) => {
    let j = i + 1;
    while (j < n && same(plain[j - 1] ?? '', plain[j] ?? '')) j += 1;
    return j;
  };
  for (let i = n - 1; i >= 0; i -= 1) {
    let best = 1 + (cost[i + 1] ?? 0);
    let bestEnd = i + 1;
    let bestWord: string | undefined;
    const consider = (end: number, word?: string) => {
      const candidate = 1 + (cost[end] ?? 0);
      // On a tie, prefer reading a word, and a word in plain letters ("password" over "passw0rd") for the message.
      const preferred = word !== undefined && (bestWord === undefined || (isPlainWord(word) && !isPlainWord(bestWord)));
      if (candidate < best || (candidate === best && preferred)) {
        best = candidate;
        bestEnd = end;
        bestWord = word;
      }
    };
    for (const match of byStart.get(i) ?? []) consider(match.end, match.word);
    const character = characters[i] ?? '';
    if (isDigit(character)) {
      for (let k = 2; k <= digitGroupLength && i + k <= n && isDigit(characters[i + k - 1] ?? ''); k += 1) consider(i + k);
    }
    const repeatEnd = runEnd(i, (a, b) => a === b);
    if (repeatEnd - i >= 2) consider(repeatEnd);
    const step = (plain[i + 1]?.codePointAt(0) ?? 0) - (plain[i]?.codePointAt(0) ?? 0);
    if (step === 1 || step === -1) {
      let j = i + 1;
      while (j < n && (plain[j]?.codePointAt(0) ?? 0) - (plain[j - 1]?.codePointAt(0) ?? 0) === step) j += 1;
      if (j - i >= 3) consider(j);
    }
    cost[i] = best;
    next[i] = bestEnd;
    via[i] = bestWord;
  }
  const words: string[] = [];
  for (let i = 0; i < n; i = next[i] ?? n) {
    const word = via[i];
    if (word !== undefined) words.push(word);
  }
  const points = cost[0] ?? 0;
  return { points, words, passed: points >= minimumPoints };
}

/**
 * Reads a word list: one word or phrase a line, blank lines and lines starting with # ignored.
 * A line longer than 100 characters is an error with its line number (a list with a stray
 * binary or CSV file in it should fail loudly, not ban garbage).
 */
export function parseBannedWordList(text: string, source = 'word list'): string[] {
  const words: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const word = line.trim();
    if (word === '' || word.startsWith('#')) continue;
    if (codePoints(word).length > 100 || word.includes('\u0000')) {
      throw new NyckelError('config_invalid', `${source}, line ${index + 1}: expected one word or short phrase of at most 100 characters`);
    }
    words.push(word);
  }
  return words;
}

/** Reads passwordPolicy.bannedWordsFile (UTF-8, one word a line). */
export async function readBannedWordsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new NyckelError('config_invalid', `passwordPolicy.bannedWordsFile: cannot read ${path}`, { cause });
  }
  return parseBannedWordList(text, path);
}
