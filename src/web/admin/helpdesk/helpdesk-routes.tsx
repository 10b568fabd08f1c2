// The helpdesk pages (/admin/helpdesk): find a user, the user page, verify a caller, and the
// actions (unlock, require a password change, issue a one-time pass, remove a lost method), each
// behind a confirmation with a required reason. Every handler runs inside staffOnly('helpdesk')
// (zone, session, role, recent second step). Every action and every caller check is audited
// with the agent's name (and the reason), whether it worked or not; a directory that can't be
// reached gets the plain-words notice and nothing is changed.

import type { Context } from 'hono';
import type { AccountState, DirectoryAccount } from '../../../directory/directory.ts';
import { isNyckelError } from '../../../domain/errors.ts';
import { readCode } from '../../../flows/second-step/flow.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import type { CodeCheck, SecurityMethod, SendResult } from '../../../methods/security-info.ts';
import type { AuditEventInput } from '../../../store/store.ts';
import type { FieldError } from '../../components/form-fields.tsx';
import type { WebEnv } from '../../context.ts';
import { type FormFields, field, readForm } from '../../form.ts';
import { methodTitle } from '../../pages/security-info-page.tsx';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { codeProblemMessage, safeSend } from '../../routes/second-step-routes.tsx';
import { type Staff, staffOnly } from '../staff-access.tsx';
import { openCallerChallenge, sealCallerChallenge } from './caller-challenge.ts';
import {
  ActionConfirmPage,
  actionTitle,
  type ConfirmValues,
  type HelpdeskAction,
  MAX_REASON_LENGTH,
  PASS_VALIDITY_CHOICES,
} from './confirm-page.tsx';
import {
  HELPDESK_PATH,
  helpdeskHref,
  ISSUE_PASS_PATH,
  REMOVE_METHOD_PATH,
  REQUIRE_CHANGE_PATH,
  UNLOCK_PATH,
  USER_PATH,
  VERIFY_PATH,
  VERIFY_SEND_PATH,
} from './helpdesk-paths.ts';
import { type ActionOutcome, ActionResultPage, HelpdeskMessagePage, PassIssuedPage } from './result-page.tsx';
import { HelpdeskSearchPage } from './search-page.tsx';
import { type CallerVerification, canVerifyCaller, HelpdeskUserPage } from './user-page.tsx';
import { VerifyCallerPage, VerifyResultPage } from './verify-page.tsx';

const MINUTE = 60_000;
/** Searches per staff session: plenty for a helpdesk shift, too few for a stolen session to list who exists. */
export const SEARCH_LIMIT = { limit: 30, windowMinutes: 10 } as const;
/** The longest search term (an e-mail address is at most 254 characters, RFC 5321). */
export const MAX_SEARCH_LENGTH = 254;
/** A caller verification counts on the user page for this long (one call, not a standing trust). */
export const CALLER_VERIFIED_FRESH_MINUTES = 60;
/** How many of the account's events the user page shows. */
export const RECENT_EVENTS = 20;
/** Embedded ids are UUIDs, LDAP ids DNs: bounded, and no control characters. */
const MAX_ACCOUNT_ID_LENGTH = 1024;
const METHOD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** An account id from the query or form, or null when it can't be one. */
export function parseAccountId(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const id = raw.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (id === '' || id.length > MAX_ACCOUNT_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(id)) return null;
  return id;
}

export function parseMethodId(raw: string | undefined): string | null {
  return raw !== undefined && METHOD_ID.test(raw) ? raw : null;
}

interface Subject {
  account: DirectoryAccount;
  state: AccountState;
}

function pageOf(c: Context<WebEnv>, staff: Staff, title: string, message: string | null, status: number, isUnavailable = false) {
  return renderPage(
    c,
    { title, status, ...(isUnavailable ? { headers: { 'Retry-After': '60' } } : {}) },
    <HelpdeskMessagePage t={c.var.t} roles={staff.roles} title={title} message={message} isDirectoryUnavailable={isUnavailable} />,
  );
}

/** The account the request names, with its state; or the page saying why not (bad id, gone, directory down). */
async function loadSubject(c: Context<WebEnv>, staff: Staff, rawId: string | undefined): Promise<Subject | Response> {
  const { t } = c.var;
  const id = parseAccountId(rawId);
  if (id === null) return pageOf(c, staff, t.helpdesk.accountNotFoundTitle, t.helpdesk.badId, 400);
  const { directory } = c.var.services;
  try {
    const account = await directory.getAccount(id);
    if (account === null) return pageOf(c, staff, t.helpdesk.accountNotFoundTitle, t.helpdesk.accountNotFound, 404);
    return { account, state: await directory.readState(account.id) };
  } catch (error) {
    if (isNyckelError(error, 'directory_unavailable')) return pageOf(c, staff, t.directoryErrors.unavailableTitle, null, 503, true);
    if (isNyckelError(error, 'account_not_found'))
      return pageOf(c, staff, t.helpdesk.accountNotFoundTitle, t.helpdesk.accountNotFound, 404);
    throw error;
  }
}

