// The helpdesk pages (/admin/helpdesk): find a user, the user page, verify a caller, and the
// actions (unlock, require a password change, issue a one-time pass, remove a lost method), each
// behind a confirmation with a required reason. Every handler runs inside staffOnly('helpdesk')
// (zone, session, role, recent second step). Every action and every caller check is audited
// with the agent's name (and the reason), whether it worked or not; a directory that can't be
// reached gets the plain-words notice and nothing is changed.

import type { Context } from 'hono';
import type { DirectoryAccount } from '../../../directory/directory.ts';
import { isNyckelError } from '../../../domain/errors.ts';
import type { FieldError } from '../../components/form-fields.tsx';
import type { WebEnv } from '../../context.ts';
import { field, readForm } from '../../form.ts';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { type Staff, staffOnly } from '../staff-access.tsx';
import { registerHelpdeskActionRoutes } from './action-routes.tsx';
import { HELPDESK_PATH, helpdeskHref, USER_PATH } from './helpdesk-paths.ts';
import { auditStaff, loadSubject, MINUTE, pageOf } from './helpdesk-subject.tsx';
import { HelpdeskSearchPage } from './search-page.tsx';
import { type CallerVerification, HelpdeskUserPage } from './user-page.tsx';
import { registerCallerVerificationRoutes } from './verify-routes.tsx';

/** Searches per staff session: plenty for a helpdesk shift, too few for a stolen session to list who exists. */
export const SEARCH_LIMIT = { limit: 30, windowMinutes: 10 } as const;
/** The longest search term (an e-mail address is at most 254 characters, RFC 5321). */
export const MAX_SEARCH_LENGTH = 254;
/** A caller verification counts on the user page for this long (one call, not a standing trust). */
export const CALLER_VERIFIED_FRESH_MINUTES = 60;
/** How many of the account's events the user page shows. */
export const RECENT_EVENTS = 20;

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

  registerCallerVerificationRoutes(routes);
  registerHelpdeskActionRoutes(routes);
}
