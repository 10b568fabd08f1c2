// Tests for password normalisation: code point counting after NFC, folding of case, å/ä/ö and
// other diacritics, leetspeak views, and word forms.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codePoints, foldCharacter, normalisePassword, normaliseWord, passwordLength, passwordViews, wordForms } from './normalise.ts';

describe('password length', () => {
  it('counts code points, not UTF-16 units', () => {
    assert.equal(passwordLength('🐸🐸🐸'), 3);
    assert.equal('🐸🐸🐸'.length, 6);
    assert.equal(passwordLength('räksmörgås'), 10);
  });
  it('counts å typed as a + combining ring as one character (NFC)', () => {
    const decomposed = 'a\u030Angstro\u0308m';
    assert.equal(decomposed.length, 10);
    assert.equal(passwordLength(decomposed), 8);
    assert.equal(normalisePassword(decomposed), 'ångström');
  });
  it('counts spaces and every other character', () => {
    assert.equal(passwordLength('  \t  '), 5);
    assert.equal(passwordLength('日本語のパスワード'), 9);
  });
});

describe('folding', () => {
  it('lowercases and folds Swedish letters', () => {
    assert.deepEqual(['Å', 'ä', 'Ö', 'é', 'Ü', 'S'].map(foldCharacter), ['a', 'a', 'o', 'e', 'u', 's']);
  });
  it('keeps one character per code point when lowercasing would change the count', () => {
    assert.equal(codePoints('İ'.toLowerCase()).length, 2);
    assert.equal(codePoints(foldCharacter('İ')).length, 1);
    assert.equal(foldCharacter('ß'), 'ß');
    assert.equal(foldCharacter('🐸'), '🐸');
  });
});

describe('views', () => {
  it('gives a plain view and two leetspeak views, aligned with the original', () => {
    const characters = codePoints('P@ssw0rd!1');
    const [plain, asL, asI] = passwordViews(characters);
    assert.equal(plain?.join(''), 'p@ssw0rd!1');
    assert.equal(asL?.join(''), 'passwordll');
    assert.equal(asI?.join(''), 'passwordii');
    for (const view of passwordViews(codePoints('Sö🐸mmar$2025'))) assert.equal(view.length, 12);
  });
  it('undoes the Entra substitutions 0→o, 1→l, $→s, @→a and the common others', () => {
    const [, asL] = passwordViews(codePoints('0 1 $ @ 3 4 5 7 8 9 | +'));
    assert.equal(asL?.join(''), 'o l s a e a s t b g l t');
  });
});

describe('word forms', () => {
  it('folds case and diacritics and drops separators', () => {
    assert.equal(normaliseWord('Upplands-Bro'), 'upplandsbro');
    assert.equal(normaliseWord('Malmö FF'), 'malmoff');
    assert.equal(normaliseWord('  '), '');
  });
  it('adds the leetspeak reading of a word written in leet', () => {
    assert.deepEqual(wordForms('Välkommen'), ['valkommen']);
    assert.ok(wordForms('p@ssw0rd').includes('password'));
    assert.ok(wordForms('Eslöv').includes('eslov'));
  });
});
