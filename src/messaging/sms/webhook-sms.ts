// Generic HTTPS webhook SMS gateway: for an organisation's own SMS relay or a provider that
// Nyckel has no adapter for. The format (documented in the README):
//
//   POST <url>
//   Content-Type: application/json
//   X-Nyckel-Timestamp: 1767254400                      (Unix seconds)
//   X-Nyckel-Signature: sha256=<hex HMAC-SHA256 with the shared secret of "<timestamp>.<body>">
//   {"to": "+46701234567", "text": "Din kod för Nyckel är 123456. Den gäller i 10 minuter."}
//
// Any 2xx is success; a JSON answer with an "id" string gives the message id. 429 and 5xx
// are retried, other 4xx are not. The timestamp is inside the signed text, so a receiver that
// refuses timestamps older than a few minutes can't be fed a captured request again (replay).

import type { Clock } from '../../domain/clock.ts';
import { constantTimeEqual, hmacSha256, randomId } from '../../security/tokens.ts';
import type { SmsMessage } from '../messenger.ts';
import {
  checkGatewayUrl,
  HttpSmsGateway,
  type ProviderAnswer,
  parseJsonObject,
  type SmsGatewayOptions,
  type SmsProvider,
} from './sms-gateway.ts';

export const SIGNATURE_HEADER = 'x-nyckel-signature';
export const TIMESTAMP_HEADER = 'x-nyckel-timestamp';

export interface WebhookSettings {
  url: string;
  /** At least 32 characters. */
  secret: string;
  /** Extra headers, for example the relay's API key. */
  headers?: Record<string, string>;
  /** Allow http:// to another machine (the code would cross the network unencrypted). */
  dangerouslyAllowHttp?: boolean;
}

// Headers the adapter sets itself; a configured header must not replace them.
const reservedHeaders = new Set(['content-type', 'content-length', 'host', SIGNATURE_HEADER, TIMESTAMP_HEADER]);

/** The signature header's value for a body sent at `timestamp` (Unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${hmacSha256(secret, `${timestamp}.${body}`)}`;
}

/**
 * For receivers (and tests): true when the signature matches and the timestamp is within
 * `toleranceSeconds` of `nowSeconds`. Compares in constant time.
 */
export function verifyWebhookSignature(options: {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const { secret, body, signature, timestamp, nowSeconds } = options;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const sentAt = Number(timestamp);
  if (Math.abs(nowSeconds - sentAt) > (options.toleranceSeconds ?? 300)) return false;
  return constantTimeEqual(signature, signWebhookBody(secret, sentAt, body));
}

export class WebhookSmsProvider implements SmsProvider {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #secret: string;
  readonly #headers: Record<string, string>;
  readonly #clock: Clock;

  constructor(settings: WebhookSettings, clock: Clock) {
    if (typeof settings.secret !== 'string' || settings.secret.length < 32)
      throw new TypeError('the webhook secret must be at least 32 characters');
    this.#url = checkGatewayUrl(settings.url, 'messaging.sms.webhook.url', settings.dangerouslyAllowHttp === true).href;
    this.#secret = settings.secret;
    this.#headers = {};
    for (const [name, value] of Object.entries(settings.headers ?? {})) {
      if (reservedHeaders.has(name.toLowerCase())) throw new TypeError(`messaging.sms.webhook.headers may not set ${name}`);
      this.#headers[name.toLowerCase()] = value;
    }
    this.#clock = clock;
  }

  buildRequest(message: SmsMessage) {
    const body = JSON.stringify({ to: message.to, text: message.text });
    const timestamp = Math.floor(this.#clock.now().getTime() / 1000);
    return {
      url: this.#url,
      headers: {
        ...this.#headers,
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhookBody(this.#secret, timestamp, body),
      },
      body,
    };
  }

  readSuccess(_status: number, body: string): ProviderAnswer {
    const json = parseJsonObject(body);
    // The id is optional in this format; without one the log still gets a local reference.
    return { ok: true, messageId: typeof json?.id === 'string' ? json.id.slice(0, 100) : `webhook-${randomId()}` };
  }

  readError(_status: number, body: string): { providerCode?: string; description: string } {
    const json = parseJsonObject(body);
    if (json !== undefined && typeof json.error === 'string') return { description: json.error };
    return { description: body.trim().slice(0, 200) || 'no description' };
  }
}

export function createWebhookGateway(settings: WebhookSettings, clock: Clock, options: SmsGatewayOptions): HttpSmsGateway {
  return new HttpSmsGateway(new WebhookSmsProvider(settings, clock), options);
}