/** One of the account's methods, by the id in the query or form. */
async function loadMethod(c: Context<WebEnv>, accountId: string, rawId: string | undefined): Promise<SecurityMethod | null> {
  const id = parseMethodId(rawId);
  if (id === null) return null;
  return (await c.var.services.securityInfo.listMethods(accountId)).find((m) => m.id === id) ?? null;
}

/** Appends a staff event: the agent as actor, the user as subject, the agent's username in the detail. */
async function auditStaff(
  c: Context<WebEnv>,
  staff: Staff,
  event: { type: string; subject: string; outcome: AuditEventInput['outcome']; detail?: Record<string, unknown> },
): Promise<void> {
  const { store, clock } = c.var.services;
  await store.appendAudit(
    {
      type: event.type,
      actor: staff.session.accountId,
      subject: event.subject,
      ip: c.var.clientIp,
      outcome: event.outcome,
      detail: { agent: staff.account.username, ...event.detail },
    },
    clock.now(),
  );
}

// ---- find a user ----

function renderSearch(c: Context<WebEnv>, staff: Staff, value: string, errors: FieldError[], status = 200): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: t.helpdesk.title, hasErrors: errors.length > 0, status },
    <HelpdeskSearchPage t={t} roles={staff.roles} csrfToken={staff.session.data.csrf} value={value} errors={errors} />,
  );
}

// ---- the user page ----

async function lastCallerVerification(c: Context<WebEnv>, accountId: string): Promise<CallerVerification | null> {
  const { store, clock } = c.var.services;
  const [event] = await store.listAudit({ subject: accountId, type: 'helpdesk.caller_verified', limit: 1 });
  if (event === undefined || event.outcome !== 'success') return null;
  if (clock.now().getTime() - event.at.getTime() > CALLER_VERIFIED_FRESH_MINUTES * MINUTE) return null;
  const kind = event.detail.method;
  const agent = event.detail.agent;
  if ((kind !== 'sms' && kind !== 'email' && kind !== 'totp') || typeof agent !== 'string') return null;
  return { at: event.at, agent, kind };
}

// ---- verify a caller ----

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

// ---- actions ----

/** Why an action's form is not acceptable yet (nothing is attempted or audited for these). */
function readReason(t: Catalog, form: FormFields): { reason: string; error: FieldError | null } {
  const reason = field(form, 'reason').replace(/\r\n?/g, '\n').trim();
  if (reason === '') return { reason, error: { field: 'reason', message: t.admin.reasonMissing } };
  if (reason.length > MAX_REASON_LENGTH) return { reason, error: { field: 'reason', message: t.admin.reasonTooLong(MAX_REASON_LENGTH) } };
  return { reason, error: null };
}

type DirectoryFailure = 'directory_unavailable' | 'directory_refused';

/** Runs a directory write; a refusal or an unreachable directory becomes a value (nothing was changed). */
async function directoryWrite(c: Context<WebEnv>, write: () => Promise<void>): Promise<DirectoryFailure | null> {
  try {
    await write();
    return null;
  } catch (error) {
    if (isNyckelError(error, 'directory_unavailable')) return 'directory_unavailable';
    if (isNyckelError(error)) {
      c.var.log.warn({ err: { code: error.code, message: error.message } }, 'the directory refused a helpdesk change');
      return 'directory_refused';
    }
    throw error;
  }
}

function renderConfirm(
  c: Context<WebEnv>,
  staff: Staff,
  action: HelpdeskAction,
  subject: Subject,
  method: SecurityMethod | null,
  values: ConfirmValues,
  errors: FieldError[] = [],
): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: actionTitle(t, action), hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200 },
    <ActionConfirmPage
      t={t}
      roles={staff.roles}
      csrfToken={staff.session.data.csrf}
      action={action}
      account={subject.account}
      isPrivileged={subject.state.isPrivileged}
      isLocked={subject.state.isLocked}
      method={method}
      values={values}
      errors={errors}
    />,
  );
}

function renderResult(
  c: Context<WebEnv>,
  staff: Staff,
  action: HelpdeskAction,
  subject: Subject,
  outcome: ActionOutcome,
): Promise<Response> {
  const { t } = c.var;
  const status = outcome.kind === 'done' ? 200 : outcome.kind === 'refused' ? 409 : outcome.kind === 'directory_unavailable' ? 503 : 502;
  return renderPage(
    c,
    {
      title: outcome.kind === 'done' ? actionTitle(t, action) : t.helpdesk.actionFailedTitle,
      status,
      ...(outcome.kind === 'directory_unavailable' ? { headers: { 'Retry-After': '60' } } : {}),
    },
    <ActionResultPage t={t} roles={staff.roles} account={subject.account} title={actionTitle(t, action)} outcome={outcome} />,
  );
}

