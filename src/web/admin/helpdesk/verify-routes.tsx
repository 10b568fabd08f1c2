// Verifying a caller (/admin/helpdesk/verify): the agent sends a code to one of the user's
// phone or e-mail methods, or asks for the authenticator app's code, and types what the caller
// reads out. The same attempt-limited, single-use checks as the second step; the sent code's
// challenge travels sealed to this agent's session, this account and this method; every result
// is audited with the agent's name.

import type { Context } from 'hono';
import { readCode } from '../../../flows/second-step/flow.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import type { CodeCheck, SecurityMethod, SendResult } from '../../../methods/security-info.ts';
import type { FieldError } from '../../components/form-fields.tsx';
import type { WebEnv } from '../../context.ts';
import { field, readForm } from '../../form.ts';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { codeProblemMessage, safeSend } from '../../routes/second-step-routes.tsx';
import { type Staff, staffOnly } from '../staff-access.tsx';
import { openCallerChallenge, sealCallerChallenge } from './caller-challenge.ts';
import { VERIFY_PATH, VERIFY_SEND_PATH } from './helpdesk-paths.ts';
import { auditStaff, loadMethod, loadSubject, MINUTE, pageOf, type Subject } from './helpdesk-subject.tsx';
import { canVerifyCaller } from './user-page.tsx';
import { VerifyCallerPage, VerifyResultPage } from './verify-page.tsx';

function renderVerify(
  c: Context<WebEnv>,
  staff: Staff,
  subject: Subject,
  method: SecurityMethod,
  view: { sealedChallenge?: string | null; notice?: string | null; errors?: FieldError[]; status?: number } = {},
): Promise<Response> {
  const { t } = c.var;
  const errors = view.errors ?? [];
  return renderPage(
    c,
    { title: t.helpdesk.verifyTitle, hasErrors: errors.length > 0, status: view.status ?? (errors.length > 0 ? 400 : 200) },
    <VerifyCallerPage
      t={t}
      roles={staff.roles}
      csrfToken={staff.session.data.csrf}
      account={subject.account}
      isPrivileged={subject.state.isPrivileged}
      method={method}
      sealedChallenge={view.sealedChallenge ?? null}
      notice={view.notice ?? null}
      errors={errors}
    />,
  );
}

function sendFailure(t: Catalog, result: SendResult & { ok: false }): { message: string; status: number } {
  switch (result.reason) {
    case 'rate_limited':
      return { message: t.helpdesk.sendRateLimited(Math.max(1, Math.ceil(result.retryAfterMs / MINUTE))), status: 429 };
    case 'cooldown':
      return { message: t.helpdesk.sendCooldown(Math.max(1, Math.ceil(result.retryAfterMs / 1000))), status: 429 };
    case 'not_sent':
    case 'invalid_target':
      return { message: t.helpdesk.sendFailed, status: 502 };
  }
}

/** Loads the account and the method for a verification request; a page when either is wrong. */
async function loadVerification(
  c: Context<WebEnv>,
  staff: Staff,
  rawId: string | undefined,
  rawMethod: string | undefined,
): Promise<{ subject: Subject; method: SecurityMethod } | Response> {
  const subject = await loadSubject(c, staff, rawId);
  if (subject instanceof Response) return subject;
  const { t } = c.var;
  const method = await loadMethod(c, subject.account.id, rawMethod);
  if (method === null) return pageOf(c, staff, t.helpdesk.verifyTitle, t.helpdesk.methodNotFound, 404);
  if (!canVerifyCaller(method)) return pageOf(c, staff, t.helpdesk.verifyTitle, t.helpdesk.verifyCantUse, 400);
  return { subject, method };
}

