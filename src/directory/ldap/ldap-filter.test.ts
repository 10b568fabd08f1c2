// Tests for LDAP filter building: the RFC 4515 escaping examples, injection attempts that must
// stay literal values (checked by parsing the result with ldapts' own filter parser), identifier
// clean-up and configured-filter checks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AndFilter, EqualityFilter, FilterParser, OrFilter } from 'ldapts';
import {
  andFilter,
  configuredFilter,
  equalityFilter,
  escapeFilterValue,
  identifierFilter,
  MAX_IDENTIFIER_LENGTH,
  normaliseIdentifier,
  orFilter,
} from './ldap-filter.ts';

describe('escapeFilterValue (RFC 4515)', () => {
  test('the examples of RFC 4515 section 4', () => {
    assert.equal(
      equalityFilter('o', 'Parens R Us (for all your parenthetical needs)'),
      '(o=Parens R Us \\28for all your parenthetical needs\\29)',
    );
    assert.equal(`(cn=*${escapeFilterValue('*')}*)`, '(cn=*\\2a*)');
    assert.equal(equalityFilter('filename', 'C:\\MyFile'), '(filename=C:\\5cMyFile)');
    assert.equal(equalityFilter('bin', '\u0000\u0000\u0000\u0004'), '(bin=\\00\\00\\00\\04)');
    // Non-ASCII stays UTF-8, which RFC 4515 allows (its example escapes the same bytes).
    assert.equal(equalityFilter('sn', 'Lučić'), '(sn=Lučić)');
  });

  test('leaves ordinary names alone', () => {
    for (const value of ['anna.svensson', 'anna@example.se', 'Åsa Öberg', "o'brien", 'a-b_c+d']) {
      assert.equal(escapeFilterValue(value), value);
    }
  });

  test('escapes every special and control character', () => {
    assert.equal(escapeFilterValue('*()\\\u0000\n\u007f'), '\\2a\\28\\29\\5c\\00\\0a\\7f');
  });

  test('injection attempts parse back as one equality filter with the literal value', () => {
    for (const value of [
      '*',
      '*)(uid=*',
      'x)(|(uid=*',
      '*)(|(objectClass=*))',
      '\\',
      '\\2a',
      '(',
      ')',
      'a\u0000b',
      "' OR '1'='1",
      'x'.repeat(10_240),
    ]) {
      const parsed = FilterParser.parseString(equalityFilter('uid', value));
      assert.ok(parsed instanceof EqualityFilter, `one equality filter for ${JSON.stringify(value.slice(0, 20))}`);
      assert.equal(parsed.attribute, 'uid');
      assert.equal(parsed.value, value);
    }
  });
});

describe('building filters', () => {
  test('identifierFilter ORs the identifier attributes and ANDs the configured user filter', () => {
    const filter = identifierFilter('*)(uid=*', ['uid', 'mail'], '(objectClass=inetOrgPerson)');
    assert.equal(filter, '(&(objectClass=inetOrgPerson)(|(uid=\\2a\\29\\28uid=\\2a)(mail=\\2a\\29\\28uid=\\2a)))');
    const parsed = FilterParser.parseString(filter);
    assert.ok(parsed instanceof AndFilter);
    assert.ok(parsed.filters[1] instanceof OrFilter);
    assert.equal(identifierFilter('anna', ['uid'], null), '(uid=anna)');
  });

  test('andFilter and orFilter need at least one filter and pass a single one through', () => {
    assert.throws(() => andFilter([]));
    assert.throws(() => orFilter([]));
    assert.equal(andFilter(['(a=1)']), '(a=1)');
    assert.equal(orFilter(['(a=1)', '(b=2)']), '(|(a=1)(b=2))');
  });

  test('attribute names are checked', () => {
    assert.throws(() => equalityFilter('uid)(cn', 'x'));
    assert.throws(() => equalityFilter('', 'x'));
    assert.equal(equalityFilter('1.3.6.1.4.1.1466.115.121.1.15', 'x'), '(1.3.6.1.4.1.1466.115.121.1.15=x)');
  });

  test('configuredFilter wraps a bare filter and refuses unbalanced parentheses', () => {
    assert.equal(configuredFilter('objectClass=person'), '(objectClass=person)');
    assert.equal(configuredFilter(' (&(a=1)(b=2)) '), '(&(a=1)(b=2))');
    assert.equal(configuredFilter('(cn=a\\29b)'), '(cn=a\\29b)');
    for (const bad of ['(a=1', '(a=1))', '(a=1)(b=2)', '(&(a=1)']) assert.throws(() => configuredFilter(bad), /unbalanced/);
  });
});

describe('normaliseIdentifier', () => {
  test('trims, and refuses empty, overlong and NUL-containing input', () => {
    assert.equal(normaliseIdentifier('  anna  '), 'anna');
    assert.equal(normaliseIdentifier(''), null);
    assert.equal(normaliseIdentifier('   '), null);
    assert.equal(normaliseIdentifier('anna\u0000'), null);
    assert.equal(normaliseIdentifier('a'.repeat(MAX_IDENTIFIER_LENGTH)), 'a'.repeat(MAX_IDENTIFIER_LENGTH));
    assert.equal(normaliseIdentifier('a'.repeat(MAX_IDENTIFIER_LENGTH + 1)), null);
  });

  test('normalises to NFC, so a decomposed å finds the stored one', () => {
    assert.equal(normaliseIdentifier('a\u030Asa'), '\u00E5sa');
  });
});
