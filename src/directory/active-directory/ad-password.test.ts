// Unit tests for the unicodePwd encoding, the pre-send password checks, the policy hints control
// and SID parsing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerWriter } from 'ldapts';
import { POLICY_HINTS_OID, PolicyHintsControl } from './ad-controls.ts';
import { AD_MAX_PASSWORD_LENGTH, checkAdPassword, decodeUnicodePwd, encodeUnicodePwd } from './ad-password.ts';
import { protectedGroupSids, sidToString } from './ad-sid.ts';

test('unicodePwd is the quoted password in UTF-16LE (MS-ADTS 3.1.1.3.1.5.1)', () => {
  assert.deepEqual(encodeUnicodePwd('Ab1'), Buffer.from([0x22, 0x00, 0x41, 0x00, 0x62, 0x00, 0x31, 0x00, 0x22, 0x00]));
  assert.equal(encodeUnicodePwd('Häst-42').length, (7 + 2) * 2);
  // Outside the BMP: a surrogate pair, four bytes.
  assert.equal(encodeUnicodePwd('🔑').length, (2 + 2) * 2);
  for (const password of ['Korrekt-Häst-42', 'with "quotes" inside', ''])
    assert.equal(decodeUnicodePwd(encodeUnicodePwd(password)), password);
});

test('the password is sent as typed, not normalised (Windows sign-in compares code units)', () => {
  const composed = 'H\u00e4st-1';
  const decomposed = 'Ha\u0308st-1';
  assert.notDeepEqual(encodeUnicodePwd(composed), encodeUnicodePwd(decomposed));
});

test('decodeUnicodePwd refuses what is not a quoted UTF-16LE value', () => {
  assert.throws(() => decodeUnicodePwd(Buffer.from('"abc"', 'utf8')));
  assert.throws(() => decodeUnicodePwd(Buffer.from([0x22])));
});

test('checkAdPassword refuses what AD cannot hold, and nothing else', () => {
  assert.equal(checkAdPassword('x'.repeat(AD_MAX_PASSWORD_LENGTH)), null);
  assert.deepEqual(checkAdPassword('x'.repeat(AD_MAX_PASSWORD_LENGTH + 1)), { rule: 'too_long', maxLength: AD_MAX_PASSWORD_LENGTH });
  assert.equal(checkAdPassword('a\u0000b')?.rule, 'directory_policy');
  assert.equal(checkAdPassword('short'), null, 'length and complexity are the DC\u2019s to judge');
});

test('the policy hints control is critical and carries SEQUENCE { INTEGER 1 }', () => {
  const writer = new BerWriter();
  new PolicyHintsControl().write(writer);
  const bytes = writer.buffer;
  const oid = Buffer.from(POLICY_HINTS_OID, 'latin1');
  assert.ok(bytes.includes(oid), 'names the OID');
  // BOOLEAN TRUE (criticality), then the OCTET STRING wrapping 30 03 02 01 01.
  assert.ok(bytes.includes(Buffer.from([0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01])), bytes.toString('hex'));
});

test('binary SIDs parse to text; protected groups cover builtin and domain groups', () => {
  const domain = Buffer.from('010400000000000515000000' + '0be8b11c' + '9ac18126' + '5573df53', 'hex');
  assert.equal(sidToString(domain), 'S-1-5-21-481421323-646037914-1407152981');
  assert.equal(sidToString(Buffer.from('01020000000000052000000020020000', 'hex')), 'S-1-5-32-544');
  assert.equal(sidToString(Buffer.from('0102', 'hex')), null);
  assert.equal(sidToString(Buffer.from('02020000000000052000000020020000', 'hex')), null);
  const sids = protectedGroupSids('S-1-5-21-1-2-3');
  assert.ok(sids.includes('S-1-5-32-544') && sids.includes('S-1-5-21-1-2-3-512') && sids.includes('S-1-5-21-1-2-3-519'));
});
