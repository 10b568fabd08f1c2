// 46elks SMS gateway (https://46elks.com/docs/send-sms).
// Request: POST https://api.46elks.com/a1/sms, HTTP Basic auth with the API username and
// password, an application/x-www-form-urlencoded body with `from` (a sender ID of at most 11
// letters and digits, or an E.164 number), `to` (E.164) and `message`.
// Answer: 200 with a JSON object holding `id` ("s…") and `status` ("created", later "sent",
// "delivered", "failed"); errors are a 4xx with a short plain-text body ("Invalid to number").

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

export interface ElksSettings {
  username: string;
  password: string;
  from: string;
  /** Default https://api.46elks.com/a1/sms */
  apiUrl?: string;
}

export const ELKS_DEFAULT_URL = 'https://api.46elks.com/a1/sms';

export class ElksSmsProvider implements SmsProvider {
  readonly name = '46elks';
  readonly #url: string;
  readonly #authorization: string;
  readonly #from: string;

  constructor(settings: ElksSettings) {
    if (!settings.username || !settings.password || !settings.from)
      throw new TypeError('46elks needs a username, a password and a sender (from)');
    this.#url = checkGatewayUrl(settings.apiUrl ?? ELKS_DEFAULT_URL, 'messaging.sms.elks.apiUrl').href;
    this.#authorization = basicAuthorization(settings.username, settings.password);
    this.#from = settings.from;
  }

  buildRequest(message: SmsMessage) {
    return formPostRequest(this.#url, this.#authorization, { from: this.#from, to: message.to, message: message.text });
  }

  readSuccess(_status: number, body: string): ProviderAnswer {
    const json = parseJsonObject(body);
    if (json === undefined || typeof json.id !== 'string')
      return { ok: false, reason: 'invalid_response', description: 'the answer has no SMS id' };
    if (json.status === 'failed') return { ok: false, reason: 'rejected', description: 'the SMS was created with status failed' };
    return { ok: true, messageId: json.id };
  }

  readError(_status: number, body: string): { description: string } {
    // 46elks answers errors in plain text.
    return { description: body.trim() || 'no description' };
  }
}

export function createElksGateway(settings: ElksSettings, options: SmsGatewayOptions): HttpSmsGateway {
  return new HttpSmsGateway(new ElksSmsProvider(settings), options);
}
