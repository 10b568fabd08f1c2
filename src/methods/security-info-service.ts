// SecurityInfoService: the SecurityInfo port over the store (security-info-store.ts), the
// messenger and the secret box. It enforces the rules that must hold whatever page calls it:
// codes hashed and single use, attempts counted before checking, replays refused, rate limits
// in the store, nothing half-created when a message can't be sent, an audit event for every
// change and check, and a notice to the user's other channels after every change.
// Each family of methods lives in its own module and the service delegates to it: the
// authenticator app (security-info-totp.ts), codes by SMS and e-mail (security-info-codes.ts),
// recovery codes (security-info-recovery.ts) and temporary passes (security-info-passes.ts);
// what they share is in security-info-core.ts and security-info-notices.ts. Listing, passkeys,
// removal and the default method are here.

import { resolve as resolvePath } from 'node:path';
import type { Config } from '../config/schema.ts';
import { NyckelError } from '../domain/errors.ts';
import { SecretBox } from '../security/secret-box.ts';
import { type NewPasskey, type SavePasskeyResult, savePasskeyRecord } from './passkey.ts';
import type { CodeCheck, RequestContext, SecurityInfo, SecurityMethod, SendResult, TotpEnrollment } from './security-info.ts';
import * as codes from './security-info-codes.ts';
import { SecurityInfoCore, type SecurityInfoServiceOptions } from './security-info-core.ts';
import { notifyChange } from './security-info-notices.ts';
import * as passes from './security-info-passes.ts';
import * as recovery from './security-info-recovery.ts';
import * as records from './security-info-store.ts';
import * as totp from './security-info-totp.ts';

export type { SecurityInfoServiceOptions } from './security-info-core.ts';
export { MAX_PASS_MINUTES } from './security-info-passes.ts';

export class SecurityInfoService implements SecurityInfo {
  readonly #core: SecurityInfoCore;

  constructor(options: SecurityInfoServiceOptions) {
    this.#core = new SecurityInfoCore(options);
  }

  // ---- listing ----

