// Tests for the strength estimate: zxcvbn-ts with the Swedish dictionary, personal words, feedback
// keys that the catalogs know, and long input cut to a bounded length.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogs, languages } from '../i18n/catalog.ts';
import { estimateStrength, strengthInputLimit, strengthSuggestions, strengthWarnings } from './strength.ts';

describe('strength estimate', () => {
  it('rates passphrases high and common passwords low', () => {
    assert.equal(estimateStrength('korrekt häst batteri häftklammer').score, 4);
    assert.equal(estimateStrength('Gul-Cykel-Under-Bron-7').score, 4);
    assert.ok(estimateStrength('password1').score <= 1);
    assert.ok(estimateStrength('qwertyuiop').score <= 1);
  });
  it('knows Swedish words through the custom dictionary', () => {
    // A random-looking word of the same length is estimated as far harder than a Swedish one.
    const swedish = estimateStrength('välkommen');
    const random = estimateStrength('vxlkqmzen');
    assert.ok(swedish.guessesLog10 + 3 < random.guessesLog10, `${swedish.guessesLog10} vs ${random.guessesLog10}`);
    assert.ok(estimateStrength('Hässleholm').guessesLog10 < estimateStrength('Hzqsxlexlm').guessesLog10);
  });
  it("treats the account's own words as guessable", () => {
    const without = estimateStrength('Tuvessonlinnea');
    const withWords = estimateStrength('Tuvessonlinnea', ['tuvesson', 'linnea']);
    assert.ok(withWords.guessesLog10 < without.guessesLog10);
  });
  it('gives feedback as keys the catalogs translate', () => {
    const repeated = estimateStrength('aaaaaaaaaaaa');
    assert.equal(repeated.warning, 'simpleRepeat');
    assert.ok(repeated.suggestions.length > 0);
    for (const language of languages) {
      const texts = catalogs[language].passwordPolicy.strength;
      for (const key of strengthWarnings) assert.ok(texts.warnings[key].length > 0, `${language} warnings.${key}`);
      for (const key of strengthSuggestions) assert.ok(texts.suggestions[key].length > 0, `${language} suggestions.${key}`);
    }
  });
  it('knows every warning and suggestion zxcvbn-ts can give', async () => {
    const { translations } = await import('@zxcvbn-ts/language-en');
    assert.deepEqual([...strengthWarnings].sort(), Object.keys(translations.warnings).sort());
    assert.deepEqual([...strengthSuggestions].sort(), Object.keys(translations.suggestions).sort());
  });
  it('cuts long input, so 1000 characters cost no more than the limit', () => {
    const long = `${'Sommar2025!'.repeat(100)}`;
    const cut = Array.from(long).slice(0, strengthInputLimit).join('');
    assert.deepEqual(estimateStrength(long), estimateStrength(cut));
    assert.ok(strengthInputLimit >= 64);
  });
});
