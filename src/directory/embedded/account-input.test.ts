// Tests for the validation of new embedded-directory accounts (account-input.ts): normalising
// good input, reporting every problem by field, and Swedish mobile numbers to E.164.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normaliseSwedishMobile, parseNewAccount } from './account-input.ts';

describe('account input', () => {
  test('normalises and accepts a good account', () => {
    const parsed = parseNewAccount({
      username: ' Åsa.Öberg ',
      email: ' Asa.Oberg@Kommun.SE ',
      displayName: '  Åsa Öberg ',
      department: 'Kultur och fritid',
      mobile: '0701234567',
    });
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        username: 'åsa.öberg',
        email: 'asa.oberg@kommun.se',
        displayName: 'Åsa Öberg',
        department: 'Kultur och fritid',
        mobile: '+46701234567',
        privileged: false,
      },
    });
  });

  test('reports every problem with a field and a readable message', () => {
    const parsed = parseNewAccount({
      username: 'anna berg',
      email: 'not-an-address',
      displayName: 'Anna\u0007',
      department: 'x'.repeat(257),
      mobile: '+1 212 555 0100',
      privileged: 'yes',
      role: 'admin',
    });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    const byField = Object.fromEntries(parsed.problems.map((p) => [p.field, p.message]));
    assert.match(byField.username ?? '', /only letters, digits/);
    assert.match(byField.email ?? '', /valid e-mail address/);
    assert.match(byField.displayName ?? '', /control characters/);
    assert.match(byField.department ?? '', /at most 256/);
    assert.match(byField.mobile ?? '', /Swedish mobile number/);
    assert.doesNotMatch(byField.mobile ?? '', /212/, 'the number itself is not echoed');
    assert.match(byField.privileged ?? '', /true or false/);
    assert.match(byField.account ?? '', /Unknown field: role/);
  });

  test('required fields and types', () => {
    const missing = parseNewAccount({});
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.deepEqual(missing.problems, [
        { field: 'username', message: 'Username is required.' },
        { field: 'displayName', message: 'Display name is required.' },
      ]);
    }
    for (const notAnObject of [null, 42, 'anna', []]) {
      const parsed = parseNewAccount(notAnObject);
      assert.equal(parsed.ok, false, JSON.stringify(notAnObject));
    }
    const longName = parseNewAccount({ username: 'a'.repeat(65), displayName: 'A' });
    assert.ok(!longName.ok && longName.problems[0]?.message === 'Username can be at most 64 characters.');
    assert.equal(parseNewAccount({ username: 'a'.repeat(64), displayName: 'A' }).ok, true);
    // Bidirectional overrides can make a name display as another (Trojan Source).
    assert.equal(parseNewAccount({ username: 'a', displayName: 'Anna \u202Egreb' }).ok, false);
    // Empty optional cells (CSV) mean "not given".
    assert.deepEqual(parseNewAccount({ username: 'a', displayName: 'A', email: '', department: ' ', mobile: '' }), {
      ok: true,
      value: { username: 'a', email: undefined, displayName: 'A', department: undefined, mobile: undefined, privileged: false },
    });
  });

  test('Swedish mobile numbers become E.164; others are refused', () => {
    const good: [string, string][] = [
      ['070-123 45 67', '+46701234567'],
      ['0701234567', '+46701234567'],
      ['+46 70 123 45 67', '+46701234567'],
      ['+46701234567', '+46701234567'],
      ['0046 70 123 45 67', '+46701234567'],
      ['+46 (0)70-123 45 67', '+46701234567'],
      ['073-987 65 43', '+46739876543'],
      ['076.123.45.67', '+46761234567'],
      ['079 000 00 00', '+46790000000'],
      ['072 1234567', '+46721234567'],
    ];
    for (const [input, e164] of good) assert.equal(normaliseSwedishMobile(input), e164, input);
    const bad = [
      '08-123 456 78',
      '0771-123 456',
      '070-123 45 6',
      '070-123 45 678',
      '+47 912 34 567',
      '701234567',
      '+4670123456a',
      '',
      'sju',
    ];
    for (const input of bad) assert.equal(normaliseSwedishMobile(input), null, input);
  });
});
