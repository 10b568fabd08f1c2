// Codes the portal sent, read back from its outbox (the demo set-up's messenger), as a person
// reads them off the phone or the mailbox.

import type { TestPortal } from './portal.ts';

/** The newest six-digit code sent over `channel` to `to` among the outbox's latest 50 messages. */
export async function lastOutboxCode(portal: TestPortal, channel: 'sms' | 'email', to: string): Promise<string> {
  for (const entry of await portal.services.outbox.read(50)) {
    const code = /\b(\d{6})\b/.exec(entry.text)?.[1];
    if (entry.channel === channel && entry.to === to && code !== undefined) return code;
  }
  throw new Error(`no ${channel === 'sms' ? 'SMS' : 'e-mail'} code to ${to} in the outbox`);
}