export function registerCallerVerificationRoutes(routes: RouteTable): void {
  routes.get(
    VERIFY_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const loaded = await loadVerification(c, staff, c.req.query('id'), c.req.query('method'));
      if (loaded instanceof Response) return loaded;
      return renderVerify(c, staff, loaded.subject, loaded.method);
    }),
  );

  routes.post(
    VERIFY_SEND_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const form = await readForm(c);
      const loaded = await loadVerification(c, staff, field(form, 'id'), field(form, 'method'));
      if (loaded instanceof Response) return loaded;
      const { subject, method } = loaded;
      if (method.kind === 'totp') return renderVerify(c, staff, subject, method);
      const { securityInfo, config, secretBox } = c.var.services;
      // The code goes to the user, so it is written in the organisation's language, not the agent's.
      const result = await safeSend(c, () =>
        securityInfo.sendCode(subject.account.id, method.id, 'caller_verification', {
          ip: c.var.clientIp,
          language: config.i18n.defaultLanguage,
          senderKey: `helpdesk:${staff.session.accountId}`,
        }),
      );
      if (!result.ok) {
        const failure = sendFailure(c.var.t, result);
        return renderVerify(c, staff, subject, method, { errors: [{ field: 'send', message: failure.message }], status: failure.status });
      }
      const sealed = sealCallerChallenge(secretBox, result.challengeId, {
        sessionIdHash: staff.session.idHash,
        accountId: subject.account.id,
        methodId: method.id,
      });
      return renderVerify(c, staff, subject, method, {
        sealedChallenge: sealed,
        notice: c.var.t.helpdesk.verifySent(method.maskedTarget ?? ''),
      });
    }),
  );

  routes.post(
    VERIFY_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      const form = await readForm(c);
      const loaded = await loadVerification(c, staff, field(form, 'id'), field(form, 'method'));
      if (loaded instanceof Response) return loaded;
      const { subject, method } = loaded;
      const { securityInfo, secretBox } = c.var.services;
      const accountId = subject.account.id;
      const isSent = method.kind !== 'totp';
      const sealed = isSent ? field(form, 'challenge') : '';
      const challengeId = isSent
        ? openCallerChallenge(secretBox, sealed, { sessionIdHash: staff.session.idHash, accountId, methodId: method.id })
        : null;
      // No (valid) sent code to check against: back to "send the code", nothing counted.
      if (isSent && challengeId === null)
        return renderVerify(c, staff, subject, method, { errors: [{ field: 'send', message: t.helpdesk.verifyNotSent }] });
      const keep = isSent ? sealed : null;
      const code = readCode(method.kind, field(form, 'code'));
      if (!code.ok) {
        return renderVerify(c, staff, subject, method, {
          sealedChallenge: keep,
          errors: [{ field: 'code', message: codeProblemMessage(t, code.problem, method.kind) }],
        });
      }
      // The same attempt-limited checks as the second step: attempts counted before checking, codes single use.
      const check: CodeCheck =
        challengeId === null
          ? await securityInfo.verifyTotp(accountId, code.code)
          : await securityInfo.verifySentCode(accountId, challengeId, code.code);
      if (check.ok) {
        await auditStaff(c, staff, {
          type: 'helpdesk.caller_verified',
          subject: accountId,
          outcome: 'success',
          detail: { method: method.kind, methodId: method.id },
        });
        return renderPage(
          c,
          { title: t.helpdesk.verifiedTitle },
          <VerifyResultPage t={t} roles={staff.roles} account={subject.account} method={method} isVerified />,
        );
      }
      await auditStaff(c, staff, {
        type: 'helpdesk.caller_verification_failed',
        subject: accountId,
        outcome: 'failure',
        detail: { method: method.kind, methodId: method.id, failure: check.reason },
      });
      switch (check.reason) {
        case 'too_many_attempts':
          return renderPage(
            c,
            { title: t.helpdesk.verifyFailedTitle, status: 429 },
            <VerifyResultPage t={t} roles={staff.roles} account={subject.account} method={method} isVerified={false} />,
          );
        case 'wrong': {
          const message = check.attemptsLeft === undefined ? t.helpdesk.verifyWrongNoCount : t.helpdesk.verifyWrong(check.attemptsLeft);
          return renderVerify(c, staff, subject, method, { sealedChallenge: keep, errors: [{ field: 'code', message }] });
        }
        case 'replayed':
          if (!isSent) return renderVerify(c, staff, subject, method, { errors: [{ field: 'code', message: t.helpdesk.verifyReplayed }] });
          return renderVerify(c, staff, subject, method, { errors: [{ field: 'send', message: t.helpdesk.verifyNotSent }] });
        case 'expired':
          return renderVerify(c, staff, subject, method, { errors: [{ field: 'send', message: t.helpdesk.verifyExpired }] });
        case 'not_found':
          return renderVerify(
            c,
            staff,
            subject,
            method,
            isSent
              ? { errors: [{ field: 'send', message: t.helpdesk.verifyNotSent }] }
              : { errors: [{ field: 'code', message: t.helpdesk.methodNotFound }] },
          );
      }
    }),
  );
}
