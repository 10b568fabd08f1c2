// The Messenger port: send an SMS or an e-mail. Adapters: outbox (a file, for trials and
// tests), and in later issues SMTP and HTTP SMS gateways.

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
}

export type OutgoingMessage = SmsMessage | EmailMessage;

export interface Messenger {
  send(message: OutgoingMessage): Promise<void>;
}
