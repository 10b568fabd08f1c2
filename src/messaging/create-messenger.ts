// Builds the Messenger from the configuration: SMS through the outbox (default), 46elks,
// Twilio or a webhook; e-mail through the outbox (default) or SMTP. Risky choices (an
// unchecked certificate, SMTP without TLS, a webhook over http) are logged at start-up.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../domain/clock.ts';
import { NyckelError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import { SmtpEmailSender } from './email/smtp-email.ts';
import { ChannelMessenger, type Messenger } from './messenger.ts';
import { OutboxMessenger } from './outbox.ts';
import { createElksGateway } from './sms/elks-sms.ts';
import type { SmsGatewayOptions } from './sms/sms-gateway.ts';
import { createTwilioGateway } from './sms/twilio-sms.ts';
import { createWebhookGateway } from './sms/webhook-sms.ts';

export interface MessengerParts {
  /** Routes each message to its channel's adapter. */
  messenger: ChannelMessenger;
  /** The outbox, always there (the demo page reads it even when real gateways are configured). */
  outbox: OutboxMessenger;
  /** Closes pooled connections (SMTP). */
  close(): void;
}

export interface CreateMessengerOptions {
  clock: Clock;
  logger?: Logger | undefined;
  /** Injected in tests. */
  fetch?: typeof fetch;
}

type MessagingConfig = Config['messaging'];

export function createMessenger(messaging: MessagingConfig, dataDir: string, options: CreateMessengerOptions): MessengerParts {
  const outbox = new OutboxMessenger(resolve(dataDir, messaging.outbox.path), options.clock);
  const sms = createSmsSender(messaging.sms, outbox, options);
  const smtp = messaging.email.transport === 'smtp' ? createSmtpSender(messaging.email, options.logger) : undefined;
  return {
    messenger: new ChannelMessenger({ sms, email: smtp ?? outbox }),
    outbox,
    close: () => smtp?.close(),
  };
}

function createSmsSender(sms: MessagingConfig['sms'], outbox: OutboxMessenger, options: CreateMessengerOptions): Messenger {
  const gatewayOptions: SmsGatewayOptions = {
    timeoutMs: sms.timeoutMs,
    retries: sms.retries,
    logger: options.logger,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
  // The schema's refinements guarantee the keys below for the chosen provider; `required` says so if not.
  switch (sms.provider) {
    case 'outbox':
      return outbox;
    case '46elks':
      return createElksGateway(
        {
          username: required(sms.elks.username, 'messaging.sms.elks.username'),
          password: required(sms.elks.password, 'messaging.sms.elks.password'),
          from: required(sms.elks.from, 'messaging.sms.elks.from'),
          apiUrl: sms.elks.apiUrl,
        },
        gatewayOptions,
      );
    case 'twilio':
      return createTwilioGateway(
        {
          accountSid: required(sms.twilio.accountSid, 'messaging.sms.twilio.accountSid'),
          authToken: required(sms.twilio.authToken, 'messaging.sms.twilio.authToken'),
          from: sms.twilio.from,
          messagingServiceSid: sms.twilio.messagingServiceSid,
          apiUrl: sms.twilio.apiUrl,
        },
        gatewayOptions,
      );
    case 'webhook':
      if (sms.webhook.dangerouslyAllowHttp) {
        options.logger?.warn(
          { setting: 'messaging.sms.webhook.dangerouslyAllowHttp' },
          'SMS webhook may use plain http: codes can be read on the network',
        );
      }
      return createWebhookGateway(
        {
          url: required(sms.webhook.url, 'messaging.sms.webhook.url'),
          secret: required(sms.webhook.secret, 'messaging.sms.webhook.secret'),
          headers: sms.webhook.headers,
          dangerouslyAllowHttp: sms.webhook.dangerouslyAllowHttp,
        },
        options.clock,
        gatewayOptions,
      );
  }
}

function createSmtpSender(email: MessagingConfig['email'], logger: Logger | undefined): SmtpEmailSender {
  const smtp = email.smtp;
  if (!smtp.rejectUnauthorized) {
    logger?.warn(
      { setting: 'messaging.email.smtp.rejectUnauthorized' },
      'SMTP server certificate is not checked: anyone on the path can read the mail',
    );
  }
  if (!smtp.secure && !smtp.requireTLS) {
    logger?.warn({ setting: 'messaging.email.smtp.requireTLS' }, 'SMTP may fall back to clear text: codes can be read on the network');
  }
  let ca: string | undefined;
  if (smtp.caFile !== undefined) {
    try {
      ca = readFileSync(smtp.caFile, 'utf8');
    } catch (error) {
      throw new NyckelError('config_invalid', `messaging.email.smtp.caFile: cannot read ${smtp.caFile}`, { cause: error });
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new NyckelError('config_invalid', `messaging.email.smtp.caFile: ${smtp.caFile} holds no PEM certificate`);
    }
  }
  return new SmtpEmailSender(
    {
      host: required(smtp.host, 'messaging.email.smtp.host'),
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTLS,
      user: smtp.user,
      password: smtp.password,
      ca,
      rejectUnauthorized: smtp.rejectUnauthorized,
      timeoutMs: smtp.timeoutMs,
      from: required(email.from, 'messaging.email.from'),
    },
    { logger },
  );
}

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new NyckelError('config_invalid', `${key} is required for the chosen messaging provider`);
  return value;
}
