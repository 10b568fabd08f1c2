// Twilio SMS gateway (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
// Request: POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP
// Basic auth AccountSid:AuthToken, an application/x-www-form-urlencoded body with `To`
// (E.164), `Body`, and either `From` or `MessagingServiceSid`.
// Answer: 201 with the Message resource as JSON (`sid` "SM…", `status` "queued"/"accepted").
// Errors (https://www.twilio.com/docs/usage/twilios-response): JSON
// {"code": 21211, "message": "...", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}.

import type { SmsMessage } from '../messenger.ts';
import {
  basicAuthorization,
  checkGatewayUrl,
  formPostRequest,
  HttpSmsGateway,
  type ProviderAnswer,
  parseJsonObject,
  type SmsGatewayOptions,
  type SmsProvider,
} from './sms-gateway.ts';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** A Twilio number (E.164) or alphanumeric sender ID; or give messagingServiceSid. */
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  /** Default https://api.twilio.com */
  apiUrl?: string;
}

export const TWILIO_DEFAULT_URL = 'https://api.twilio.com';

export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';
  readonly #url: string;
  readonly #authorization: string;
  readonly #sender: Record<string, string>;

  constructor(settings: TwilioSettings) {
    if (!/^AC[0-9a-fA-F]{32}$/.test(settings.accountSid))
      throw new TypeError('a Twilio Account SID is AC followed by 32 hexadecimal digits');
    if (!settings.authToken) throw new TypeError('Twilio needs an auth token');
    if (!settings.from && !settings.messagingServiceSid) throw new TypeError('Twilio needs from or messagingServiceSid');
    const base = checkGatewayUrl(settings.apiUrl ?? TWILIO_DEFAULT_URL, 'messaging.sms.twilio.apiUrl');
    this.#url = new URL(`/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`, base).href;
    this.#authorization = basicAuthorization(settings.accountSid, settings.authToken);
    // A Messaging Service picks the sender itself; with both given, Twilio uses the service.
    this.#sender = settings.messagingServiceSid ? { MessagingServiceSid: settings.messagingServiceSid } : { From: settings.from as string };
  }

  buildRequest(message: SmsMessage) {
    return formPostRequest(this.#url, this.#authorization, { To: message.to, ...this.#sender, Body: message.text });
  }

  readSuccess(_status: number, body: string): ProviderAnswer {
    const json = parseJsonObject(body);
    if (json === undefined || typeof json.sid !== 'string')
      return { ok: false, reason: 'invalid_response', description: 'the answer has no message sid' };
    if (json.status === 'failed' || json.status === 'undelivered') {
      return {
        ok: false,
        reason: 'rejected',
        providerCode: json.error_code == null ? undefined : String(json.error_code),
        description: `status ${json.status}`,
      };
    }
    return { ok: true, messageId: json.sid };
  }

  readError(_status: number, body: string): { providerCode?: string; description: string } {
    const json = parseJsonObject(body);
    if (json === undefined) return { description: body.trim().slice(0, 200) || 'no description' };
    const description = typeof json.message === 'string' ? json.message : 'no description';
    return json.code == null ? { description } : { providerCode: String(json.code), description };
  }
}

export function createTwilioGateway(settings: TwilioSettings, options: SmsGatewayOptions): HttpSmsGateway {
  return new HttpSmsGateway(new TwilioSmsProvider(settings), options);
}
