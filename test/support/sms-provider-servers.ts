// Local stand-ins for the SMS gateways' HTTP APIs (node:http on 127.0.0.1, a free port), used
// only because the real 46elks and Twilio can't be reached from the test machines. Each speaks
// its provider's documented request and answer format, including the error answers, and
// records what it received so tests can check the adapter's requests byte for byte.
// A test can queue scripted answers (429 with Retry-After, 500, a hang) ahead of the default.

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../src/messaging/sms/webhook-sms.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body as received (still form- or JSON-encoded). */
  body: string;
}

export type ScriptedAnswer = { status: number; headers?: Record<string, string>; body: string } | 'hang';

export interface ProviderServer {
  /** Base URL, for example http://127.0.0.1:43123 */
  url: string;
  requests: RecordedRequest[];
  /** Answers given, in order, before the provider's default behaviour resumes. */
  queue(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

type DefaultHandler = (request: RecordedRequest) => { status: number; headers?: Record<string, string>; body: string };

async function startProviderServer(handle: DefaultHandler): Promise<ProviderServer> {
  const requests: RecordedRequest[] = [];
  const scripted: ScriptedAnswer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer = scripted.shift() ?? handle(recorded);
      if (answer === 'hang') return; // never answer: the client's timeout must end it
      write(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue: (...answers) => scripted.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function write(res: ServerResponse, answer: { status: number; headers?: Record<string, string>; body: string }): void {
  res.writeHead(answer.status, answer.headers ?? {});
  res.end(answer.body);
}

function basicCredentials(headers: IncomingHttpHeaders): [string, string] | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(headers.authorization ?? '');
  if (match === null) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

const e164 = /^\+[1-9]\d{6,14}$/;

/**
 * 46elks, https://46elks.com/docs/send-sms:
 *   POST /a1/sms, Basic auth (API username:password), form fields from, to, message.
 *   200 {"status": "created", "direction": "outgoing", "from": "...", "created": "...",
 *        "parts": 1, "to": "+46...", "cost": 3500, "message": "...", "id": "s17a6..."}
 *   Errors: a 4xx with a short plain-text body, for example "Invalid to number".
 */
export function startElksServer(credentials: { username: string; password: string }): Promise<ProviderServer> {
  let next = 0;
  return startProviderServer((request) => {
    const text = (status: number, body: string) => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
    if (request.method !== 'POST' || request.path !== '/a1/sms') return text(404, 'Not found');
    const auth = basicCredentials(request.headers);
    if (auth === null || auth[0] !== credentials.username || auth[1] !== credentials.password) return text(401, 'Authentication failed');
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return text(400, 'Missing key from');
    const form = new URLSearchParams(request.body);
    for (const key of ['from', 'to', 'message']) if (!form.get(key)) return text(400, `Missing key ${key}`);
    if (!e164.test(form.get('to') as string)) return text(400, 'Invalid to number');
    next += 1;
    const body = {
      status: 'created',
      direction: 'outgoing',
      from: form.get('from'),
      created: '2026-01-01T08:00:00.000000',
      parts: 1,
      to: form.get('to'),
      cost: 3500,
      message: form.get('message'),
      id: `s${String(next).padStart(32, '0')}`,
    };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  });
}

/**
 * Twilio, https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource:
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth AccountSid:AuthToken,
 *   form fields To, Body and From or MessagingServiceSid.
 *   201 {"sid": "SM...", "status": "queued", "to": "+46...", "body": "...", ...}
 *   Errors (https://www.twilio.com/docs/usage/twilios-response):
 *   {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
 *   {"code": 21211, "message": "Invalid 'To' Phone Number: +4612XXXX", "more_info": ".../21211", "status": 400}
 */
export function startTwilioServer(credentials: { accountSid: string; authToken: string }): Promise<ProviderServer> {
  let next = 0;
  const error = (status: number, code: number, message: string) => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
  });
  return startProviderServer((request) => {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
    if (request.method !== 'POST' || match === null) return error(404, 20404, 'The requested resource was not found');
    const auth = basicCredentials(request.headers);
    if (auth === null || auth[0] !== credentials.accountSid || auth[1] !== credentials.authToken || match[1] !== credentials.accountSid) {
      return error(401, 20003, 'Authenticate');
    }
    const form = new URLSearchParams(request.body);
    if (!form.get('To')) return error(400, 21604, "A 'To' phone number is required.");
    if (!form.get('From') && !form.get('MessagingServiceSid')) return error(400, 21603, "A 'From' phone number is required.");
    if (!form.get('Body')) return error(400, 21602, 'Message body is required.');
    if (!e164.test(form.get('To') as string)) return error(400, 21211, `Invalid 'To' Phone Number: ${form.get('To')}`);
    next += 1;
    const body = {
      sid: `SM${String(next).padStart(32, '0')}`,
      account_sid: credentials.accountSid,
      to: form.get('To'),
      from: form.get('From'),
      messaging_service_sid: form.get('MessagingServiceSid'),
      body: form.get('Body'),
      status: form.get('MessagingServiceSid') ? 'accepted' : 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      error_code: null,
      error_message: null,
    };
    return { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  });
}

/** A receiver of Nyckel's own webhook format (see src/messaging/sms/webhook-sms.ts); checks the signature like a real receiver should. */
export function startWebhookServer(secret: string, nowSeconds: () => number): Promise<ProviderServer> {
  let next = 0;
  return startProviderServer((request) => {
    const ok = verifyWebhookSignature({
      secret,
      body: request.body,
      signature: request.headers['x-nyckel-signature'] as string | undefined,
      timestamp: request.headers['x-nyckel-timestamp'] as string | undefined,
      nowSeconds: nowSeconds(),
    });
    if (!ok) return { status: 401, headers: { 'content-type': 'application/json' }, body: '{"error":"bad signature"}' };
    next += 1;
    return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `relay-${next}` }) };
  });
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
