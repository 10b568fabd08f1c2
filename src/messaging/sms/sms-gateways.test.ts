// Tests for the HTTP SMS gateways (46elks, Twilio, webhook) against local servers that speak
// each provider's documented format (test/support/sms-provider-servers.ts): what the adapter
// sends (auth, fields, UTF-8 encoding), what it makes of each answer, retries and timeouts,
// and that logs never hold the full number or the text.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captureLogs } from '../../../test/support/capture-logs.ts';
import {
  type ProviderServer,
  refusedUrl,
  startElksServer,
  startTwilioServer,
  startWebhookServer,
} from '../../../test/support/sms-provider-servers.ts';
import { ManualClock } from '../../domain/clock.ts';
import { isNyckelError } from '../../domain/errors.ts';
import { trySend } from '../messenger.ts';
import { createElksGateway } from './elks-sms.ts';
import { HttpSmsGateway, parseRetryAfter, type SmsGatewayOptions, scrubDigits } from './sms-gateway.ts';
import { createTwilioGateway } from './twilio-sms.ts';
import { createWebhookGateway, signWebhookBody, verifyWebhookSignature } from './webhook-sms.ts';

const TEXT = 'Din kod för Nyckel är 123456. Den gäller i 10 minuter. Åäö';
const TO = '+46701234567';

/** Options with backoff recorded instead of slept, and fixed jitter. */
function testOptions(extra: Partial<SmsGatewayOptions> = {}) {
  const sleeps: number[] = [];
  const { logger, lines } = captureLogs();
  const options: SmsGatewayOptions = {
    timeoutMs: 2000,
    retries: 2,
    logger,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  };
  return { options, sleeps, lines };
}

function assertLogsClean(lines: string[]): void {
  const all = lines.join('');
  assert.ok(lines.length > 0, 'something was logged');
  assert.doesNotMatch(all, /701234567|0701/, 'no full phone number in logs');
  assert.doesNotMatch(all, /123456/, 'no code in logs');
  assert.match(all, /…67/, 'the last two digits identify the number');
}

