// The Messenger port: send an SMS or an e-mail. Adapters: outbox (a file, for trials and
// tests), SMTP (email/smtp-email.ts) and HTTP SMS gateways (sms/: 46elks, Twilio, a webhook).
// A message that could not be sent is a NyckelError with code 'message_not_sent', so a page
// can say "we couldn't send the SMS — try another method" and the log gets the reason.

import { isNyckelError, NyckelError } from '../domain/errors.ts';

export interface SmsMessage {
  channel: 'sms';
  /** E.164 */
  to: string;
  text: string;
}

export interface EmailMessage {
  channel: 'email';
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** BCP 47 language of the message (sv, en), sent as Content-Language. */
  language?: string;
}

export type OutgoingMessage = SmsMessage | EmailMessage;

export interface Messenger {
  /** Sends the message, or throws NyckelError 'message_not_sent' (see MessageNotSentDetail). */
  send(message: OutgoingMessage): Promise<void>;
}

/** Why a message was not sent: decides whether a retry can help and what the log says. */
export type MessageFailureReason =
  /** No connection (refused, DNS, reset). */
  | 'unreachable'
  | 'timeout'
  /** The gateway refused our credentials (401/403, SMTP 535). */
  | 'unauthorized'
  /** The gateway refused this message (4xx: invalid number, blocked destination). */
  | 'rejected'
  | 'rate_limited'
  | 'server_error'
  /** TLS could not be set up or the certificate was not trusted. */
  | 'tls'
  /** The gateway answered something its documentation doesn't describe. */
  | 'invalid_response';

/** The `detail` of a 'message_not_sent' error: safe to log (no number beyond its last 2 digits, no text). */
export interface MessageNotSentDetail {
  channel: OutgoingMessage['channel'];
  provider: string;
  reason: MessageFailureReason;
  /** HTTP status, or SMTP reply code, when there was one. */
  status?: number;
  /** The provider's own error code (Twilio 21211), when it gave one. */
  providerCode?: string;
  attempts: number;
}

export function messageNotSent(detail: MessageNotSentDetail, message: string, cause?: unknown): NyckelError {
  return new NyckelError('message_not_sent', message, { cause, detail: { ...detail } });
}

export type SendOutcome = { sent: true } | { sent: false; error: NyckelError & { code: 'message_not_sent' } };

/**
 * Sends and answers with a value instead of throwing when the gateway failed, so a flow can
 * offer another method. Any other error (a bug, a bad argument) is still thrown.
 */
export async function trySend(messenger: Messenger, message: OutgoingMessage): Promise<SendOutcome> {
  try {
    await messenger.send(message);
    return { sent: true };
  } catch (error) {
    if (isNyckelError(error, 'message_not_sent')) return { sent: false, error: error as NyckelError & { code: 'message_not_sent' } };
    throw error;
  }
}

/** Sends each channel to its own adapter (SMS to a gateway, e-mail to SMTP). */
export class ChannelMessenger implements Messenger {
  readonly sms: Messenger;
  readonly email: Messenger;
  constructor(channels: { sms: Messenger; email: Messenger }) {
    this.sms = channels.sms;
    this.email = channels.email;
  }

  send(message: OutgoingMessage): Promise<void> {
    return message.channel === 'sms' ? this.sms.send(message) : this.email.send(message);
  }
}
