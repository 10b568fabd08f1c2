// The `messaging` part of the configuration schema (schema.ts): SMS gateways and SMTP, each
// checked as a whole (a gateway's credentials, https unless the relay is on this machine).

import { z } from 'zod';
import { isKnownCountry } from '../messaging/phone-number.ts';

// Messaging: SMS gateways and SMTP. Secrets (passwords, tokens, the webhook secret) are best
// given as NYCKEL_…_FILE variables, so they stay out of the file and the process list.
const countryCode = z.string().refine(isKnownCountry, 'expected an ISO 3166-1 country code in capitals, for example SE');

const isLoopbackUrl = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** A gateway URL: https, or plain http only to this machine (a local relay), because credentials travel in it. */
const gatewayUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/ })
    .default(fallback)
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || isLoopbackUrl(url);
    }, 'expected an https:// URL (plain http is allowed only to 127.0.0.1 or localhost)');

const optionalSecret = z.string().min(1).max(1024).optional();

export const smsConfigSchema = z
  .strictObject({
    /** Where SMS go: the outbox file (trials), 46elks, Twilio, or your own HTTPS webhook. */
    provider: z.enum(['outbox', '46elks', 'twilio', 'webhook']).default('outbox'),
    /** The country assumed for numbers typed without a country code (the form's preselected country). */
    defaultCountry: countryCode.default('SE'),
    /** Only numbers from these countries are accepted (SMS pumping goes to expensive foreign ranges). */
    allowedCountries: z.array(countryCode).min(1).max(250).default(['SE']),
    /** Each request to the gateway is abandoned after this long. */
    timeoutMs: z.number().int().min(500).max(60_000).default(10_000),
    /** Extra attempts after a network error, 429 or 5xx (never after another 4xx). */
    retries: z.number().int().min(0).max(5).default(2),
    elks: z
      .strictObject({
        username: optionalSecret,
        password: optionalSecret,
        /** A text sender ID (letters and digits, at most 11, starting with a letter) or an E.164 number. */
        from: z
          .string()
          .regex(
            /^([A-Za-z][A-Za-z0-9]{0,10}|\+[1-9]\d{6,14})$/,
            'expected a sender ID of at most 11 letters and digits, or a number like +46766861004',
          )
          .optional(),
        apiUrl: gatewayUrl('https://api.46elks.com/a1/sms'),
      })
      .prefault({}),
    twilio: z
      .strictObject({
        accountSid: z
          .string()
          .regex(/^AC[0-9a-fA-F]{32}$/, 'expected an Account SID: AC followed by 32 hexadecimal digits')
          .optional(),
        authToken: optionalSecret,
        /** A Twilio number in E.164 or an alphanumeric sender ID; or give messagingServiceSid instead. */
        from: z.string().min(1).max(32).optional(),
        messagingServiceSid: z
          .string()
          .regex(/^MG[0-9a-fA-F]{32}$/, 'expected a Messaging Service SID: MG followed by 32 hexadecimal digits')
          .optional(),
        apiUrl: gatewayUrl('https://api.twilio.com'),
      })
      .prefault({}),
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }).optional(),
        /** Key for the X-Nyckel-Signature HMAC-SHA256 header; at least 32 characters so it can't be guessed. */
        secret: z.string().min(32, 'the webhook secret must be at least 32 characters').max(1024).optional(),
        /** Extra request headers, for example an API key of your gateway. */
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name'), z.string().max(4096)).default({}),
        /** Allow a plain http:// URL: the code and number would cross the network unencrypted. */
        dangerouslyAllowHttp: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((sms, ctx) => {
    const missing = (path: string[], why: string) => ctx.addIssue({ code: 'custom', path, message: why });
    if (!sms.allowedCountries.includes(sms.defaultCountry)) {
      missing(['defaultCountry'], `${sms.defaultCountry} must also be in messaging.sms.allowedCountries`);
    }
    if (sms.provider === '46elks') {
      for (const key of ['username', 'password', 'from'] as const) {
        if (sms.elks[key] === undefined) missing(['elks', key], 'required when messaging.sms.provider is 46elks');
      }
    }
    if (sms.provider === 'twilio') {
      for (const key of ['accountSid', 'authToken'] as const) {
        if (sms.twilio[key] === undefined) missing(['twilio', key], 'required when messaging.sms.provider is twilio');
      }
      if (sms.twilio.from === undefined && sms.twilio.messagingServiceSid === undefined) {
        missing(['twilio', 'from'], 'from or messagingServiceSid is required when messaging.sms.provider is twilio');
      }
    }
    if (sms.provider === 'webhook') {
      if (sms.webhook.url === undefined) missing(['webhook', 'url'], 'required when messaging.sms.provider is webhook');
      if (sms.webhook.secret === undefined) missing(['webhook', 'secret'], 'required when messaging.sms.provider is webhook');
    }
    if (sms.webhook.url !== undefined && new URL(sms.webhook.url).protocol !== 'https:' && !sms.webhook.dangerouslyAllowHttp) {
      missing(['webhook', 'url'], 'expected an https:// URL (set messaging.sms.webhook.dangerouslyAllowHttp to allow http)');
    }
  });

export const emailConfigSchema = z
  .strictObject({
    /** Where e-mail goes: the outbox file (trials) or an SMTP server. */
    transport: z.enum(['outbox', 'smtp']).default('outbox'),
    /** The From header, for example "Nyckel <no-reply@kommun.se>". */
    from: z.string().min(3).max(320).optional(),
    smtp: z
      .strictObject({
        host: z.string().min(1).max(253).optional(),
        port: z.number().int().min(1).max(65535).default(587),
        /** TLS from the first byte (usually port 465). When false, STARTTLS is used. */
        secure: z.boolean().default(false),
        /** Refuse to send unless STARTTLS succeeds, so codes never cross the network in clear text. */
        requireTLS: z.boolean().default(true),
        user: z.string().min(1).max(320).optional(),
        password: optionalSecret,
        /** A PEM file with the CA that signed the server's certificate (an internal CA). */
        caFile: z.string().min(1).optional(),
        /** Check the server's certificate. Turning this off lets anyone on the path read the mail. */
        rejectUnauthorized: z.boolean().default(true),
        timeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((email, ctx) => {
    if (email.transport !== 'smtp') return;
    const missing = (path: string[], why: string) => ctx.addIssue({ code: 'custom', path, message: why });
    if (email.smtp.host === undefined) missing(['smtp', 'host'], 'required when messaging.email.transport is smtp');
    if (email.from === undefined) missing(['from'], 'required when messaging.email.transport is smtp');
    if ((email.smtp.user === undefined) !== (email.smtp.password === undefined)) {
      missing(
        ['smtp', email.smtp.user === undefined ? 'user' : 'password'],
        'messaging.email.smtp.user and password are given together or not at all',
      );
    }
  });
