// Tests for the built-in Swedish word list: all 290 municipalities, no duplicates, and the
// categories the policy promises (seasons, months, weekdays, common words, keyboard walks).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseWord } from './normalise.ts';
import {
  commonPasswordWords,
  footballClubs,
  keyboardWalks,
  months,
  seasons,
  swedishBannedWords,
  swedishDictionary,
  swedishMunicipalities,
  weekdays,
} from './swedish-words.ts';

describe('the Swedish word list', () => {
  it('has all 290 municipalities, each once', () => {
    assert.equal(swedishMunicipalities.length, 290);
    assert.equal(new Set(swedishMunicipalities).size, 290);
    // Håbo and Habo are two municipalities that fold to the same word.
    assert.equal(new Set(swedishMunicipalities.map(normaliseWord)).size, 289);
    assert.equal(normaliseWord('Håbo'), normaliseWord('Habo'));
  });
  it('has the municipalities from Ale to Övertorneå, spelt with å, ä and ö', () => {
    for (const name of [
      'Ale',
      'Alingsås',
      'Alvesta',
      'Eslöv',
      'Helsingborg',
      'Upplands Väsby',
      'Upplands-Bro',
      'Malung-Sälen',
      'Östra Göinge',
      'Övertorneå',
    ]) {
      assert.ok((swedishMunicipalities as readonly string[]).includes(name), name);
    }
    const sorted = [...swedishMunicipalities].sort((a, b) => a.localeCompare(b, 'sv'));
    assert.equal(sorted[0], 'Ale');
    assert.equal(sorted.at(-1), 'Övertorneå');
  });
  it('has the seasons, all twelve months and all seven weekdays', () => {
    for (const season of ['sommar', 'vinter', 'höst', 'vår']) assert.ok((seasons as readonly string[]).includes(season));
    assert.equal(months.length, 12);
    assert.equal(weekdays.filter((d) => d.endsWith('dag')).length, 7);
  });
  it('has the common Swedish password words and the Swedish keyboard walk', () => {
    for (const word of ['välkommen', 'lösenord', 'hejsan', 'kommun', 'region'])
      assert.ok((commonPasswordWords as readonly string[]).includes(word), word);
    for (const walk of ['qwerty', 'qwertyuiopå', 'asdfghjklöä']) assert.ok((keyboardWalks as readonly string[]).includes(walk), walk);
    assert.ok(footballClubs.length >= 20);
  });
  it('puts every category in the banned list and the strength dictionary', () => {
    for (const word of ['sommar', 'december', 'fredag', 'välkommen', 'qwertyuiopå', 'anna', 'hammarby', 'Eslöv']) {
      assert.ok(swedishBannedWords.includes(word), word);
    }
    assert.ok(swedishDictionary.includes('eslöv'));
    assert.ok(swedishDictionary.every((word) => word === word.trim() && word !== ''));
  });
});
