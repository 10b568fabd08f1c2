// Tests for phone number input: the ways Swedes write one number, and the numbers refused.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isKnownCountry, maskPhoneNumber, parsePhoneNumberInput, phoneNumberForLog } from './phone-number.ts';

const sweden = { defaultCountry: 'SE', allowedCountries: ['SE'] };

describe('parsePhoneNumberInput', () => {
  test('the usual ways of writing a Swedish mobile number are one number', () => {
    for (const input of [
      '070-123 45 67',
      '0701234567',
      '+46 70 123 45 67',
      '0046701234567',
      '+46701234567',
      ' 070 123 45 67 ',
      '+46 (0)70-123 45 67',
      '070.123.45.67',
      '070\u00A0123\u00A045\u00A067',
    ]) {
      assert.deepEqual(
        parsePhoneNumberInput(input, sweden),
        { ok: true, e164: '+46701234567', country: 'SE', national: '070-123 45 67' },
        input,
      );
    }
  });

  test('other Swedish mobile ranges are accepted', () => {
    for (const [input, e164] of [
      ['073-987 65 43', '+46739876543'],
      ['076 123 45 67', '+46761234567'],
      ['072 1234567', '+46721234567'],
      ['079 000 00 00', '+46790000000'],
    ] as const) {
      const parsed = parsePhoneNumberInput(input, sweden);
      assert.ok(parsed.ok, input);
      assert.equal(parsed.e164, e164);
    }
  });

  test('landlines and other non-mobile numbers are refused as not_mobile', () => {
    for (const input of ['08-123 456 78', '046-35 50 00', '0771-123 456', '010-123 45 67']) {
      assert.deepEqual(parsePhoneNumberInput(input, sweden), { ok: false, reason: 'not_mobile' }, input);
    }
  });

  test('invalid numbers are refused as invalid', () => {
    for (const input of [
      '',
      '   ',
      '070-123 45 6',
      '070-123 45 678',
      '+4670123456a',
      'sju',
      '070 123 45 67 ext 2',
      '++46701234567',
      '12',
    ]) {
      assert.deepEqual(parsePhoneNumberInput(input, sweden), { ok: false, reason: 'invalid' }, input);
    }
  });

  test('countries outside the allow-list are refused, whatever the default country', () => {
    assert.deepEqual(parsePhoneNumberInput('+47 912 34 567', sweden), { ok: false, reason: 'country_not_allowed' });
    assert.deepEqual(parsePhoneNumberInput('+1 212 555 0100', sweden), { ok: false, reason: 'country_not_allowed' });
    assert.deepEqual(parsePhoneNumberInput('00358 40 123 4567', sweden), { ok: false, reason: 'country_not_allowed' });
    const nordic = { defaultCountry: 'SE', allowedCountries: ['SE', 'NO', 'FI'] };
    assert.deepEqual(parsePhoneNumberInput('+47 912 34 567', nordic), {
      ok: true,
      e164: '+4791234567',
      country: 'NO',
      national: '91 23 45 67',
    });
    const finnish = parsePhoneNumberInput('040 123 4567', { defaultCountry: 'FI', allowedCountries: ['FI'] });
    assert.ok(finnish.ok && finnish.e164 === '+358401234567' && finnish.country === 'FI');
  });

  test('input over 32 characters is refused before parsing', () => {
    const padded = `070${' '.repeat(27)}1234567`;
    assert.equal(padded.length, 37);
    assert.deepEqual(parsePhoneNumberInput(padded, sweden), { ok: false, reason: 'too_long' });
    assert.deepEqual(parsePhoneNumberInput('9'.repeat(10_000), sweden), { ok: false, reason: 'too_long' });
    // 32 characters exactly is still parsed.
    const edge = `+46 70 123 45 67${' '.repeat(16)}`;
    assert.equal(edge.length, 32);
    assert.equal(parsePhoneNumberInput(edge, sweden).ok, true);
  });

  test('a non-string is invalid, not a crash', () => {
    assert.deepEqual(parsePhoneNumberInput(701234567 as unknown as string, sweden), { ok: false, reason: 'invalid' });
  });
});

describe('masking', () => {
  test('maskPhoneNumber shows country code, two first and two last digits', () => {
    assert.equal(maskPhoneNumber('+46701234567'), '+46 70 *** ** 67');
    assert.equal(maskPhoneNumber('+46739876543'), '+46 73 *** ** 43');
    assert.equal(maskPhoneNumber('+4791234567'), '+47 91 ** ** 67');
    assert.equal(maskPhoneNumber('not a number'), '***');
    assert.equal(maskPhoneNumber(''), '***');
  });

  test('phoneNumberForLog keeps only the last two digits', () => {
    assert.equal(phoneNumberForLog('+46701234567'), '…67');
    assert.equal(phoneNumberForLog('+46'), '…');
    assert.doesNotMatch(phoneNumberForLog('+46701234567'), /0123/);
  });

  test('isKnownCountry accepts ISO codes libphonenumber knows', () => {
    assert.equal(isKnownCountry('SE'), true);
    assert.equal(isKnownCountry('NO'), true);
    assert.equal(isKnownCountry('se'), false);
    assert.equal(isKnownCountry('XX'), false);
    assert.equal(isKnownCountry('SWE'), false);
  });
});