  async listMethods(accountId: string): Promise<SecurityMethod[]> {
    const methods = await records.listMethodRecords(this.#core.options.db, accountId);
    const out: SecurityMethod[] = [];
    for (const m of methods) out.push(await this.#core.view(m));
    return out;
  }

  async hasMethods(accountId: string): Promise<boolean> {
    return (await records.listMethodRecords(this.#core.options.db, accountId)).length > 0;
  }

  // ---- authenticator app ----

  async startTotpEnrollment(accountId: string, accountLabel: string): Promise<TotpEnrollment> {
    return totp.startTotpEnrollment(this.#core, accountId, accountLabel);
  }

  async completeTotpEnrollment(accountId: string, enrollmentId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }> {
    return totp.completeTotpEnrollment(this.#core, accountId, enrollmentId, code);
  }

  async verifyTotp(accountId: string, code: string): Promise<CodeCheck & { methodId?: string }> {
    return totp.verifyTotp(this.#core, accountId, code);
  }

  // ---- phone and e-mail ----

  async startPhoneEnrollment(accountId: string, phoneInput: string, ctx: RequestContext): Promise<SendResult> {
    return codes.startPhoneEnrollment(this.#core, accountId, phoneInput, ctx);
  }

  async startEmailEnrollment(accountId: string, emailInput: string, ctx: RequestContext): Promise<SendResult> {
    return codes.startEmailEnrollment(this.#core, accountId, emailInput, ctx);
  }

  async completeCodeEnrollment(accountId: string, challengeId: string, code: string): Promise<CodeCheck & { method?: SecurityMethod }> {
    return codes.completeCodeEnrollment(this.#core, accountId, challengeId, code);
  }

  async sendCode(
    accountId: string,
    methodId: string,
    purpose: 'sign_in' | 'reset' | 'caller_verification',
    ctx: RequestContext,
  ): Promise<SendResult> {
    return codes.sendCode(this.#core, accountId, methodId, purpose, ctx);
  }

  async verifySentCode(accountId: string, challengeId: string, code: string): Promise<CodeCheck> {
    return codes.verifySentCode(this.#core, accountId, challengeId, code);
  }

  // ---- passkeys ----

  async savePasskey(accountId: string, passkey: NewPasskey, ctx: { ip: string }): Promise<SavePasskeyResult> {
    const core = this.#core;
    const saved = await savePasskeyRecord(core.options.db, core.options.dialect, accountId, passkey, core.now());
    if (!saved.ok) {
      await core.audit({
        type: 'security_info.passkey_enrolled',
        subject: accountId,
        ip: ctx.ip,
        outcome: 'refused',
        detail: { reason: saved.reason },
      });
      return saved;
    }
    await core.audit({
      type: 'security_info.passkey_enrolled',
      subject: accountId,
      ip: ctx.ip,
      outcome: 'success',
      detail: { methodId: saved.methodId, deviceType: passkey.deviceType, backedUp: passkey.backedUp },
    });
    await notifyChange(core, accountId, 'added', 'passkey', { exclude: null });
    return saved;
  }

  // ---- recovery codes ----

  async generateRecoveryCodes(accountId: string): Promise<string[]> {
    return recovery.generateRecoveryCodes(this.#core, accountId);
  }

  async verifyRecoveryCode(accountId: string, code: string): Promise<CodeCheck> {
    return recovery.verifyRecoveryCode(this.#core, accountId, code);
  }

  // ---- remove, default ----

  async removeMethod(accountId: string, methodId: string): Promise<boolean> {
    const core = this.#core;
    const p = core.policy;
    // Policy requires a method: removing the last one would leave the account with no second step.
    const minPrimary = p.registrationRequired || p.secondStep === 'always' ? 1 : 0;
    const outcome = await records.removeMethodRecord(core.options.db, core.options.dialect, accountId, methodId, minPrimary);
    if (outcome.outcome !== 'removed') {
      await core.audit({
        type: 'security_info.method_removed',
        subject: accountId,
        outcome: 'refused',
        detail: { methodId, reason: outcome.outcome },
      });
      return false;
    }
    await core.audit({
      type: 'security_info.method_removed',
      subject: accountId,
      outcome: 'success',
      detail: { methodId, kind: outcome.method.kind },
    });
    // The removed phone or address hears of it too: it is the channel someone may be taking away.
    await notifyChange(core, accountId, 'removed', outcome.method.kind, { exclude: null, also: outcome.method });
    return true;
  }

  async setDefault(accountId: string, methodId: string): Promise<void> {
    const core = this.#core;
    if (!(await records.setDefaultMethod(core.options.db, core.options.dialect, accountId, methodId))) {
      throw new NyckelError('not_found', 'no such method to make the default', { detail: { methodId } });
    }
    await core.audit({ type: 'security_info.default_changed', subject: accountId, outcome: 'success', detail: { methodId } });
  }

  // ---- temporary access passes ----

  async issuePass(accountId: string, options: { singleUse: boolean; validMinutes: number; issuedBy: string }): Promise<string> {
    return passes.issuePass(this.#core, accountId, options);
  }

  async redeemPass(accountId: string, pass: string): Promise<CodeCheck> {
    return passes.redeemPass(this.#core, accountId, pass);
  }
}

/** The secret box the configuration asks for: inline key material (secrets.keys) or the key file under dataDir. */
export function openConfiguredSecretBox(config: Pick<Config, 'dataDir' | 'secrets'>): SecretBox {
  if (config.secrets.keys !== undefined) return SecretBox.open({ kind: 'inline', content: config.secrets.keys });
  return SecretBox.open({ kind: 'file', path: resolvePath(config.dataDir, config.secrets.keyFile) });
}

/** Refuses a configuration whose firstRegistration.zones names a zone that networkZones doesn't define. */
export function checkZoneNames(config: Pick<Config, 'securityInfo' | 'networkZones' | 'admin'>): void {
  const uses: [string, readonly string[]][] = [
    ['securityInfo.firstRegistration.zones', config.securityInfo.firstRegistration.zones],
    ['admin.zones', config.admin.zones],
  ];
  for (const [key, names] of uses) {
    const unknown = names.filter((name) => !Object.hasOwn(config.networkZones, name));
    if (unknown.length > 0) {
      throw new NyckelError('config_invalid', `${key} names ${unknown.join(', ')}, which networkZones does not define`);
    }
  }
}
