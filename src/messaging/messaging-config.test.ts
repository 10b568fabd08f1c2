// Tests for the messaging section of the configuration: defaults, the keys each provider
// needs (named in the error), https rules, country codes, and secrets from _FILE variables.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../config/load.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('messaging configuration', () => {
  test('defaults: both channels to the outbox, Sweden only, 10 s timeout, 2 retries, TLS checked', () => {
    const { messaging } = loadConfig({ env: {} }).config;
    assert.equal(messaging.sms.provider, 'outbox');
    assert.equal(messaging.sms.defaultCountry, 'SE');
    assert.deepEqual(messaging.sms.allowedCountries, ['SE']);
    assert.equal(messaging.sms.timeoutMs, 10_000);
    assert.equal(messaging.sms.retries, 2);
    assert.equal(messaging.sms.elks.apiUrl, 'https://api.46elks.com/a1/sms');
    assert.equal(messaging.sms.twilio.apiUrl, 'https://api.twilio.com');
    assert.equal(messaging.email.transport, 'outbox');
    assert.equal(messaging.email.smtp.requireTLS, true);
    assert.equal(messaging.email.smtp.rejectUnauthorized, true);
  });

  test('each provider names the keys it is missing', () => {
    assert.deepEqual(problems({ NYCKEL_MESSAGING__SMS__PROVIDER: '46elks' }), [
      'messaging.sms.elks.username: required when messaging.sms.provider is 46elks',
      'messaging.sms.elks.password: required when messaging.sms.provider is 46elks',
      'messaging.sms.elks.from: required when messaging.sms.provider is 46elks',
    ]);
    assert.deepEqual(problems({ NYCKEL_MESSAGING__SMS__PROVIDER: 'twilio', NYCKEL_MESSAGING__SMS__TWILIO__AUTH_TOKEN: 't' }), [
      'messaging.sms.twilio.accountSid: required when messaging.sms.provider is twilio',
      'messaging.sms.twilio.from: from or messagingServiceSid is required when messaging.sms.provider is twilio',
    ]);
    assert.deepEqual(problems({ NYCKEL_MESSAGING__SMS__PROVIDER: 'webhook' }), [
      'messaging.sms.webhook.url: required when messaging.sms.provider is webhook',
      'messaging.sms.webhook.secret: required when messaging.sms.provider is webhook',
    ]);
    assert.deepEqual(problems({ NYCKEL_MESSAGING__EMAIL__TRANSPORT: 'smtp', NYCKEL_MESSAGING__EMAIL__SMTP__USER: 'u' }), [
      'messaging.email.smtp.host: required when messaging.email.transport is smtp',
      'messaging.email.from: required when messaging.email.transport is smtp',
      'messaging.email.smtp.password: messaging.email.smtp.user and password are given together or not at all',
    ]);
  });

  test('https rules for gateways and the webhook', () => {
    assert.match(problems({ NYCKEL_MESSAGING__SMS__ELKS__API_URL: 'http://api.46elks.com/a1/sms' }).join(), /expected an https:\/\/ URL/);
    assert.deepEqual(problems({ NYCKEL_MESSAGING__SMS__ELKS__API_URL: 'http://127.0.0.1:9999/a1/sms' }), []);
    assert.match(problems({ NYCKEL_MESSAGING__SMS__WEBHOOK__URL: 'http://relay.example.se/sms' }).join(), /dangerouslyAllowHttp/);
    assert.deepEqual(
      problems({
        NYCKEL_MESSAGING__SMS__WEBHOOK__URL: 'http://relay.example.se/sms',
        NYCKEL_MESSAGING__SMS__WEBHOOK__DANGEROUSLY_ALLOW_HTTP: 'true',
      }),
      [],
    );
    assert.match(problems({ NYCKEL_MESSAGING__SMS__WEBHOOK__SECRET: 'short' }).join(), /at least 32 characters/);
  });

  test('country codes are checked, and the default country must be allowed', () => {
    assert.deepEqual(problems({ NYCKEL_MESSAGING__SMS__ALLOWED_COUNTRIES: '[SE, NO, FI]' }), []);
    assert.match(
      problems({ NYCKEL_MESSAGING__SMS__ALLOWED_COUNTRIES: '[SE, XX]' }).join(),
      /allowedCountries\.1: expected an ISO 3166-1 country code/,
    );
    assert.deepEqual(problems({ NYCKEL_MESSAGING__SMS__ALLOWED_COUNTRIES: '[NO]' }), [
      'messaging.sms.defaultCountry: SE must also be in messaging.sms.allowedCountries',
    ]);
    assert.match(problems({ NYCKEL_MESSAGING__SMS__ALLOWED_COUNTRIES: '[]' }).join(), /allowedCountries/);
  });

  test('secrets can come from _FILE variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nyckel-secrets-'));
    try {
      writeFileSync(join(dir, 'elks'), 'elk-pässword\n');
      writeFileSync(join(dir, 'smtp'), 'smtp-secret\n');
      const { messaging } = loadConfig({
        env: {
          NYCKEL_MESSAGING__SMS__PROVIDER: '46elks',
          NYCKEL_MESSAGING__SMS__ELKS__USERNAME: 'u123',
          NYCKEL_MESSAGING__SMS__ELKS__PASSWORD_FILE: join(dir, 'elks'),
          NYCKEL_MESSAGING__SMS__ELKS__FROM: 'Eslov',
          NYCKEL_MESSAGING__EMAIL__TRANSPORT: 'smtp',
          NYCKEL_MESSAGING__EMAIL__FROM: 'Nyckel <no-reply@eslov.se>',
          NYCKEL_MESSAGING__EMAIL__SMTP__HOST: 'mail.eslov.se',
          NYCKEL_MESSAGING__EMAIL__SMTP__USER: 'nyckel',
          NYCKEL_MESSAGING__EMAIL__SMTP__PASSWORD_FILE: join(dir, 'smtp'),
        },
      }).config;
      assert.equal(messaging.sms.elks.password, 'elk-pässword');
      assert.equal(messaging.email.smtp.password, 'smtp-secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
