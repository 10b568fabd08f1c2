// The expiry reminders job: warns users by e-mail and SMS a set number of days before their
// password expires (the directory's passwordExpiresAt), once per threshold. It walks the directory
// page by page; for each account whose password expires within a threshold it claims the
// reminder in the store first (INSERT … ON CONFLICT DO NOTHING on account, expiry date and
// threshold) and sends only if the claim was its own, so two runs or two instances never send the
// same reminder twice. A new password gives a new expiry date and so a fresh set of reminders.
// A JobLock lease lets one instance do the walk at a time.

import type { Config } from '../config/schema.ts';
import type { Directory, DirectoryAccount } from '../directory/directory.ts';
import type { Clock } from '../domain/clock.ts';
import { isNyckelError } from '../domain/errors.ts';
import { renderPasswordExpiring, toEmail, toSms } from '../messaging/message-templates.ts';
import type { Messenger, OutgoingMessage } from '../messaging/messenger.ts';
import { listMethodRecords } from '../methods/security-info-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import { JobLock } from './job-lock.ts';
import { type LeasedSchedule, scheduleUnderLease } from './leased-schedule.ts';

const DAY_MS = 86_400_000;
const PAGE_SIZE = 500;
/** Claims for expiry dates this long gone are removed: they can never match again. */
const KEEP_CLAIMS_MS = 30 * DAY_MS;

export interface ExpiryReminderDeps {
  store: Store;
  directory: Directory;
  messenger: Messenger;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'expiryReminders' | 'organisation' | 'server' | 'i18n'>;
}

export interface ExpiryReminderResult {
  /** Accounts looked at. */
  accounts: number;
  /** Reminders sent (one per account and threshold, whatever the number of channels). */
  sent: number;
  /** Reminders due but with no channel to send to, or every channel failed. */
  failed: number;
}

/** The threshold an account is within now: the smallest `daysBefore` at or above the days left; null when none. */
export function dueThreshold(daysBefore: readonly number[], daysLeft: number): number | null {
  const crossed = daysBefore.filter((d) => daysLeft <= d);
  return crossed.length === 0 ? null : Math.min(...crossed);
}

/** Where a reminder goes: private e-mail addresses and the work address, registered phones (else the directory's mobile). */
async function targetsOf(deps: ExpiryReminderDeps, account: DirectoryAccount): Promise<Array<{ channel: 'email' | 'sms'; to: string }>> {
  const channels = deps.config.expiryReminders.channels;
  const methods = await listMethodRecords(deps.store.db, account.id);
  const out: Array<{ channel: 'email' | 'sms'; to: string }> = [];
  const add = (channel: 'email' | 'sms', to: string | null) => {
    if (to === null || to === '' || !channels.includes(channel)) return;
    if (out.some((t) => t.channel === channel && t.to.toLowerCase() === to.toLowerCase())) return;
    out.push({ channel, to });
  };
  for (const m of methods) if (m.kind === 'email') add('email', m.target);
  add('email', account.email);
  const phones = methods.filter((m) => m.kind === 'sms');
  for (const m of phones) add('sms', m.target);
  if (phones.length === 0) add('sms', account.mobile);
  return out;
}