describe('46elks', () => {
  const credentials = { username: 'u0123456789abcdef', password: 'pässwörd-Åke' };
  let server: ProviderServer;
  before(async () => {
    server = await startElksServer(credentials);
  });
  after(() => server.close());

  const gateway = (extra: Partial<SmsGatewayOptions> = {}, password = credentials.password) => {
    const t = testOptions(extra);
    return { ...t, gateway: createElksGateway({ ...credentials, password, from: 'Nyckel', apiUrl: `${server.url}/a1/sms` }, t.options) };
  };

  test('sends the documented form with Basic auth; å ä ö arrive as UTF-8', async () => {
    const { gateway: elks, lines } = gateway();
    const before = server.requests.length;
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.equal(result.ok, true);
    assert.ok(result.ok && /^s\d{32}$/.test(result.messageId) && result.attempts === 1);
    const request = server.requests[before];
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/a1/sms');
    assert.equal(
      request.headers.authorization,
      `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`,
    );
    assert.match(String(request.headers['content-type']), /^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(request.body);
    assert.deepEqual([...form.keys()].sort(), ['from', 'message', 'to']);
    assert.equal(form.get('from'), 'Nyckel');
    assert.equal(form.get('to'), TO);
    assert.equal(form.get('message'), TEXT);
    assert.match(request.body, /f%C3%B6r/, 'ö percent-encoded as UTF-8');
    assert.match(request.body, /%C3%85%C3%A4%C3%B6/, 'Å ä ö percent-encoded as UTF-8');
    assert.match(request.body, /to=%2B46701234567/, 'the + of E.164 is encoded, not sent as a space');
    assertLogsClean(lines);
  });

  test('bad credentials: 401, not retried, message_not_sent with reason unauthorized', async () => {
    const { gateway: elks, sleeps } = gateway({}, 'wrong');
    const before = server.requests.length;
    const error = await elks.send({ channel: 'sms', to: TO, text: TEXT }).then(
      () => assert.fail('should not be sent'),
      (e: unknown) => e,
    );
    assert.ok(isNyckelError(error, 'message_not_sent'));
    assert.equal(error.status, 502);
    assert.deepEqual(error.detail, { channel: 'sms', provider: '46elks', reason: 'unauthorized', status: 401, attempts: 1 });
    assert.match(error.message, /Authentication failed/);
    assert.equal(server.requests.length - before, 1, 'a 4xx is not retried');
    assert.deepEqual(sleeps, []);
  });

  test('invalid number: the plain-text 400 is read, not retried', async () => {
    const { gateway: elks } = gateway();
    server.queue({ status: 400, headers: { 'content-type': 'text/plain' }, body: 'Invalid to number' });
    const before = server.requests.length;
    const result = await elks.sendSms({ channel: 'sms', to: '+46123', text: TEXT }).catch((e: unknown) => e);
    // +46123 is not E.164 enough to leave the building: refused before any request.
    assert.ok(isNyckelError(result, 'invalid_input'));
    assert.equal(server.requests.length, before);
    const refused = await elks.sendSms({ channel: 'sms', to: '+46701234567', text: TEXT });
    assert.deepEqual(refused, {
      ok: false,
      attempts: 1,
      failure: { reason: 'rejected', retryable: false, status: 400, description: 'Invalid to number' },
    });
  });

  test('429 with Retry-After: waits as told, then succeeds', async () => {
    const { gateway: elks, sleeps } = gateway();
    server.queue({ status: 429, headers: { 'retry-after': '2', 'content-type': 'text/plain' }, body: 'Too many requests' });
    const before = server.requests.length;
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.equal(result.ok, true);
    assert.equal(result.attempts, 2);
    assert.equal(server.requests.length - before, 2);
    assert.deepEqual(sleeps, [2000], 'Retry-After 2 s is longer than the first backoff');
  });

  test('429 asking for longer than a person waits: given up at once', async () => {
    const { gateway: elks, sleeps } = gateway();
    server.queue({ status: 429, headers: { 'retry-after': '120' }, body: 'Too many requests' });
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.failure.reason === 'rate_limited' && result.failure.retryAfterMs === 120_000);
    assert.deepEqual(sleeps, []);
  });

  test('500 three times: retried with growing backoff, then a clear failure', async () => {
    const { gateway: elks, sleeps, lines } = gateway();
    server.queue(
      { status: 500, body: 'Internal error' },
      { status: 502, body: 'Bad gateway' },
      { status: 503, body: 'Service unavailable for +46701234567' },
    );
    const before = server.requests.length;
    const outcome = await trySend(elks, { channel: 'sms', to: TO, text: TEXT });
    assert.equal(outcome.sent, false);
    assert.ok(!outcome.sent);
    assert.deepEqual(outcome.error.detail, { channel: 'sms', provider: '46elks', reason: 'server_error', status: 503, attempts: 3 });
    assert.doesNotMatch(outcome.error.message, /701234567/, 'a number in the gateway text is masked');
    assert.equal(server.requests.length - before, 3);
    // Equal jitter with random() = 0.5: 3/4 of 250 ms, then of 500 ms.
    assert.deepEqual(sleeps, [188, 375]);
    assertLogsClean(lines);
  });

  test('a 500 then success: the message goes through on the second attempt', async () => {
    const { gateway: elks } = gateway();
    server.queue({ status: 500, body: 'Internal error' });
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.ok(result.ok && result.attempts === 2);
  });

  test('a gateway that hangs: each attempt ends at the timeout', async () => {
    const { gateway: elks } = gateway({ timeoutMs: 150, retries: 1 });
    server.queue('hang', 'hang');
    const started = performance.now();
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    const elapsed = performance.now() - started;
    assert.deepEqual(result, {
      ok: false,
      attempts: 2,
      failure: { reason: 'timeout', retryable: true, description: 'no answer within 150 ms' },
    });
    assert.ok(elapsed >= 290 && elapsed < 2000, `two timeouts of 150 ms took ${elapsed} ms`);
  });

  test('a 200 that is not the documented JSON is an invalid response, not retried (it may have been sent)', async () => {
    const { gateway: elks } = gateway();
    server.queue({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>captive portal</html>' });
    const before = server.requests.length;
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.ok(!result.ok && result.failure.reason === 'invalid_response' && !result.failure.retryable);
    assert.equal(server.requests.length - before, 1);
  });

  test('a redirect is not followed (credentials stay with the configured host)', async () => {
    const { gateway: elks } = gateway();
    server.queue({ status: 302, headers: { location: 'http://127.0.0.1:1/steal' }, body: '' });
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.ok(!result.ok && result.failure.reason === 'invalid_response' && result.failure.status === 302);
  });
});

describe('connection refused', () => {
  test('is retried, then reported as unreachable', async () => {
    const { options, sleeps } = testOptions();
    const elks = createElksGateway({ username: 'u', password: 'p', from: 'Nyckel', apiUrl: `${await refusedUrl()}/a1/sms` }, options);
    const result = await elks.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.deepEqual(result, { ok: false, attempts: 3, failure: { reason: 'unreachable', retryable: true, description: 'ECONNREFUSED' } });
    assert.equal(sleeps.length, 2);
  });
});

describe('Twilio', () => {
  const credentials = { accountSid: `AC${'0a1b2c3d'.repeat(4)}`, authToken: 'f'.repeat(32) };
  let server: ProviderServer;
  before(async () => {
    server = await startTwilioServer(credentials);
  });
  after(() => server.close());

  const gateway = (sender: { from?: string; messagingServiceSid?: string }, token = credentials.authToken) => {
    const t = testOptions();
    return { ...t, gateway: createTwilioGateway({ ...credentials, authToken: token, ...sender, apiUrl: server.url }, t.options) };
  };

  test('sends To, From and Body to the account Messages.json with Basic auth', async () => {
    const { gateway: twilio, lines } = gateway({ from: '+46766861004' });
    const before = server.requests.length;
    const result = await twilio.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.ok(result.ok && /^SM\d{32}$/.test(result.messageId));
    const request = server.requests[before];
    assert.ok(request);
    assert.equal(request.path, `/2010-04-01/Accounts/${credentials.accountSid}/Messages.json`);
    assert.equal(
      request.headers.authorization,
      `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`,
    );
    const form = new URLSearchParams(request.body);
    assert.deepEqual([...form.keys()].sort(), ['Body', 'From', 'To']);
    assert.equal(form.get('To'), TO);
    assert.equal(form.get('From'), '+46766861004');
    assert.equal(form.get('Body'), TEXT);
    assert.match(request.body, /%C3%A4r/, 'ä percent-encoded as UTF-8');
    assertLogsClean(lines);
  });

  test('a Messaging Service SID replaces From', async () => {
    const sid = `MG${'9'.repeat(32)}`;
    const { gateway: twilio } = gateway({ messagingServiceSid: sid });
    const before = server.requests.length;
    assert.equal((await twilio.sendSms({ channel: 'sms', to: TO, text: TEXT })).ok, true);
    const form = new URLSearchParams(server.requests[before]?.body);
    assert.equal(form.get('MessagingServiceSid'), sid);
    assert.equal(form.has('From'), false);
  });

  test('bad credentials: the JSON error 20003 is read, not retried', async () => {
    const { gateway: twilio } = gateway({ from: '+46766861004' }, 'wrong-token');
    const result = await twilio.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.deepEqual(result, {
      ok: false,
      attempts: 1,
      failure: { reason: 'unauthorized', retryable: false, status: 401, providerCode: '20003', description: 'Authenticate' },
    });
  });

  test("invalid To: error 21211, the number in Twilio's message masked", async () => {
    const { gateway: twilio } = gateway({ from: '+46766861004' });
    server.queue({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code: 21211,
        message: "Invalid 'To' Phone Number: +46701234567",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      }),
    });
    const error = await twilio.send({ channel: 'sms', to: TO, text: TEXT }).catch((e: unknown) => e);
    assert.ok(isNyckelError(error, 'message_not_sent'));
    assert.deepEqual(error.detail, {
      channel: 'sms',
      provider: 'twilio',
      reason: 'rejected',
      status: 400,
      providerCode: '21211',
      attempts: 1,
    });
    assert.match(error.message, /Invalid 'To' Phone Number: \[number\]/);
  });

  test('429 (20429) with Retry-After, then 201', async () => {
    const { gateway: twilio, sleeps } = gateway({ from: '+46766861004' });
    server.queue({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({
        code: 20429,
        message: 'Too Many Requests',
        more_info: 'https://www.twilio.com/docs/errors/20429',
        status: 429,
      }),
    });
    const result = await twilio.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.ok(result.ok && result.attempts === 2);
    assert.deepEqual(sleeps, [1000]);
  });

  test('a 201 whose status is failed is a rejection', async () => {
    const { gateway: twilio } = gateway({ from: '+46766861004' });
    server.queue({
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sid: 'SM1', status: 'failed', error_code: 30003 }),
    });
    const result = await twilio.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.ok(!result.ok && result.failure.reason === 'rejected' && result.failure.providerCode === '30003');
  });

  test('settings are checked when the gateway is built', () => {
    assert.throws(
      () => createTwilioGateway({ accountSid: 'AC123', authToken: 't', from: '+46766861004' }, testOptions().options),
      /Account SID/,
    );
    assert.throws(() => createTwilioGateway({ ...credentials }, testOptions().options), /from or messagingServiceSid/);
    assert.throws(
      () => createTwilioGateway({ ...credentials, from: '+46766861004', apiUrl: 'http://api.example.com' }, testOptions().options),
      /must be an https:\/\/ URL/,
    );
  });
});

