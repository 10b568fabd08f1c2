// E-mail over SMTP with nodemailer: implicit TLS (port 465, `secure`) or STARTTLS, which is
// required by default (`requireTLS`) so a code never crosses the network in clear text; the
// server's certificate is checked (`rejectUnauthorized`, with an internal CA from `caFile`);
// optional AUTH. A failure becomes NyckelError 'message_not_sent' with a reason the log can use.

import nodemailer, { type SendMailOptions } from 'nodemailer';
import { NyckelError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { type MessageFailureReason, type Messenger, messageNotSent, type OutgoingMessage } from '../messenger.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS. */
  secure: boolean;
  /** Refuse to send if the server doesn't offer STARTTLS. Default true. */
  requireTLS?: boolean;
  user?: string | undefined;
  password?: string | undefined;
  /** PEM text of the CA that signed the server's certificate. */
  ca?: string | undefined;
  /** Check the server's certificate. Default true. */
  rejectUnauthorized?: boolean;
  /** Connection, greeting and socket timeouts. Default 15 s. */
  timeoutMs?: number;
  /** The From header, for example "Nyckel <no-reply@kommun.se>". */
  from: string;
  /** The name sent in EHLO; default the host name of the machine. */
  clientName?: string;
}

/** The subset of a nodemailer transport this adapter uses (so tests and other transports can stand in). */
interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<{ messageId: string }>;
  close(): void;
}

const addressPattern = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

export class SmtpEmailSender implements Messenger {
  readonly #transport: MailTransport;
  readonly #from: string;
  readonly #logger: Logger | undefined;

  constructor(settings: SmtpSettings, options: { logger?: Logger | undefined } = {}) {
    if (!settings.host) throw new TypeError('SMTP needs a host');
    if (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535) throw new TypeError('SMTP port must be 1-65535');
    if (!settings.from) throw new TypeError('SMTP needs a From address');
    const timeout = settings.timeoutMs ?? 15_000;
    this.#from = settings.from;
    this.#logger = options.logger;
    this.#transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTLS ?? true,
      ...(settings.user === undefined ? {} : { auth: { user: settings.user, pass: settings.password ?? '' } }),
      ...(settings.clientName === undefined ? {} : { name: settings.clientName }),
      tls: {
        rejectUnauthorized: settings.rejectUnauthorized ?? true,
        // TLS 1.2 is the oldest version still considered safe (BSI TR-02102-2, NIST SP 800-52r2).
        minVersion: 'TLSv1.2',
        ...(settings.ca === undefined ? {} : { ca: settings.ca }),
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    }) as MailTransport;
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (message.channel !== 'email') throw new NyckelError('invalid_input', 'the SMTP transport sends e-mail only');
    if (typeof message.to !== 'string' || message.to.length > 320 || !addressPattern.test(message.to)) {
      throw new NyckelError('invalid_input', 'an e-mail needs one plain address, for example anna@example.se');
    }
    const logFields = { channel: 'email', provider: 'smtp', to: emailForLog(message.to) };
    try {
      const info = await this.#transport.sendMail({
        from: this.#from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        headers: {
          // RFC 3834: an automatic message; auto-responders shouldn't answer it.
          'Auto-Submitted': 'auto-generated',
          ...(message.language === undefined ? {} : { 'Content-Language': message.language }),
        },
        // Message content never makes nodemailer read local files or fetch URLs.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      this.#logger?.info({ ...logFields, messageId: info.messageId }, 'e-mail handed to the SMTP server');
    } catch (error) {
      const failure = classifySmtpError(error);
      this.#logger?.warn(
        { ...logFields, reason: failure.reason, status: failure.status, description: failure.description },
        'e-mail not sent',
      );
      throw messageNotSent(
        {
          channel: 'email',
          provider: 'smtp',
          reason: failure.reason,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          attempts: 1,
        },
        `e-mail not sent through SMTP: ${failure.reason}: ${failure.description}`,
        error,
      );
    }
  }

  close(): void {
    this.#transport.close();
  }
}

const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Maps nodemailer's error codes (EAUTH, ETLS, ECONNECTION, ESOCKET, ETIMEDOUT, EENVELOPE, EMESSAGE) onto a reason. */
export function classifySmtpError(error: unknown): { reason: MessageFailureReason; status?: number; description: string } {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : '';
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const text = typeof e.message === 'string' ? (e.message.split('\n')[0]?.slice(0, 300) ?? '') : 'unknown error';
  const withStatus = (reason: MessageFailureReason) =>
    status === undefined ? { reason, description: text } : { reason, status, description: text };
  const tlsCode = [code, typeof e.cause?.code === 'string' ? e.cause.code : ''].find((c) => certificateCodes.has(c));
  if (tlsCode !== undefined || /certificate/i.test(text)) return { reason: 'tls', description: text };
  if (code === 'EAUTH' || code === 'ENOAUTH') return withStatus('unauthorized');
  if (code === 'ETLS') return withStatus('tls');
  if (code === 'ETIMEDOUT') return { reason: 'timeout', description: text };
  if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS') return withStatus('unreachable');
  if (status !== undefined && status >= 400 && status < 500) return withStatus('server_error');
  if (status !== undefined && status >= 500) return withStatus('rejected');
  return withStatus('invalid_response');
}

/** For logs: the domain and the first letter (`a…@example.se`), not the whole private address. */
export function emailForLog(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '…';
  return `${address.slice(0, 1)}…${address.slice(at)}`;
}
