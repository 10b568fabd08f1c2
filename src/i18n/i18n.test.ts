// Checks the catalogs beyond what the type checker sees: the same keys in every language,
// no empty strings, and interpolating functions that return text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogFor, catalogs, isLanguage, languages } from './catalog.ts';

function leaves(node: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null) for (const [k, v] of leaves(value, path)) out.set(k, v);
    else out.set(path, value);
  }
  return out;
}

describe('message catalogs', () => {
  const sv = leaves(catalogs.sv);
  it('has a good number of texts', () => {
    assert.ok(sv.size > 100, `only ${sv.size} keys`);
  });
  for (const language of languages) {
    const catalog = leaves(catalogs[language]);
    it(`${language} has exactly the Swedish keys`, () => {
      assert.deepEqual([...catalog.keys()].sort(), [...sv.keys()].sort());
    });
    it(`${language} has no empty strings and every function gives text`, () => {
      for (const [key, value] of catalog) {
        if (typeof value === 'function') {
          const text = (value as (...args: unknown[]) => unknown)(3, 'x');
          assert.equal(typeof text, 'string', key);
          assert.ok((text as string).trim().length > 0, key);
        } else {
          assert.equal(typeof value, 'string', key);
          assert.ok((value as string).trim().length > 0, `${language}.${key} is empty`);
        }
        assert.equal(typeof value, typeof sv.get(key), `${key} has a different kind in ${language}`);
      }
    });
  }
  it('the English catalog is not a copy of the Swedish one', () => {
    assert.notEqual(catalogs.en.signIn.title, catalogs.sv.signIn.title);
    assert.equal(catalogFor('sv').nav.signOut, 'Logga ut');
  });
  it('recognises languages', () => {
    assert.equal(isLanguage('sv'), true);
    assert.equal(isLanguage('de'), false);
    assert.equal(isLanguage(undefined), false);
  });
});