describe('webhook', () => {
  const secret = 'a-shared-secret-of-at-least-32-characters';
  const clock = new ManualClock('2026-01-01T08:00:00Z');
  let server: ProviderServer;
  before(async () => {
    server = await startWebhookServer(secret, () => Math.floor(clock.now().getTime() / 1000));
  });
  after(() => server.close());

  test('posts {to, text} as JSON with a timestamp and a valid HMAC-SHA256 signature', async () => {
    const { options, lines } = testOptions();
    const webhook = createWebhookGateway({ url: `${server.url}/sms`, secret, headers: { 'X-Api-Key': 'relay-key' } }, clock, options);
    const before = server.requests.length;
    const result = await webhook.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.deepEqual(result, { ok: true, messageId: `relay-${before + 1}`, attempts: 1 });
    const request = server.requests[before];
    assert.ok(request);
    assert.deepEqual(JSON.parse(request.body), { to: TO, text: TEXT });
    assert.match(request.body, /för/, 'UTF-8 JSON, not escaped');
    assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(request.headers['x-nyckel-timestamp'], '1767254400');
    assert.equal(request.headers['x-api-key'], 'relay-key');
    assert.equal(request.headers['x-nyckel-signature'], signWebhookBody(secret, 1767254400, request.body));
    assert.match(String(request.headers['x-nyckel-signature']), /^sha256=[0-9a-f]{64}$/);
    assertLogsClean(lines);
  });

  test('a wrong secret is refused by the receiver (401), and not retried', async () => {
    const { options } = testOptions();
    const webhook = createWebhookGateway({ url: server.url, secret: 'x'.repeat(32) }, clock, options);
    const before = server.requests.length;
    const result = await webhook.sendSms({ channel: 'sms', to: TO, text: TEXT });
    assert.deepEqual(result, {
      ok: false,
      attempts: 1,
      failure: { reason: 'unauthorized', retryable: false, status: 401, description: 'bad signature' },
    });
    assert.equal(server.requests.length - before, 1);
  });

  test('signature verification: tampering, replay and a wrong key all fail', () => {
    const body = JSON.stringify({ to: TO, text: 'x' });
    const signature = signWebhookBody(secret, 1000, body);
    const base = { secret, body, signature, timestamp: '1000', nowSeconds: 1100 };
    assert.equal(verifyWebhookSignature(base), true);
    assert.equal(verifyWebhookSignature({ ...base, body: body.replace('x', 'y') }), false);
    assert.equal(verifyWebhookSignature({ ...base, timestamp: '1001' }), false);
    assert.equal(verifyWebhookSignature({ ...base, nowSeconds: 1000 + 301 }), false, 'older than 5 minutes: a replay');
    assert.equal(verifyWebhookSignature({ ...base, secret: `${secret}!` }), false);
    assert.equal(verifyWebhookSignature({ ...base, signature: undefined }), false);
  });

  test('http:// is refused unless dangerously allowed; reserved headers and short secrets refused', () => {
    const { options } = testOptions();
    assert.throws(() => createWebhookGateway({ url: 'http://relay.example.se/sms', secret }, clock, options), /https/);
    assert.ok(
      createWebhookGateway({ url: 'http://relay.example.se/sms', secret, dangerouslyAllowHttp: true }, clock, options) instanceof
        HttpSmsGateway,
    );
    assert.throws(
      () => createWebhookGateway({ url: 'https://relay.example.se', secret, headers: { 'X-Nyckel-Signature': 'x' } }, clock, options),
      /may not set/,
    );
    assert.throws(() => createWebhookGateway({ url: 'https://relay.example.se', secret: 'short' }, clock, options), /32 characters/);
  });
});

describe('gateway pieces', () => {
  test('Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-01-01T08:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 08:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  test('scrubDigits masks numbers and codes in gateway text', () => {
    assert.equal(scrubDigits("Invalid 'To' Phone Number: +46 70 123 45 67"), "Invalid 'To' Phone Number: [number]");
    assert.equal(scrubDigits('code 123456 rejected'), 'code [number] rejected');
    assert.equal(scrubDigits('error 400'), 'error 400');
  });

  test('an e-mail handed to an SMS gateway is a programming error, not a send failure', async () => {
    const elks = createElksGateway({ username: 'u', password: 'p', from: 'Nyckel' }, testOptions().options);
    await assert.rejects(elks.send({ channel: 'email', to: 'a@example.se', subject: 's', text: 't' }), (e: unknown) =>
      isNyckelError(e, 'invalid_input'),
    );
  });
});
