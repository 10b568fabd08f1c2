// The notice a user gets on their other channels (phone, private e-mail) after every change to
// their security info, so a method added or removed by someone else does not go unnoticed.

import { isNyckelError } from '../domain/errors.ts';
import {
  type MessageLanguage,
  renderSecurityInfoChanged,
  type SecurityMethodKind,
  toEmail,
  toSms,
} from '../messaging/message-templates.ts';
import type { MethodKind } from './security-info.ts';
import type { SecurityInfoCore } from './security-info-core.ts';
import * as records from './security-info-store.ts';

const messageKind: Record<MethodKind, SecurityMethodKind> = {
  totp: 'authenticator_app',
  sms: 'mobile_phone',
  email: 'email',
  passkey: 'passkey',
  recovery_codes: 'recovery_codes',
};

/** Tells the user's other channels that their security info changed. A failed notice is logged, never fatal. */
export async function notifyChange(
  core: SecurityInfoCore,
  accountId: string,
  change: 'added' | 'removed',
  kind: MethodKind,
  options: { exclude: string | null; also?: records.MethodRecord },
): Promise<void> {
  const methods = await records.listMethodRecords(core.options.db, accountId);
  const channels = methods.filter((m) => (m.kind === 'sms' || m.kind === 'email') && m.target !== null && m.target !== options.exclude);
  if (options.also !== undefined && (options.also.kind === 'sms' || options.also.kind === 'email') && options.also.target !== null)
    channels.push(options.also);
  const config = core.options.config;
  const language: MessageLanguage = config.i18n.defaultLanguage;
  const link = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}/`;
  const message = renderSecurityInfoChanged({
    language,
    organisationName: config.organisation.name,
    link,
    helpdesk: config.organisation.contactPhone ?? config.organisation.contactEmail,
    change,
    method: messageKind[kind],
  });
  for (const channel of channels) {
    const target = channel.target as string;
    try {
      await core.options.messenger.send(channel.kind === 'sms' ? toSms(message, target) : toEmail(message, target));
    } catch (error) {
      core.options.logger.warn(
        { channel: channel.kind, reason: isNyckelError(error) ? error.detail : String(error) },
        'a security-info notice could not be sent',
      );
    }
  }
  if (channels.length > 0) {
    await core.audit({
      type: 'security_info.change_notified',
      subject: accountId,
      outcome: 'info',
      detail: { change, kind, channels: channels.length },
    });
  }
}
