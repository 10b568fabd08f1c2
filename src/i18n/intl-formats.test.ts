// The kept Intl formatters: one per locale and options, formatting exactly as a fresh one does,
// and a campaign's worth of notices rendered without making a formatter per message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPasswordChangeRequired } from '../messaging/message-templates.ts';
import { dateTimeFormat, displayNames, keptFormatCount, numberFormat } from './intl-formats.ts';

const deadline = new Date('2026-12-18T22:59:59Z');

test('the same locale and options give the same formatter; other options another; output as a fresh one', () => {
  const a = dateTimeFormat('sv-SE', { dateStyle: 'long', timeZone: 'Europe/Stockholm' });
  assert.equal(dateTimeFormat('sv-SE', { dateStyle: 'long', timeZone: 'Europe/Stockholm' }), a);
  assert.notEqual(dateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Europe/Stockholm' }), a);
  assert.notEqual(dateTimeFormat('sv-SE', { dateStyle: 'short', timeZone: 'Europe/Stockholm' }), a);
  assert.equal(a.format(deadline), '18 december 2026');
  assert.equal(a.format(deadline), new Intl.DateTimeFormat('sv-SE', { dateStyle: 'long', timeZone: 'Europe/Stockholm' }).format(deadline));
  assert.equal(numberFormat('sv-SE', { style: 'percent' }).format(0.5), new Intl.NumberFormat('sv-SE', { style: 'percent' }).format(0.5));
  assert.equal(numberFormat('sv-SE', { style: 'percent' }), numberFormat('sv-SE', { style: 'percent' }));
  assert.equal(displayNames(['sv-SE'], { type: 'region' }).of('NO'), 'Norge');
});

test('10,000 campaign notices keep one formatter per language, not one per message', () => {
  const before = keptFormatCount();
  for (let i = 0; i < 10_000; i++) {
    const message = renderPasswordChangeRequired({
      language: i % 2 === 0 ? 'sv' : 'en',
      organisationName: 'Testkommun',
      link: 'https://nyckel.kommun.example/',
      deadline,
    });
    assert.ok(message.sms.includes(i % 2 === 0 ? '18 december 2026' : '18 December 2026'));
  }
  assert.ok(keptFormatCount() - before <= 2, `kept ${keptFormatCount() - before} new formatters`);
});

test('the cache is bounded: past its size, formatters are made per call and still correct', () => {
  for (let i = 0; i < 400; i++) {
    const f = numberFormat('en-GB', { minimumIntegerDigits: (i % 21) + 1, maximumFractionDigits: i % 20 });
    assert.equal(f.format(1), (1).toLocaleString('en-GB', { minimumIntegerDigits: (i % 21) + 1, maximumFractionDigits: i % 20 }));
  }
  assert.ok(keptFormatCount() <= 256);
});