/** Claims the reminder; true when this run inserted it (and so is the one to send it). */
async function claim(store: Store, accountId: string, expiresAt: number, daysBefore: number, now: number): Promise<boolean> {
  const result = await store.db
    .insertInto('expiry_reminders_sent')
    .values({ account_id: accountId, expires_at: expiresAt, days_before: daysBefore, sent_at: now })
    .onConflict((oc) => oc.columns(['account_id', 'expires_at', 'days_before']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

async function releaseClaim(store: Store, accountId: string, expiresAt: number, daysBefore: number): Promise<void> {
  await store.db
    .deleteFrom('expiry_reminders_sent')
    .where('account_id', '=', accountId)
    .where('expires_at', '=', expiresAt)
    .where('days_before', '=', daysBefore)
    .execute();
}

/** Sends the reminders due now, once each. `keepGoing` is asked between pages (a lost lease stops the walk). */
export async function sendExpiryReminders(
  deps: ExpiryReminderDeps,
  keepGoing: () => Promise<boolean> = async () => true,
): Promise<ExpiryReminderResult> {
  const { store, directory, clock, logger, config } = deps;
  const result: ExpiryReminderResult = { accounts: 0, sent: 0, failed: 0 };
  const thresholds = config.expiryReminders.daysBefore;
  const language = config.i18n.defaultLanguage;
  const link = new URL('/account/password', config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}/`).href;
  let cursor: string | null = null;
  do {
    const page = await directory.listAccounts({ pageSize: PAGE_SIZE, cursor });
    for (const account of page.accounts) {
      result.accounts++;
      const state = await directory.readState(account.id);
      const expiresAt = state.passwordExpiresAt;
      // Nothing to warn about: no expiry, already expired or to be changed anyway, or an account that can't sign in.
      if (expiresAt === null || state.isExpired || state.mustChange || state.isDisabled) continue;
      const now = clock.now().getTime();
      const daysLeft = Math.ceil((expiresAt.getTime() - now) / DAY_MS);
      if (daysLeft < 1) continue;
      const threshold = dueThreshold(thresholds, daysLeft);
      if (threshold === null) continue;
      if (!(await claim(store, account.id, expiresAt.getTime(), threshold, now))) continue;
      const message = renderPasswordExpiring({
        language,
        organisationName: config.organisation.name,
        link,
        helpdesk: config.organisation.contactPhone ?? config.organisation.contactEmail,
        daysLeft,
        expiresAt,
      });
      const sentTo: Array<'email' | 'sms'> = [];
      for (const target of await targetsOf(deps, account)) {
        const outgoing: OutgoingMessage = target.channel === 'sms' ? toSms(message, target.to) : toEmail(message, target.to);
        try {
          await deps.messenger.send(outgoing);
          sentTo.push(target.channel);
        } catch (error) {
          // Never the address or number in the log: the channel and the reason are enough.
          logger.warn(
            { channel: target.channel, reason: isNyckelError(error) ? error.detail : String(error) },
            'an expiry reminder could not be sent',
          );
        }
      }
      if (sentTo.length === 0) {
        // Nothing went out: give the claim back so the next run tries again.
        await releaseClaim(store, account.id, expiresAt.getTime(), threshold);
        result.failed++;
        await store.appendAudit(
          {
            type: 'expiry_reminder.failed',
            subject: account.id,
            outcome: 'failure',
            detail: { daysBefore: threshold, expiresAt: expiresAt.toISOString() },
          },
          clock.now(),
        );
        continue;
      }
      result.sent++;
      await store.appendAudit(
        {
          type: 'expiry_reminder.sent',
          subject: account.id,
          outcome: 'success',
          detail: { daysBefore: threshold, daysLeft, expiresAt: expiresAt.toISOString(), channels: sentTo },
        },
        clock.now(),
      );
    }
    cursor = page.nextCursor;
  } while (cursor !== null && (await keepGoing()));
  await store.db
    .deleteFrom('expiry_reminders_sent')
    .where('expires_at', '<', clock.now().getTime() - KEEP_CLAIMS_MS)
    .execute();
  if (result.sent > 0 || result.failed > 0) logger.info(result, 'expiry reminders sent');
  return result;
}

export type ExpiryReminderSchedule = LeasedSchedule;

/**
 * Runs the job at start and then every `expiryReminders.intervalMinutes`, on the instance holding
 * the 'expiry-reminders' lease (renewed between pages). Null when expiryReminders.enabled is off.
 */
export function scheduleExpiryReminders(
  deps: ExpiryReminderDeps,
  intervalMs: number = deps.config.expiryReminders.intervalMinutes * 60_000,
  lock?: JobLock,
): ExpiryReminderSchedule | null {
  if (!deps.config.expiryReminders.enabled) return null;
  return scheduleUnderLease({
    lease: lock ?? new JobLock(deps.store.db, 'expiry-reminders', deps.clock),
    intervalMs,
    work: (renewLease) => sendExpiryReminders(deps, renewLease),
    logger: deps.logger,
    failureMessage: 'the expiry reminders failed; they run again later',
    runAtStart: true,
  });
}
