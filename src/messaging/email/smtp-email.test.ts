// Tests for the SMTP adapter against a real SMTP server process (smtp-server, STARTTLS with a
// self-signed certificate, AUTH), reading what arrived with mailparser.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captureLogs } from '../../../test/support/capture-logs.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/support/smtp-server.ts';
import { isNyckelError } from '../../domain/errors.ts';
import { renderSecurityInfoChanged, renderVerificationCode, toEmail } from '../message-templates.ts';
import { trySend } from '../messenger.ts';
import { classifySmtpError, emailForLog, SmtpEmailSender, type SmtpSettings } from './smtp-email.ts';

const users = { 'nyckel@kommun.se': 'smtp-lösen-Åäö' };

describe('SMTP with STARTTLS and AUTH', () => {
  let server: TestSmtpServer;
  before(async () => {
    server = await startSmtpServer({ users });
  });
  after(() => server.stop());

  const settings = (extra: Partial<SmtpSettings> = {}): SmtpSettings => ({
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    ca: server.certificate,
    user: 'nyckel@kommun.se',
    password: users['nyckel@kommun.se'],
    from: 'Nyckel – Eslövs kommun <no-reply@eslov.se>',
    timeoutMs: 5000,
    ...extra,
  });

  test('a Swedish code e-mail arrives over TLS with both bodies, UTF-8 subject, and no username', async () => {
    const { logger, lines } = captureLogs();
    const sender = new SmtpEmailSender(settings(), { logger });
    const message = toEmail(
      renderVerificationCode({ language: 'sv', code: '482913', validMinutes: 10, organisationName: 'Eslövs kommun' }),
      'åsa.öberg@example.se',
    );
    await sender.send(message);
    sender.close();
    const [mail] = await server.waitForMail(1);
    assert.ok(mail);
    assert.equal(mail.secure, true, 'STARTTLS was used');
    assert.equal(mail.user, 'nyckel@kommun.se', 'authenticated');
    assert.deepEqual(mail.envelope, { from: 'no-reply@eslov.se', to: ['åsa.öberg@example.se'] });
    const parsed = mail.parsed;
    assert.equal(parsed.subject, 'Din verifieringskod för Nyckel');
    assert.match(mail.raw, /^Subject: =\?UTF-8\?/m, 'the subject is MIME-encoded UTF-8');
    assert.equal(parsed.from?.value[0]?.name, 'Nyckel – Eslövs kommun');
    assert.equal(parsed.headers.get('content-language'), 'sv');
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.match(parsed.text ?? '', /Din kod för Nyckel är 482913\. Den gäller i 10 minuter\./);
    assert.match(String(parsed.html), /<html lang="sv">/);
    assert.match(String(parsed.html), />482913</);
    assert.doesNotMatch(String(parsed.html), /<img|src=/i, 'no remote images');
    // No username (or any part of the address) next to the code.
    for (const body of [parsed.text ?? '', String(parsed.html)]) {
      assert.doesNotMatch(body, /åsa|öberg|asa\.oberg/i);
    }
    const log = lines.join('');
    assert.match(log, /"to":"å…@example\.se"/);
    assert.doesNotMatch(log, /482913|öberg/);
  });

  test('an English notification arrives in English', async () => {
    const sender = new SmtpEmailSender(settings());
    const before = server.received.length;
    const rendered = renderSecurityInfoChanged({
      language: 'en',
      organisationName: 'Eslövs kommun',
      link: 'https://nyckel.eslov.se/',
      change: 'added',
      method: 'passkey',
    });
    await sender.send(toEmail(rendered, 'anna@example.se'));
    sender.close();
    const mail = (await server.waitForMail(before + 1))[before];
    assert.ok(mail);
    assert.equal(mail.parsed.subject, 'A sign-in method was added');
    assert.equal(mail.parsed.headers.get('content-language'), 'en');
    assert.match(mail.parsed.text ?? '', /Wasn't you\? Contact the helpdesk/);
    assert.match(String(mail.parsed.html), /<a href="https:\/\/nyckel\.eslov\.se\/">/);
  });

  test('a wrong password: message_not_sent, reason unauthorized, 535', async () => {
    const sender = new SmtpEmailSender(settings({ password: 'wrong' }));
    const error = await sender.send({ channel: 'email', to: 'anna@example.se', subject: 's', text: 't' }).catch((e: unknown) => e);
    sender.close();
    assert.ok(isNyckelError(error, 'message_not_sent'));
    assert.equal(error.status, 502);
    assert.deepEqual(error.detail, { channel: 'email', provider: 'smtp', reason: 'unauthorized', status: 535, attempts: 1 });
  });

  test('a certificate not signed by a trusted CA is refused (tls)', async () => {
    const sender = new SmtpEmailSender(settings({ ca: undefined }));
    const outcome = await trySend(sender, { channel: 'email', to: 'anna@example.se', subject: 's', text: 't' });
    sender.close();
    assert.equal(outcome.sent, false);
    assert.ok(!outcome.sent);
    assert.equal(outcome.error.detail?.reason, 'tls');
    assert.match(outcome.error.message, /certificate/i);
  });

  test('a bad recipient address is refused before any connection', async () => {
    const sender = new SmtpEmailSender(settings());
    for (const to of ['not an address', 'a@b.se\r\nBcc: x@y.se', 'a@b.se, c@d.se']) {
      await assert.rejects(sender.send({ channel: 'email', to, subject: 's', text: 't' }), (e: unknown) =>
        isNyckelError(e, 'invalid_input'),
      );
    }
    sender.close();
  });
});

/** What sending one message without TLS to 127.0.0.1:`port` throws (undefined if it was sent). */
async function plainSendError(port: number, text = 't'): Promise<unknown> {
  const sender = new SmtpEmailSender({ host: '127.0.0.1', port, secure: false, from: 'no-reply@eslov.se', timeoutMs: 5000 });
  const error = await sender.send({ channel: 'email', to: 'anna@example.se', subject: 's', text }).catch((e: unknown) => e);
  sender.close();
  return error;
}

describe('SMTP servers that fail', () => {
  test('a server without STARTTLS: refused, since requireTLS is the default', async () => {
    const server = await startSmtpServer({ mode: 'no-starttls' });
    try {
      const error = await plainSendError(server.port, 'code');
      assert.ok(isNyckelError(error, 'message_not_sent'));
      assert.equal(error.detail?.reason, 'tls');
      assert.equal(server.received.length, 0, 'nothing was sent in clear text');
    } finally {
      await server.stop();
    }
  });

  test('a server that drops the connection: unreachable, with a clear message', async () => {
    const server = await startSmtpServer({ mode: 'drop' });
    try {
      const error = await plainSendError(server.port);
      assert.ok(isNyckelError(error, 'message_not_sent'));
      assert.equal(error.detail?.reason, 'unreachable');
      assert.match(error.message, /^e-mail not sent through SMTP: unreachable: /);
    } finally {
      await server.stop();
    }
  });

  test('nothing listening: unreachable', async () => {
    const server = await startSmtpServer({ mode: 'drop' });
    const port = server.port;
    await server.stop();
    const error = await plainSendError(port);
    assert.ok(isNyckelError(error, 'message_not_sent'));
    assert.equal(error.detail?.reason, 'unreachable');
  });
});

describe('SMTP pieces', () => {
  test('classifySmtpError maps reply codes', () => {
    assert.equal(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, message: 'mailbox unavailable' }).reason, 'rejected');
    assert.equal(classifySmtpError({ code: 'EENVELOPE', responseCode: 451, message: 'try later' }).reason, 'server_error');
    assert.equal(classifySmtpError({ code: 'ETIMEDOUT', message: 'Greeting never received' }).reason, 'timeout');
    assert.equal(classifySmtpError(new Error('odd')).reason, 'invalid_response');
  });

  test('emailForLog keeps the first letter and the domain', () => {
    assert.equal(emailForLog('anna.berg@example.se'), 'a…@example.se');
    assert.equal(emailForLog('nonsense'), '…');
  });
});
