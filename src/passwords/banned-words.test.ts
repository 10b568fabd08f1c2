// Tests for the banned-word matcher and Entra-style scoring: normalisation, one-edit matching,
// substring and whole-word matching, points, the word-list parser, and bounded work on long input.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isNyckelError } from '../domain/errors.ts';
import { minimumPoints, parseBannedWordList, readBannedWordsFile, scorePassword, WordMatcher } from './banned-words.ts';
import { codePoints } from './normalise.ts';
import { swedishBannedWords } from './swedish-words.ts';

const swedish = WordMatcher.of(swedishBannedWords);
const score = (password: string, matcher = swedish) => {
  const characters = codePoints(password.normalize('NFC'));
  return scorePassword(characters, matcher.findMatches(characters));
};
const wordsIn = (password: string, matcher = swedish) => [...new Set(matcher.findMatches(codePoints(password)).map((m) => m.word))];

describe('finding banned words', () => {
  it('finds words in any case, with å/ä/ö typed or folded', () => {
    for (const password of [
      'SOMMAR',
      'sommar',
      'SoMmAr',
      'Välkommen',
      'valkommen',
      'VALKOMMEN',
      'Lösenord',
      'losenord',
      'Eslöv',
      'ESLOV',
    ]) {
      assert.ok(wordsIn(password).length > 0, password);
    }
  });
  it('undoes leetspeak: 0→o, 1→l, 3→e, 4→a, 5→s, 7→t, $→s, @→a, !→i', () => {
    assert.ok(wordsIn('P@ssw0rd').includes('password'));
    assert.ok(wordsIn('$0mm4r').includes('sommar'));
    assert.ok(wordsIn('v1nt3r').includes('vinter'));
    assert.ok(wordsIn('l0s3n0rd').includes('lösenord'));
    assert.ok(wordsIn('7isdag').includes('tisdag'));
    assert.ok(wordsIn('v!nter').includes('vinter'));
    assert.ok(wordsIn('He!sIngb0rg').includes('Helsingborg'));
  });
  it('finds words one edit away (five letters or more)', () => {
    assert.ok(wordsIn('Sommmar').includes('sommar'), 'an extra letter');
    assert.ok(wordsIn('Somar').includes('sommar'), 'a missing letter');
    assert.ok(wordsIn('Sommer').includes('sommar'), 'a changed letter');
    assert.ok(wordsIn('Välkomen').includes('välkommen'));
    assert.ok(wordsIn('Lösenrd').includes('lösenord'));
    assert.ok(wordsIn('Helsingbirg').includes('Helsingborg'));
    assert.deepEqual(
      wordsIn('Smomra').filter((w) => w === 'sommar'),
      [],
      'two edits are too many',
    );
  });
  it('finds words of four letters or more anywhere, but only exactly', () => {
    assert.ok(wordsIn('minasdfkatt').includes('asdf'));
    assert.ok(wordsIn('xxlundxx').includes('Lund'));
    assert.deepEqual(
      wordsIn('xxlyndxx').filter((w) => w === 'Lund'),
      [],
    );
  });
  it('finds words shorter than four letters only as a whole word', () => {
    assert.ok(wordsIn('Vår2025!').includes('vår'));
    assert.ok(wordsIn('maj-maj').includes('maj'));
    assert.ok(wordsIn('Ale!!').includes('Ale'));
    assert.deepEqual(
      wordsIn('majestät').filter((w) => w === 'maj'),
      [],
    );
    assert.deepEqual(
      wordsIn('kale').filter((w) => w === 'Ale'),
      [],
    );
  });
  it('finds municipalities with spaces and hyphens in their names', () => {
    assert.ok(wordsIn('UpplandsVäsby1').includes('Upplands Väsby'));
    assert.ok(wordsIn('upplands-bro').includes('Upplands-Bro'));
    assert.ok(wordsIn('OstraGoinge').includes('Östra Göinge'));
  });
  it('finds keyboard walks on the Swedish layout', () => {
    assert.ok(wordsIn('qwertyuiopå').includes('qwertyuiopå'));
    assert.ok(wordsIn('Asdfghjklöä').includes('asdfghjklöä'));
    assert.ok(wordsIn('1qaz2wsx').includes('1qaz2wsx'));
  });
  it("adds the organisation's own words, matched the same way", () => {
    const matcher = WordMatcher.of([...swedishBannedWords, 'Nyckelbolaget', 'Kvarnby']);
    assert.ok(wordsIn('Nyckelb0laget!', matcher).includes('Nyckelbolaget'));
    assert.ok(wordsIn('kvarnbi', matcher).includes('Kvarnby'));
    assert.equal(wordsIn('kvarnbi').includes('Kvarnby'), false);
  });
  it('reports positions in code points of the original password', () => {
    const [match] = WordMatcher.of(['sommar']).findMatches(codePoints('🐸🐸Sommar'));
    assert.deepEqual(match, { word: 'sommar', start: 2, end: 8 });
  });
  it('reads the password backwards on request', () => {
    const matcher = WordMatcher.of(['andersson']);
    assert.equal(matcher.findMatches(codePoints('nossrednA')).length, 0);
    const found = matcher.findMatchesEitherWay(codePoints('xnossrednA'));
    assert.ok(found.some((m) => m.start === 1 && m.end === 10 && m.word === 'andersson'));
  });
  it('ignores words shorter than three characters', () => {
    assert.equal(WordMatcher.of(['bo', 'x', '']).size, 0);
  });
});

