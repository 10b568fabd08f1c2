// Tests for building the Messenger from configuration: the outbox default, each SMS provider
// and SMTP wired from config keys, and clear errors for what the schema can't check.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { captureLogs } from '../../test/support/capture-logs.ts';
import { startElksServer, startTwilioServer, startWebhookServer } from '../../test/support/sms-provider-servers.ts';
import { startSmtpServer } from '../../test/support/smtp-server.ts';
import { type ConfigInput, configSchema } from '../config/schema.ts';
import { ManualClock } from '../domain/clock.ts';
import { isNyckelError } from '../domain/errors.ts';
import { createMessenger } from './create-messenger.ts';
import { SmtpEmailSender } from './email/smtp-email.ts';
import { OutboxMessenger } from './outbox.ts';
import { HttpSmsGateway } from './sms/sms-gateway.ts';

const clock = new ManualClock('2026-01-01T08:00:00Z');
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'nyckel-messenger-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const messagingFrom = (input: ConfigInput['messaging']) => configSchema.parse({ messaging: input }).messaging;

describe('createMessenger', () => {
  test('by default both channels go to the outbox', async () => {
    const parts = createMessenger(messagingFrom({}), dir, { clock });
    assert.ok(parts.messenger.sms instanceof OutboxMessenger);
    assert.equal(parts.messenger.email, parts.outbox);
    await parts.messenger.send({ channel: 'sms', to: '+46701234567', text: 'Din kod för Nyckel är 123456. Den gäller i 10 minuter.' });
    await parts.messenger.send({ channel: 'email', to: 'anna@example.se', subject: 'Ämne', text: 'Hej' });
    const entries = await parts.outbox.read();
    assert.deepEqual(
      entries.map((e) => e.channel),
      ['email', 'sms'],
    );
    assert.equal(parts.outbox.path, join(dir, 'outbox.jsonl'));
  });

  test('46elks from config keys sends through the gateway', async () => {
    const server = await startElksServer({ username: 'user', password: 'pass' });
    try {
      const parts = createMessenger(
        messagingFrom({
          sms: { provider: '46elks', elks: { username: 'user', password: 'pass', from: 'Eslov', apiUrl: `${server.url}/a1/sms` } },
        }),
        dir,
        { clock },
      );
      assert.ok(parts.messenger.sms instanceof HttpSmsGateway);
      await parts.messenger.send({ channel: 'sms', to: '+46701234567', text: 'Hej' });
      assert.equal(new URLSearchParams(server.requests[0]?.body).get('from'), 'Eslov');
    } finally {
      await server.close();
    }
  });

  test('Twilio and webhook from config keys', async () => {
    const accountSid = `AC${'1'.repeat(32)}`;
    const twilio = await startTwilioServer({ accountSid, authToken: 'token' });
    const secret = 's'.repeat(40);
    const webhook = await startWebhookServer(secret, () => Math.floor(clock.now().getTime() / 1000));
    try {
      const viaTwilio = createMessenger(
        messagingFrom({
          sms: { provider: 'twilio', twilio: { accountSid, authToken: 'token', from: '+46766861004', apiUrl: twilio.url } },
        }),
        dir,
        { clock },
      );
      await viaTwilio.messenger.send({ channel: 'sms', to: '+46701234567', text: 'Hej' });
      assert.equal(twilio.requests.length, 1);
      const { logger, lines } = captureLogs();
      const viaWebhook = createMessenger(
        messagingFrom({ sms: { provider: 'webhook', webhook: { url: `${webhook.url}/sms`, secret, dangerouslyAllowHttp: true } } }),
        dir,
        { clock, logger },
      );
      await viaWebhook.messenger.send({ channel: 'sms', to: '+46701234567', text: 'Hej' });
      assert.equal(webhook.requests.length, 1);
      assert.match(lines.join(''), /dangerouslyAllowHttp/);
    } finally {
      await twilio.close();
      await webhook.close();
    }
  });

  test('SMTP from config keys, trusting the CA in caFile', async () => {
    const server = await startSmtpServer({ users: { u: 'p' } });
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, server.certificate);
      const parts = createMessenger(
        messagingFrom({
          email: {
            transport: 'smtp',
            from: 'no-reply@eslov.se',
            smtp: { host: '127.0.0.1', port: server.port, user: 'u', password: 'p', caFile },
          },
        }),
        dir,
        { clock },
      );
      assert.ok(parts.messenger.email instanceof SmtpEmailSender);
      await parts.messenger.send({ channel: 'email', to: 'anna@example.se', subject: 'Hej', text: 'Hej' });
      parts.close();
      const [mail] = await server.waitForMail(1);
      assert.equal(mail?.secure, true);
    } finally {
      await server.stop();
    }
  });

  test('an unreadable or non-PEM caFile is a clear configuration error', () => {
    const notPem = join(dir, 'not-pem.txt');
    writeFileSync(notPem, 'hello');
    for (const [caFile, pattern] of [
      [join(dir, 'missing.pem'), /cannot read/],
      [notPem, /no PEM certificate/],
    ] as const) {
      assert.throws(
        () =>
          createMessenger(
            messagingFrom({ email: { transport: 'smtp', from: 'no-reply@eslov.se', smtp: { host: 'mail.example.se', caFile } } }),
            dir,
            { clock },
          ),
        (e: unknown) => isNyckelError(e, 'config_invalid') && pattern.test(e.message),
      );
    }
  });

  test('risky SMTP settings are logged at start-up', () => {
    const { logger, lines } = captureLogs();
    const parts = createMessenger(
      messagingFrom({
        email: {
          transport: 'smtp',
          from: 'no-reply@eslov.se',
          smtp: { host: 'mail.example.se', requireTLS: false, rejectUnauthorized: false },
        },
      }),
      dir,
      { clock, logger },
    );
    parts.close();
    const text = lines.join('');
    assert.match(text, /rejectUnauthorized/);
    assert.match(text, /requireTLS/);
  });
});