const auditType: Record<HelpdeskAction, string> = {
  unlock: 'helpdesk.unlock',
  require_change: 'helpdesk.require_change',
  issue_pass: 'helpdesk.issue_pass',
  remove_method: 'helpdesk.remove_method',
};

/** The GET confirmation page of an action on one account (and for removal, one method). */
function confirmRoute(routes: RouteTable, path: string, action: HelpdeskAction): void {
  routes.get(
    path,
    staffOnly('helpdesk', async (c, staff) => {
      const subject = await loadSubject(c, staff, c.req.query('id'));
      if (subject instanceof Response) return subject;
      let method: SecurityMethod | null = null;
      if (action === 'remove_method') {
        method = await loadMethod(c, subject.account.id, c.req.query('method'));
        if (method === null) return pageOf(c, staff, c.var.t.helpdesk.removeTitle, c.var.t.helpdesk.methodNotFound, 404);
      }
      return renderConfirm(c, staff, action, subject, method, { reason: '' });
    }),
  );
}

export function registerHelpdeskRoutes(routes: RouteTable): void {
  routes.get(
    HELPDESK_PATH,
    staffOnly('helpdesk', (c, staff) => renderSearch(c, staff, '', [])),
  );

  // A POST, so the name searched for stays out of the address bar, history and logs.
  routes.post(
    HELPDESK_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      const { store, clock, directory } = c.var.services;
      const form = await readForm(c);
      const term = field(form, 'identifier').trim();
      if (term === '') return renderSearch(c, staff, '', [{ field: 'identifier', message: t.helpdesk.searchMissing }], 400);
      if (term.length > MAX_SEARCH_LENGTH)
        return renderSearch(c, staff, '', [{ field: 'identifier', message: t.helpdesk.searchTooLong(MAX_SEARCH_LENGTH) }], 400);
      // Counted per staff session before looking: a stolen staff session must not list accounts at full speed.
      const decision = await store.hitRateLimit(
        `helpdesk-search:${staff.session.idHash}`,
        SEARCH_LIMIT.limit,
        SEARCH_LIMIT.windowMinutes * MINUTE,
        clock.now(),
      );
      if (!decision.allowed) {
        await store.appendAudit(
          {
            type: 'helpdesk.search',
            actor: staff.session.accountId,
            ip: c.var.clientIp,
            outcome: 'refused',
            detail: { agent: staff.account.username, limit: 'searches_per_session' },
          },
          clock.now(),
        );
        const minutes = Math.max(1, Math.ceil(decision.retryAfterMs / MINUTE));
        return renderSearch(c, staff, term, [{ field: 'identifier', message: t.helpdesk.searchRateLimited(minutes) }], 429);
      }
      let account: DirectoryAccount | null;
      try {
        // The adapter escapes the value in its LDAP filter (RFC 4515); here it is only trimmed.
        account = await directory.findAccount(term);
      } catch (error) {
        if (isNyckelError(error, 'directory_unavailable')) return pageOf(c, staff, t.directoryErrors.unavailableTitle, null, 503, true);
        throw error;
      }
      if (account === null) return renderSearch(c, staff, term, [{ field: 'identifier', message: t.helpdesk.notFound(term) }], 404);
      await auditStaff(c, staff, { type: 'helpdesk.search', subject: account.id, outcome: 'success' });
      return c.redirect(helpdeskHref(USER_PATH, account.id), 303);
    }),
  );

  routes.get(
    USER_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const subject = await loadSubject(c, staff, c.req.query('id'));
      if (subject instanceof Response) return subject;
      const { securityInfo, store } = c.var.services;
      const { account, state } = subject;
      const [methods, events, callerVerified] = await Promise.all([
        securityInfo.listMethods(account.id),
        store.listAudit({ subject: account.id, limit: RECENT_EVENTS }),
        lastCallerVerification(c, account.id),
      ]);
      return renderPage(
        c,
        { title: `${account.displayName} – ${c.var.t.helpdesk.title}` },
        <HelpdeskUserPage
          t={c.var.t}
          roles={staff.roles}
          account={account}
          state={state}
          methods={methods}
          events={events}
          callerVerified={callerVerified}
        />,
      );
    }),
  );

  // ---- verify a caller ----

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

  // ---- actions ----

  confirmRoute(routes, UNLOCK_PATH, 'unlock');
  confirmRoute(routes, REQUIRE_CHANGE_PATH, 'require_change');
  confirmRoute(routes, ISSUE_PASS_PATH, 'issue_pass');
  confirmRoute(routes, REMOVE_METHOD_PATH, 'remove_method');

  routes.post(
    UNLOCK_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const { reason, error } = readReason(c.var.t, form);
      if (error !== null) return renderConfirm(c, staff, 'unlock', subject, null, { reason }, [error]);
      const id = subject.account.id;
      const failure = await directoryWrite(c, () => c.var.services.directory.unlock(id));
      await auditStaff(c, staff, {
        type: auditType.unlock,
        subject: id,
        outcome: failure === null ? 'success' : 'failure',
        detail: { reason, wasLocked: subject.state.isLocked, ...(failure === null ? {} : { failure }) },
      });
      return renderResult(
        c,
        staff,
        'unlock',
        subject,
        failure === null ? { kind: 'done', message: c.var.t.helpdesk.unlockDone(subject.account.displayName) } : { kind: failure },
      );
    }),
  );

  routes.post(
    REQUIRE_CHANGE_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const { reason, error } = readReason(c.var.t, form);
      if (error !== null) return renderConfirm(c, staff, 'require_change', subject, null, { reason }, [error]);
      const id = subject.account.id;
      const { directory, store } = c.var.services;
      const failure = await directoryWrite(c, () => directory.requireChange(id));
      // Sessions end only once the directory took the change: a failed action changes nothing.
      // Ending them makes a session an attacker may hold meet the new requirement at once.
      const sessionsEnded = failure === null ? await store.deleteSessionsOfAccount(id) : 0;
      await auditStaff(c, staff, {
        type: auditType.require_change,
        subject: id,
        outcome: failure === null ? 'success' : 'failure',
        detail: { reason, ...(failure === null ? { sessionsEnded } : { failure }) },
      });
      return renderResult(
        c,
        staff,
        'require_change',
        subject,
        failure === null
          ? { kind: 'done', message: c.var.t.helpdesk.requireChangeDone(subject.account.displayName, sessionsEnded) }
          : { kind: failure },
      );
    }),
  );

  routes.post(
    ISSUE_PASS_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const { reason, error } = readReason(t, form);
      const minutes = Number(field(form, 'validMinutes'));
      const use = field(form, 'use');
      const errors: FieldError[] = [];
      const validMinutes = (PASS_VALIDITY_CHOICES as readonly number[]).includes(minutes) ? minutes : null;
      if (validMinutes === null) errors.push({ field: 'valid-minutes', message: t.helpdesk.passValidityInvalid });
      if (use !== 'single' && use !== 'reusable') errors.push({ field: 'use-single', message: t.helpdesk.passUseInvalid });
      if (error !== null) errors.push(error);
      const singleUse = use !== 'reusable';
      if (errors.length > 0 || validMinutes === null) {
        return renderConfirm(c, staff, 'issue_pass', subject, null, { reason, validMinutes: validMinutes ?? undefined, singleUse }, errors);
      }
      const { securityInfo, clock } = c.var.services;
      const id = subject.account.id;
      const pass = await securityInfo.issuePass(id, { singleUse, validMinutes, issuedBy: staff.session.accountId });
      // The pass itself is never logged or audited: only that one was issued, for how long, by whom and why.
      await auditStaff(c, staff, {
        type: auditType.issue_pass,
        subject: id,
        outcome: 'success',
        detail: { reason, singleUse, validMinutes },
      });
      return renderPage(
        c,
        { title: t.helpdesk.passDoneTitle },
        <PassIssuedPage
          t={t}
          roles={staff.roles}
          account={subject.account}
          pass={pass}
          validUntil={new Date(clock.now().getTime() + validMinutes * MINUTE)}
          singleUse={singleUse}
        />,
      );
    }),
  );

  routes.post(
    REMOVE_METHOD_PATH,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      const form = await readForm(c);
      const subject = await loadSubject(c, staff, field(form, 'id'));
      if (subject instanceof Response) return subject;
      const method = await loadMethod(c, subject.account.id, field(form, 'method'));
      if (method === null) return pageOf(c, staff, t.helpdesk.removeTitle, t.helpdesk.methodNotFound, 404);
      const { reason, error } = readReason(t, form);
      if (error !== null) return renderConfirm(c, staff, 'remove_method', subject, method, { reason }, [error]);
      const id = subject.account.id;
      // removeMethod tells the user's other channels (and the removed one), as for a change they make themselves.
      const removed = await c.var.services.securityInfo.removeMethod(id, method.id);
      await auditStaff(c, staff, {
        type: auditType.remove_method,
        subject: id,
        outcome: removed ? 'success' : 'refused',
        detail: { reason, method: method.kind, methodId: method.id, ...(removed ? {} : { failure: 'last_method' }) },
      });
      return renderResult(
        c,
        staff,
        'remove_method',
        subject,
        removed
          ? { kind: 'done', message: t.helpdesk.removeDone(methodTitle(t, method)) }
          : { kind: 'refused', message: t.helpdesk.removeRefusedLast },
      );
    }),
  );
}
