// Unit tests for AD time values: FILETIME points in time and negative 100-ns durations.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateToFileTime, FILETIME_NEVER, fileTimeToDate, intervalToMs, lockEnd, parseLargeInteger } from './ad-time.ts';

test('FILETIME ↔ Date, with values measured on Samba', () => {
  // 1970-01-01 is 11644473600 s after 1601-01-01 (MS-DTYP 2.3.3).
  assert.equal(fileTimeToDate(116_444_736_000_000_000n)?.toISOString(), '1970-01-01T00:00:00.000Z');
  assert.equal(fileTimeToDate(134_397_925_543_683_580n)?.toISOString(), '2026-11-22T03:42:34.368Z');
  assert.equal(dateToFileTime(new Date('2026-11-22T03:42:34.368Z')), 134_397_925_543_680_000n);
  const now = new Date('2030-06-01T12:00:00.123Z');
  assert.equal(fileTimeToDate(dateToFileTime(now))?.getTime(), now.getTime());
});

test('0 (never set) and 0x7FFFFFFFFFFFFFFF (never) are no date', () => {
  assert.equal(fileTimeToDate(0n), null);
  assert.equal(fileTimeToDate(FILETIME_NEVER), null);
  assert.equal(fileTimeToDate(null), null);
  assert.equal(fileTimeToDate(-5n), null);
});

test('large integers parse exactly from strings, arrays and buffers; junk is null', () => {
  assert.equal(parseLargeInteger('9223372036854775807'), 9_223_372_036_854_775_807n);
  assert.equal(parseLargeInteger(['-9223372036854775808']), -9_223_372_036_854_775_808n);
  assert.equal(parseLargeInteger(Buffer.from('42')), 42n);
  for (const junk of [undefined, null, '', 'abc', '1e5', '12 34', []]) assert.equal(parseLargeInteger(junk as never), null, String(junk));
});

test('durations: negative 100-ns intervals; "forever" and 0 are no limit', () => {
  assert.equal(intervalToMs(-18_000_000_000n), 30 * 60_000);
  assert.equal(intervalToMs(-77_760_000_000_000n), 90 * 24 * 3_600_000);
  assert.equal(intervalToMs(-9_223_372_036_854_775_808n), null);
  assert.equal(intervalToMs(0n), null);
  assert.equal(intervalToMs(null), null);
});

test('lockEnd: a timed lock ends, a "forever" lock does not, lockoutTime 0 is no lock', () => {
  const lockedAt = new Date('2026-03-01T10:00:00Z');
  const timed = lockEnd(dateToFileTime(lockedAt), -18_000_000_000n);
  assert.equal(timed.lockedUntil?.toISOString(), '2026-03-01T10:30:00.000Z');
  assert.equal(timed.isLockedAt(new Date('2026-03-01T10:29:59Z')), true);
  assert.equal(timed.isLockedAt(new Date('2026-03-01T10:30:00Z')), false);
  const forever = lockEnd(dateToFileTime(lockedAt), -9_223_372_036_854_775_808n);
  assert.equal(forever.lockedUntil, null);
  assert.equal(forever.isLockedAt(new Date('2099-01-01T00:00:00Z')), true);
  assert.equal(lockEnd(0n, -18_000_000_000n).isLockedAt(lockedAt), false);
  assert.equal(lockEnd(null, null).lockedUntil, null);
});
