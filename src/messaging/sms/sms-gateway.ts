// What every HTTP SMS gateway shares: one request per attempt with a timeout
// (AbortSignal.timeout), retries with exponential backoff and jitter only where a retry can
// help (no connection, timeout, 429, 5xx — never another 4xx, which would fail the same way),
// a typed result, and logs that hold only the last two digits of the number and never the text.
// A provider (46elks, Twilio, webhook) only says how to build its request and read its answer.

import { NyckelError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { type MessageFailureReason, type Messenger, messageNotSent, type OutgoingMessage, type SmsMessage } from '../messenger.ts';
import { phoneNumberForLog } from '../phone-number.ts';

export interface SmsGatewayRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How a provider read an answer it got. */
export type ProviderAnswer =
  | { ok: true; messageId: string }
  | { ok: false; reason: MessageFailureReason; providerCode?: string; description: string };

export interface SmsProvider {
  /** For logs and error details: '46elks', 'twilio', 'webhook'. */
  readonly name: string;
  buildRequest(message: SmsMessage): SmsGatewayRequest;
  /** Reads a 2xx answer: the provider's message id, or why it refused after all. */
  readSuccess(status: number, body: string): ProviderAnswer;
  /** Reads an error answer for its code and description (the status alone decides the reason). */
  readError(status: number, body: string): { providerCode?: string; description: string };
}

export interface SmsGatewayOptions {
  /** Each attempt is abandoned after this long. */
  timeoutMs: number;
  /** Extra attempts after a retryable failure. */
  retries: number;
  logger?: Logger | undefined;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Injected in tests so backoff is recorded, not slept on. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected in tests; Math.random otherwise (jitter needs no cryptographic randomness). */
  random?: () => number;
  /** First backoff delay; doubles with each retry. */
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: a person is waiting for the code. */
  maxRetryAfterMs?: number;
}

export interface SmsFailure {
  reason: MessageFailureReason;
  retryable: boolean;
  status?: number;
  providerCode?: string;
  /** The gateway's own words, with digit runs masked (they can hold the number). */
  description: string;
  /** From a 429's Retry-After header. */
  retryAfterMs?: number;
}

export type SmsSendResult = { ok: true; messageId: string; attempts: number } | { ok: false; failure: SmsFailure; attempts: number };

const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_SMS_TEXT = 1600;
const e164Pattern = /^\+[1-9]\d{6,14}$/;

export class HttpSmsGateway implements Messenger {
  readonly provider: SmsProvider;
  readonly #options: Required<Omit<SmsGatewayOptions, 'logger'>> & { logger: Logger | undefined };

  constructor(provider: SmsProvider, options: SmsGatewayOptions) {
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive integer');
    if (!Number.isInteger(options.retries) || options.retries < 0) throw new TypeError('retries must be a non-negative integer');
    this.provider = provider;
    this.#options = {
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      logger: options.logger,
      fetch: options.fetch ?? globalThis.fetch,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      baseDelayMs: options.baseDelayMs ?? 250,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 5000,
    };
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (message.channel !== 'sms') throw new NyckelError('invalid_input', `the ${this.provider.name} gateway sends SMS only`);
    const result = await this.sendSms(message);
    if (!result.ok) {
      const { failure } = result;
      throw messageNotSent(
        {
          channel: 'sms',
          provider: this.provider.name,
          reason: failure.reason,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          ...(failure.providerCode === undefined ? {} : { providerCode: failure.providerCode }),
          attempts: result.attempts,
        },
        `SMS not sent through ${this.provider.name}: ${failure.reason}${failure.status === undefined ? '' : ` (HTTP ${failure.status})`}: ${failure.description}`,
      );
    }
  }

  /** Sends with retries; answers with a value whatever the gateway did. Throws only on a bad message. */
  async sendSms(message: SmsMessage): Promise<SmsSendResult> {
    if (!e164Pattern.test(message.to)) throw new NyckelError('invalid_input', 'an SMS needs an E.164 number, for example +46701234567');
    if (typeof message.text !== 'string' || message.text.length === 0 || message.text.length > MAX_SMS_TEXT) {
      throw new NyckelError('invalid_input', `an SMS text must be 1 to ${MAX_SMS_TEXT} characters`);
    }
    const log = this.#options.logger;
    const logFields = { channel: 'sms', provider: this.provider.name, to: phoneNumberForLog(message.to) };
    const maxAttempts = this.#options.retries + 1;
    let failure: SmsFailure | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const answer = await this.#attempt(message);
      if (answer.ok) {
        log?.info({ ...logFields, attempt, messageId: answer.messageId }, 'SMS handed to the gateway');
        return { ok: true, messageId: answer.messageId, attempts: attempt };
      }
      failure = answer.failure;
      log?.warn(
        {
          ...logFields,
          attempt,
          reason: failure.reason,
          status: failure.status,
          providerCode: failure.providerCode,
          description: failure.description,
        },
        'SMS gateway attempt failed',
      );
      if (!failure.retryable || attempt === maxAttempts) return { ok: false, failure, attempts: attempt };
      const delay = this.#backoff(attempt, failure.retryAfterMs);
      if (delay === null) return { ok: false, failure, attempts: attempt };
      await this.#options.sleep(delay);
    }
    // Unreachable: the loop returns on its last attempt.
    throw new Error('retry loop ended without a result');
  }

  /** Exponential backoff with "equal jitter" (half fixed, half random): spreads retries from many instances. */
  #backoff(attempt: number, retryAfterMs: number | undefined): number | null {
    const exponential = this.#options.baseDelayMs * 2 ** (attempt - 1);
    const jittered = Math.round(exponential / 2 + (exponential / 2) * this.#options.random());
    if (retryAfterMs === undefined) return jittered;
    // The gateway said when; asking sooner only earns another 429.
    if (retryAfterMs > this.#options.maxRetryAfterMs) return null;
    return Math.max(retryAfterMs, jittered);
  }

  async #attempt(message: SmsMessage): Promise<{ ok: true; messageId: string } | { ok: false; failure: SmsFailure }> {
    const request = this.provider.buildRequest(message);
    let response: Response;
    let body: string;
    try {
      response = await this.#options.fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        // A redirect would carry our credentials somewhere the configuration didn't name.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      body = await readBounded(response);
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        return {
          ok: false,
          failure: { reason: 'timeout', retryable: true, description: `no answer within ${this.#options.timeoutMs} ms` },
        };
      }
      return { ok: false, failure: { reason: 'unreachable', retryable: true, description: describeNetworkError(error) } };
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      const answer = this.provider.readSuccess(status, body);
      if (answer.ok) return answer;
      return {
        ok: false,
        failure: {
          reason: answer.reason,
          retryable: false,
          status,
          description: scrubDigits(answer.description),
          ...code(answer.providerCode),
        },
      };
    }
    const { providerCode, description } =
      status >= 300 && status < 400 ? { description: 'unexpected redirect' } : this.provider.readError(status, body);
    const failure: SmsFailure = {
      reason: reasonForStatus(status),
      retryable: isRetryableStatus(status),
      status,
      description: scrubDigits(description),
      ...code(providerCode),
    };
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    }
    return { ok: false, failure };
  }
}

