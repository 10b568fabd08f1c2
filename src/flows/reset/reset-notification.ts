// The notice after a reset: "your password was changed" or "your account was unlocked —
// wasn't you? contact the helpdesk", to every registered SMS and e-mail channel and the work
// address. A notice that fails is logged, never fatal: the reset itself has happened.

import type { DirectoryAccount } from '../../directory/directory.ts';
import { isNyckelError } from '../../domain/errors.ts';
import {
  escapeHtml,
  type OrganisationContext,
  type RenderedMessage,
  renderPasswordChanged,
  toEmail,
  toSms,
} from '../../messaging/message-templates.ts';
import type { Messenger } from '../../messaging/messenger.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ResetOutcomeKind } from './flow.ts';

export interface NotifyTarget {
  channel: 'sms' | 'email';
  /** E.164 number or e-mail address. */
  target: string;
}

export interface ResetNotifierOptions {
  messenger: Messenger;
  logger: Logger;
  organisation: Omit<OrganisationContext, 'language'>;
  /** The account's registered SMS and e-mail methods (real targets, not masked). */
  targetsOf(accountId: string): Promise<NotifyTarget[]>;
}

/** "Your account was unlocked" in both languages; the same shape as the other notices. */
export function renderAccountUnlocked(input: OrganisationContext): RenderedMessage {
  const organisation = input.organisationName.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
  const helpdesk = input.helpdesk === undefined ? '' : ` (${input.helpdesk.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim()})`;
  const link = new URL(input.link).href;
  const sv = input.language === 'sv';
  const what = sv ? `Ditt konto hos ${organisation} har låsts upp.` : `Your ${organisation} account was unlocked.`;
  const notYou = sv ? `Var det inte du? Kontakta IT-supporten direkt${helpdesk}.` : `Wasn't you? Contact the helpdesk at once${helpdesk}.`;
  const subject = sv ? 'Ditt konto har låsts upp' : 'Your account was unlocked';
  const paragraphs = [what, notYou, link, organisation];
  return {
    language: input.language,
    sms: `${what} ${notYou}`,
    subject,
    text: `${paragraphs.join('\n\n')}\n`,
    html: [
      '<!DOCTYPE html>',
      `<html lang="${input.language}">`,
      `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
      '<body>',
      ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
      '</body>',
      '</html>',
    ].join('\n'),
  };
}

export function createResetNotifier(options: ResetNotifierOptions) {
  return async (account: DirectoryAccount, outcome: ResetOutcomeKind, language: 'sv' | 'en'): Promise<void> => {
    const context = { ...options.organisation, language };
    const message = outcome === 'unlocked' ? renderAccountUnlocked(context) : renderPasswordChanged(context);
    let targets: NotifyTarget[] = [];
    try {
      targets = await options.targetsOf(account.id);
    } catch (error) {
      options.logger.warn({ err: error }, 'reset notice: the channels could not be read');
    }
    if (account.email !== null && !targets.some((t) => t.channel === 'email' && t.target.toLowerCase() === account.email?.toLowerCase())) {
      targets.push({ channel: 'email', target: account.email });
    }
    for (const { channel, target } of targets) {
      try {
        await options.messenger.send(channel === 'sms' ? toSms(message, target) : toEmail(message, target));
      } catch (error) {
        options.logger.warn({ channel, reason: isNyckelError(error) ? error.detail : String(error) }, 'a reset notice could not be sent');
      }
    }
  };
}
