// What every family of sign-in methods in SecurityInfoService shares: the service's options,
// the clock and the security-info policy, one audit event per change and check, checks counted
// before they are made, and the view of a stored method that pages may see. The families
// (security-info-totp.ts, -codes.ts, -recovery.ts, -passes.ts) take a SecurityInfoCore.

import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Directory } from '../directory/directory.ts';
import type { Clock } from '../domain/clock.ts';
import type { Messenger } from '../messaging/messenger.ts';
import type { Logger } from '../observability/logger.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Database } from '../store/schema.ts';
import type { AuditEventInput, Store } from '../store/store.ts';
import { maskTarget } from './masking.ts';
import type { CodeCheck, SecurityMethod } from './security-info.ts';
import * as records from './security-info-store.ts';

export interface SecurityInfoServiceOptions {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  store: Store;
  directory: Directory;
  messenger: Messenger;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'securityInfo' | 'rateLimits' | 'organisation' | 'server' | 'i18n'> & {
    messaging: { sms: { defaultCountry: string; allowedCountries: readonly string[] } };
  };
}

/** The kinds of counted check; each kind has its own counter per account. */
export type CheckKind = 'totp-enroll' | 'second-step' | 'pass';

export class SecurityInfoCore {
  readonly options: SecurityInfoServiceOptions;

  constructor(options: SecurityInfoServiceOptions) {
    this.options = options;
  }

  get policy() {
    return this.options.config.securityInfo;
  }

  now(): Date {
    return this.options.clock.now();
  }

  async view(m: records.MethodRecord): Promise<SecurityMethod> {
    const view: SecurityMethod = {
      id: m.id,
      accountId: m.accountId,
      kind: m.kind,
      label: m.label,
      maskedTarget: maskTarget(m.kind, m.target),
      isDefault: m.isDefault,
      createdAt: m.createdAt,
      lastUsedAt: m.lastUsedAt,
    };
    if (m.kind === 'recovery_codes') view.remaining = await records.countUnusedRecoveryCodes(this.options.db, m.accountId);
    return view;
  }

  /**
   * Counts one check of `kind` for the account BEFORE checking (a brute force can't outrun the
   * counter), and refuses once codeMaxAttempts checks fail within codeValidMinutes.
   */
  async countCheck(kind: CheckKind, accountId: string): Promise<CodeCheck | null> {
    const p = this.policy;
    const decision = await this.options.store.hitRateLimit(
      limitKey(kind, accountId),
      p.codeMaxAttempts,
      p.codeValidMinutes * 60_000,
      this.now(),
    );
    if (decision.allowed) return null;
    await this.audit({ type: `security_info.check_limited`, subject: accountId, outcome: 'refused', detail: { kind } });
    return { ok: false, reason: 'too_many_attempts', attemptsLeft: 0 };
  }

  /** After a check that passed: the account's failed checks of `kind` no longer count. */
  async resetChecks(kind: CheckKind, accountId: string): Promise<void> {
    await this.options.store.resetRateLimit(limitKey(kind, accountId));
  }

  async fail<T extends CodeCheck>(type: string, accountId: string, result: T, detail: Record<string, unknown> = {}): Promise<T> {
    await this.audit({
      type,
      subject: accountId,
      outcome: 'failure',
      detail: { reason: result.ok ? undefined : result.reason, ...detail },
    });
    return result;
  }

  async audit(event: AuditEventInput): Promise<void> {
    await this.options.store.appendAudit({ actor: event.actor ?? event.subject ?? null, ...event }, this.now());
  }
}

function limitKey(kind: CheckKind, accountId: string): string {
  return `check:${kind}:${accountId}`;
}