function code(providerCode: string | undefined): { providerCode?: string } {
  return providerCode === undefined ? {} : { providerCode };
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function reasonForStatus(status: number): MessageFailureReason {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'rejected';
  return 'invalid_response';
}

/** Retry-After is seconds or an HTTP date (RFC 9110, section 10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Masks runs of digits (a phone number, a code) in a gateway's error text before it reaches a log. */
export function scrubDigits(text: string): string {
  return text
    .replace(/\+?\d[\d\s-]{4,}\d/g, '[number]')
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .slice(0, 300);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause !== undefined && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : 'network error';
}

/** Reads at most 64 KiB of an answer: a gateway's answers are small, and a huge one is not worth the memory. */
async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_ANSWER_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES));
}

/** HTTP Basic credentials (RFC 7617), UTF-8. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * The request of a provider that takes an application/x-www-form-urlencoded POST with HTTP Basic
 * auth and answers in JSON (46elks, Twilio). `fields` are sent in the order given.
 */
export function formPostRequest(url: string, authorization: string, fields: Record<string, string>): SmsGatewayRequest {
  return {
    url,
    headers: {
      authorization,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      accept: 'application/json',
    },
    // URLSearchParams percent-encodes UTF-8, so å ä ö arrive as %C3%A5 %C3%A4 %C3%B6.
    body: new URLSearchParams(fields).toString(),
  };
}

/** Parses JSON without throwing: a gateway's answer is untrusted input. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A gateway URL must be https, or http to this machine only, unless the operator dangerously allowed http. */
export function checkGatewayUrl(value: string, what: string, allowHttp = false): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NyckelError('config_invalid', `${what} is not a URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && (loopback || allowHttp))) return url;
  throw new NyckelError('config_invalid', `${what} must be an https:// URL`);
}
