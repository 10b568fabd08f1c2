// Normalisation for the password policy: how a password is counted (code points after NFC)
// and the folded "views" of it that the banned-word and personal-word matchers compare against
// (lowercase, å/ä/ö folded to a/a/o, leetspeak undone), in the style of Microsoft Entra Password
// Protection. Every view keeps one entry per code point of the password, so a match found in any
// view points at the same characters of the original, which the scoring needs.

/**
 * The password as it will be stored and compared: NFC, so "å" typed as a + combining ring counts
 * and hashes the same as the precomposed "å" (NIST SP 800-63B 5.1.1.2: normalise before hashing).
 */
export function normalisePassword(password: string): string {
  return password.normalize('NFC');
}

/** The password's characters as code points: NIST SP 800-63B counts each Unicode code point as one character. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Length in code points after NFC, the length every rule speaks of ("at least 12 characters"). */
export function passwordLength(password: string): number {
  return codePoints(normalisePassword(password)).length;
}

// Leetspeak substitutions undone before matching (Entra: 0→o, 1→l, $→s, @→a; plus the other common ones).
// "1" and "!" are read both as l and as i, so the matcher runs on two leet views.
const leetCommon: Readonly<Record<string, string>> = {
  '0': 'o',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  $: 's',
  '@': 'a',
  '€': 'e',
  '£': 'l',
  '+': 't',
  '|': 'l',
};
const leetAsL: Readonly<Record<string, string>> = { ...leetCommon, '1': 'l', '!': 'l' };
const leetAsI: Readonly<Record<string, string>> = { ...leetCommon, '1': 'i', '!': 'i' };

/**
 * One code point lowercased and stripped of diacritics (å ä → a, ö → o, é → e), when that still gives
 * exactly one code point; otherwise lowercased only (or left as it is), so positions stay aligned.
 */
export function foldCharacter(character: string): string {
  const lower = character.toLowerCase();
  const lowered = codePoints(lower).length === 1 ? lower : character;
  const stripped = lowered.normalize('NFD').replace(/\p{M}/gu, '');
  return codePoints(stripped).length === 1 ? stripped : lowered;
}

/** A view of a password: one folded character per code point of the original. */
export type PasswordView = readonly string[];

/**
 * The views the matchers search: plain (case and diacritics folded), and two with leetspeak undone
 * (1 and ! read as l, and as i). Every view has exactly one entry per code point of `characters`.
 */
export function passwordViews(characters: readonly string[]): PasswordView[] {
  const plain = characters.map(foldCharacter);
  const asL = plain.map((c) => leetAsL[c] ?? c);
  const asI = plain.map((c) => leetAsI[c] ?? c);
  return [plain, asL, asI];
}

/**
 * A word as the matchers store it: NFC, folded, with spaces, hyphens and other separators removed
 * ("Upplands-Bro" → "upplandsbro", "Malmö FF" → "malmoff"). Digits and letters are kept.
 * Returns '' when nothing is left.
 */
export function normaliseWord(word: string): string {
  return codePoints(word.normalize('NFC'))
    .map(foldCharacter)
    .filter((c) => /[\p{L}\p{N}]/u.test(c))
    .join('');
}

/** The forms of a word to match: its folded form, and with leetspeak undone when it is written in leet ("p@ssw0rd"). */
export function wordForms(word: string): string[] {
  const folded = codePoints(word.normalize('NFC')).map(foldCharacter);
  const forms = new Set<string>();
  for (const map of [undefined, leetAsL, leetAsI]) {
    const form = folded
      .map((c) => (map === undefined ? c : (map[c] ?? c)))
      .filter((c) => /[\p{L}\p{N}]/u.test(c))
      .join('');
    if (form !== '') forms.add(form);
  }
  return [...forms];
}

/** Whether a folded character is a letter (for the "whole word" matching of short words). */
export function isLetter(character: string): boolean {
  return /\p{L}/u.test(character);
}

/** Whether a character is an ASCII or other decimal digit. */
export function isDigit(character: string): boolean {
  return /\p{Nd}/u.test(character);
}
