// The campaign notice and reminder texts: both languages, the deadline in Swedish time, the
// administrators' extra text escaped in HTML and stripped of control characters, the phishing
// warning, and no account detail.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPasswordChangeRequired } from '../messaging/message-templates.ts';

const base = {
  organisationName: 'Eslövs kommun',
  link: 'https://nyckel.eslov.se/',
  helpdesk: '0413-620 00',
  deadline: new Date('2026-03-20T22:59:00Z'),
};

describe('renderPasswordChangeRequired', () => {
  it('says what, by when and where, in Swedish and English', () => {
    const sv = renderPasswordChangeRequired({ ...base, language: 'sv' });
    assert.equal(sv.subject, 'Byt ditt lösenord');
    assert.match(sv.text, /senast 20 mars 2026/);
    assert.match(sv.text, /https:\/\/nyckel\.eslov\.se\//);
    assert.match(sv.sms, /Vi ber dig aldrig om ditt lösenord/);
    assert.match(sv.text, /0413-620 00/);
    const en = renderPasswordChangeRequired({ ...base, language: 'en', daysLeft: 3 });
    assert.equal(en.subject, 'Reminder: change your password');
    assert.match(en.text, /by 20 March 2026\. 3 days are left\./);
    assert.match(en.html, /<html lang="en">/);
  });

  it('escapes the extra text in HTML and drops control characters', () => {
    const m = renderPasswordChangeRequired({ ...base, language: 'sv', extra: 'Läckan gäller <b>"X"</b>\u0007\r\n\r\nAndra stycket\u202E' });
    assert.ok(m.html.includes('Läckan gäller &lt;b&gt;&quot;X&quot;&lt;/b&gt;'));
    assert.ok(!m.html.includes('<b>'));
    assert.ok(!m.text.includes('\u0007'));
    assert.match(m.text, /Läckan gäller <b>"X"<\/b>\s*\n\nAndra stycket/);
    assert.ok(!m.sms.includes('\n'));
    assert.ok(!m.text.includes('\u202E') && !m.html.includes('\u202E'));
  });

  it('refuses a link that is not http(s)', () => {
    assert.throws(() => renderPasswordChangeRequired({ ...base, language: 'sv', link: 'javascript:alert(1)' }), TypeError);
  });
});
