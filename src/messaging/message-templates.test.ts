// Tests for the message texts: exact wording of the code SMS, both languages, escaping, no
// remote content, and nothing more than needed next to a code.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  escapeHtml,
  renderPasswordChanged,
  renderSecurityInfoChanged,
  renderVerificationCode,
  toEmail,
  toSms,
} from './message-templates.ts';

const org = { organisationName: 'Eslövs kommun', link: 'https://nyckel.eslov.se/', helpdesk: '0413-620 00' };

describe('verification code', () => {
  test('Swedish SMS is exactly the short sentence', () => {
    const m = renderVerificationCode({ language: 'sv', code: '123456', validMinutes: 10, organisationName: 'Eslövs kommun' });
    assert.equal(m.sms, 'Din kod för Nyckel är 123456. Den gäller i 10 minuter.');
    assert.deepEqual(toSms(m, '+46701234567'), { channel: 'sms', to: '+46701234567', text: m.sms });
  });

  test('English SMS', () => {
    const m = renderVerificationCode({ language: 'en', code: '654321', validMinutes: 10, organisationName: 'Eslöv' });
    assert.equal(m.sms, 'Your Nyckel code is 654321. It is valid for 10 minutes.');
  });

  test('e-mail: code in both bodies, not in the subject; language set', () => {
    const m = renderVerificationCode({ language: 'sv', code: '123456', validMinutes: 10, organisationName: 'Eslövs kommun' });
    assert.doesNotMatch(m.subject, /123456/);
    assert.match(m.text, /Din kod för Nyckel är 123456\. Den gäller i 10 minuter\./);
    assert.match(m.html, />123456</);
    assert.match(m.html, /<html lang="sv">/);
    assert.match(m.text, /bortse från/);
    const email = toEmail(m, 'anna@example.se');
    assert.equal(email.language, 'sv');
    assert.equal(email.html, m.html);
  });

  test("codes must be digits; names can't inject lines or markup", () => {
    assert.throws(() => renderVerificationCode({ language: 'sv', code: '12<b>', validMinutes: 10, organisationName: 'x' }), /digits/);
    assert.throws(() => renderVerificationCode({ language: 'sv', code: '123456', validMinutes: 0, organisationName: 'x' }), /positive/);
    const m = renderVerificationCode({
      language: 'en',
      code: '123456',
      validMinutes: 5,
      organisationName: 'A <script>alert(1)</script>\nB',
    });
    assert.doesNotMatch(m.html, /<script>/);
    assert.match(m.html, /A &lt;script&gt;alert\(1\)&lt;\/script&gt; B/);
    assert.match(m.text, /A <script>alert\(1\)<\/script> B\n$/, 'plain text is not escaped but stays on one line');
  });
});

describe('notifications', () => {
  test('security info changed, Swedish and English, with helpdesk and link', () => {
    const sv = renderSecurityInfoChanged({ ...org, language: 'sv', change: 'added', method: 'mobile_phone' });
    assert.equal(sv.subject, 'En inloggningsmetod har lagts till');
    assert.match(sv.text, /En ny inloggningsmetod \(mobiltelefon\) har lagts till på ditt konto hos Eslövs kommun\./);
    assert.match(sv.text, /Var det inte du\? Kontakta IT-supporten direkt \(0413-620 00\)\./);
    assert.match(sv.text, /https:\/\/nyckel\.eslov\.se\//);
    assert.match(sv.html, /<a href="https:\/\/nyckel\.eslov\.se\/">/);
    const en = renderSecurityInfoChanged({ ...org, language: 'en', change: 'removed', method: 'passkey' });
    assert.match(en.sms, /^A sign-in method \(passkey\) was removed from your Eslövs kommun account\. Wasn't you\? Contact the helpdesk/);
    const added = renderSecurityInfoChanged({ ...org, language: 'en', change: 'added', method: 'authenticator_app', helpdesk: undefined });
    assert.match(added.text, /A new sign-in method \(authenticator app\) was added to your Eslövs kommun account\./);
    assert.match(added.text, /Contact the helpdesk at once\./);
  });

  test('password changed, Swedish and English', () => {
    const sv = renderPasswordChanged({ ...org, language: 'sv' });
    assert.equal(sv.subject, 'Ditt lösenord har ändrats');
    assert.match(sv.sms, /^Lösenordet till ditt konto hos Eslövs kommun har ändrats\. Var det inte du\?/);
    const en = renderPasswordChanged({ ...org, language: 'en' });
    assert.equal(en.subject, 'Your password was changed');
    assert.match(en.html, /<html lang="en">/);
  });

  test('links must be http(s)', () => {
    assert.throws(() => renderPasswordChanged({ ...org, language: 'sv', link: 'javascript:alert(1)' }), /http/);
  });

  test('no HTML body loads anything remote', () => {
    const all = [
      renderVerificationCode({ language: 'sv', code: '123456', validMinutes: 10, organisationName: 'Eslövs kommun' }),
      renderSecurityInfoChanged({ ...org, language: 'sv', change: 'added', method: 'email' }),
      renderPasswordChanged({ ...org, language: 'en' }),
    ];
    for (const m of all) {
      assert.doesNotMatch(m.html, /<img|<link|<script|src=|url\(/i);
      assert.match(m.html, /^<!DOCTYPE html>/);
    }
  });

  test('escapeHtml', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