describe('scoring (Entra: a word is 1 point, every other character 1 point, at least 5 needed)', () => {
  it('refuses the classic Swedish passwords', () => {
    for (const password of [
      'Sommar2025!',
      'Välkommen1',
      'Eslöv2026!!',
      'P@ssw0rd123456',
      'Lösenord1234',
      'Vinter2024!!',
      'Hejsan123456',
      'Qwertyuiopå1',
      'Hammarby1897',
      'Fredag13!',
      'December2025',
      'Malmö2025!?',
    ]) {
      const result = score(password);
      assert.equal(result.passed, false, `${password}: ${result.points} points`);
      assert.ok(result.words.length > 0, password);
    }
  });
  it('counts the points as described', () => {
    assert.equal(score('Sommar2025!').points, 3, 'sommar + 2025 + !');
    assert.equal(score('Välkommen1').points, 1, 'välkommen with one extra character is one edit away');
    assert.equal(score('Eslöv2026!!').points, 3, 'eslöv + 2026 + !!');
    assert.equal(score('P@ssw0rd123456').points, 2, 'password + 123456');
    assert.equal(score('Sommar!x9Qw').points, 5, 'sommar! (one edit from sommar) + four characters');
    assert.equal(score('Sommar!x9Q').points, 4, 'sommar! + three characters');
    assert.equal(score('abcdefgh').points, 1, 'a straight sequence');
  });
  it('accepts passphrases and passwords with enough else in them', () => {
    for (const password of [
      'korrekt häst batteri häftklammer',
      'Gul-Cykel-Under-Bron-7',
      'Sommar-i-Vadstena-med-glass',
      'tre gröna grodor hoppar',
      'K8#vQ2!mZp4&',
      'Min katt heter Sixten',
    ]) {
      const result = score(password);
      assert.ok(result.points >= minimumPoints, `${password}: ${result.points} points`);
    }
  });
  it('groups up to four digits, repeats and sequences, so digits alone are not enough', () => {
    assert.equal(score('2025').points, 1);
    assert.equal(score('20252025').points, 2);
    assert.equal(score('839201746512').points, 3);
    assert.equal(score('!!!!!!!!!!!!').points, 1);
    assert.equal(score('987654321').points, 1);
    assert.equal(score('').points, 0);
  });
  it('names the words the cheapest reading uses', () => {
    assert.deepEqual(score('Sommar2025!').words, ['sommar']);
    assert.deepEqual(score('VinterSommar1').words, ['vinter', 'sommar']);
  });
});

describe('bounded work', () => {
  it('handles 1000 characters, with work growing linearly', () => {
    const work64 = { steps: 0 };
    const work1000 = { steps: 0 };
    const sample = 'Sommar2025!$0mm4r v1nt3r Eslöv ';
    const long = codePoints(sample.repeat(40)).slice(0, 1000);
    swedish.findMatches(long.slice(0, 64), work64);
    const matches = swedish.findMatches(long, work1000);
    assert.ok(matches.length > 50);
    const ratio = work1000.steps / work64.steps;
    // Linear: about 1000/64 ≈ 16 times the work; quadratic would be about 244 times.
    assert.ok(ratio < 25, `work grew ${ratio.toFixed(1)} times`);
    assert.equal(scorePassword(long, matches).passed, true);
  });
  it('handles 1000 identical characters and 1000 emoji', () => {
    assert.equal(score('a'.repeat(1000)).points, 1);
    assert.equal(score('🐸'.repeat(1000)).points, 1);
  });
});

describe('word list files', () => {
  it('reads one word a line, skipping blanks and comments', () => {
    assert.deepEqual(parseBannedWordList('\uFEFF# our words\nKvarnby\r\n\n  Nyckelbolaget  \n# end\n'), ['Kvarnby', 'Nyckelbolaget']);
  });
  it('refuses a line that is not a word, with its line number', () => {
    assert.throws(
      () => parseBannedWordList(`ok\n${'x'.repeat(101)}\n`, 'banned.txt'),
      (error: unknown) => isNyckelError(error, 'config_invalid') && /banned\.txt, line 2/.test(error.message),
    );
  });
  it('reads a file, and reports a missing one clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nyckel-banned-'));
    try {
      await writeFile(join(dir, 'words.txt'), 'Kvarnby\nSolrosen\n');
      assert.deepEqual(await readBannedWordsFile(join(dir, 'words.txt')), ['Kvarnby', 'Solrosen']);
      await assert.rejects(
        readBannedWordsFile(join(dir, 'missing.txt')),
        (error: unknown) => isNyckelError(error, 'config_invalid') && /cannot read/.test(error.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
