// The audit view's route (admin role): /admin/audit, filtered by the query (type prefix, user,
// actor, outcome, from, to) and paged by event id (before / after). Users and actors are typed
// as usernames and looked up in the directory, or given as raw account ids.

import type { Context } from 'hono';
import { type AuditFilter, AuditQueries } from '../../../audit/audit-queries.ts';
import { parseLocalDay } from '../../../reports/report-period.ts';
import type { WebEnv } from '../../context.ts';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { staffOnly } from '../staff-access.tsx';
import { AUDIT_OUTCOMES, AUDIT_PATH, type AuditFilterError, type AuditFilterInput, AuditPage, auditQueryString } from './audit-pages.tsx';

const TEXT_MAX = 256;
const TYPE_PATTERN = /^[a-z0-9_.]*$/;

function readInput(c: Context<WebEnv>): AuditFilterInput {
  const read = (name: string) => (c.req.query(name) ?? '').trim();
  return {
    type: read('type').toLowerCase(),
    user: read('user'),
    actor: read('actor'),
    outcome: read('outcome'),
    from: read('from'),
    to: read('to'),
  };
}

/** A positive integer id from the query, or undefined (a tampered cursor just starts from the newest). */
function readCursor(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  const id = Number(value);
  return id > 0 ? id : undefined;
}

function nextDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1);
}

export function registerAuditRoutes(routes: RouteTable): void {
  routes.get(
    AUDIT_PATH,
    staffOnly('admin', async (c, staff) => {
      const { t } = c.var;
      const { directory, store } = c.var.services;
      const input = readInput(c);
      const errors: AuditFilterError[] = [];
      const notices: string[] = [];
      const filter: AuditFilter = {};

      if (input.type.length > TEXT_MAX) errors.push({ field: 'audit-type', problem: 'too_long_text' });
      else if (!TYPE_PATTERN.test(input.type)) errors.push({ field: 'audit-type', problem: 'type_invalid' });
      else if (input.type !== '') filter.typePrefix = input.type;

      // A username is looked up in the directory; anything else is taken as a raw account id.
      const resolve = async (text: string, field: 'audit-user' | 'audit-actor'): Promise<string | undefined> => {
        if (text === '') return undefined;
        if (text.length > TEXT_MAX) {
          errors.push({ field, problem: 'too_long_text' });
          return undefined;
        }
        const account = await directory.findAccount(text);
        if (account !== null) return account.id;
        notices.push(t.reports.audit.userNotFound(text));
        return text;
      };
      filter.subject = await resolve(input.user, 'audit-user');
      filter.actor = await resolve(input.actor, 'audit-actor');

      if ((AUDIT_OUTCOMES as readonly string[]).includes(input.outcome)) filter.outcome = input.outcome as AuditFilter['outcome'];

      const from = input.from === '' ? null : parseLocalDay(input.from);
      const to = input.to === '' ? null : parseLocalDay(input.to);
      if (from === null && input.from !== '') errors.push({ field: 'audit-from', problem: 'from_invalid' });
      if (to === null && input.to !== '') errors.push({ field: 'audit-to', problem: 'to_invalid' });
      if (from !== null && to !== null && from.getTime() > to.getTime()) errors.push({ field: 'audit-from', problem: 'order' });
      if (from !== null) filter.from = from;
      if (to !== null) filter.to = nextDay(to);

      const title = t.reports.audit.title;
      if (errors.length > 0) {
        return renderPage(
          c,
          { title, hasErrors: true, status: 400 },
          <AuditPage
            t={t}
            roles={staff.roles}
            input={input}
            errors={errors}
            notices={[]}
            events={[]}
            names={new Map()}
            check={null}
            newerHref={null}
            olderHref={null}
          />,
        );
      }

      const queries = new AuditQueries(store.db);
      const before = readCursor(c.req.query('before'));
      const after = before === undefined ? readCursor(c.req.query('after')) : undefined;
      const page = await queries.listPage(filter, { before, after });
      const check = page.events.length === 0 ? null : await queries.checkChain(page.events);

      // Usernames for the ids on the page (each looked up once); an id the directory no longer knows shows as it is.
      const names = new Map<string, string>();
      const ids = new Set(page.events.flatMap((e) => [e.actor, e.subject]).filter((id): id is string => id !== null));
      for (const id of ids) {
        const account = await directory.getAccount(id).catch(() => null);
        if (account !== null) names.set(id, account.username);
      }

      return renderPage(
        c,
        { title },
        <AuditPage
          t={t}
          roles={staff.roles}
          input={input}
          errors={[]}
          notices={notices}
          events={page.events}
          names={names}
          check={check}
          newerHref={page.newerCursor === null ? null : auditQueryString(input, { after: page.newerCursor })}
          olderHref={page.olderCursor === null ? null : auditQueryString(input, { before: page.olderCursor })}
        />,
      );
    }),
  );
}
