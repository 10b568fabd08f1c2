// Who may use the staff area (/admin…) and from where. In this order, so that the cheapest and
// least revealing check comes first:
//   1. the network zone (admin.zones): outside it, every /admin path answers the same 403 page
//      and nothing else is looked at (the area doesn't even reveal whether you are signed in);
//   2. a signed-in session (else to the sign-in page);
//   3. a staff role (admin.roles, by username or directory group; else a 403 page);
//   4. a second step proved in this session within admin.recentSecondStepMinutes (else the
//      re-verification step, then back; an account without methods is asked to add one first).
// Refusals are audited, so a probe from outside the office or by a non-staff account shows up.

import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../../config/schema.ts';
import type { DirectoryAccount } from '../../directory/directory.ts';
import { beginReverify } from '../../flows/second-step/flow.ts';
import { NetworkZones } from '../../security/network-zones.ts';
import type { WebEnv } from '../context.ts';
import { renderPage } from '../render.tsx';
import { REVERIFY_PATH } from '../routes/second-step-routes.tsx';
import { type ActiveSession, updateSessionData } from '../session.ts';
import { StaffForbiddenPage, StaffNeedsMethodPage, ZoneRefusedPage } from './staff-pages.tsx';
import { type StaffRole, staffRolesOf } from './staff-roles.ts';

export const ADMIN_BASE = '/admin';

/** The signed-in staff member a staff page works for. */
export interface Staff {
  session: ActiveSession;
  account: DirectoryAccount;
  roles: ReadonlySet<StaffRole>;
}

export type StaffHandler = (c: Context<WebEnv>, staff: Staff) => Promise<Response>;

const zonesByConfig = new WeakMap<Config, NetworkZones>();
function zonesOf(config: Config): NetworkZones {
  let zones = zonesByConfig.get(config);
  if (zones === undefined) {
    zones = new NetworkZones(config.networkZones);
    zonesByConfig.set(config, zones);
  }
  return zones;
}

export function isStaffPath(path: string): boolean {
  return path === ADMIN_BASE || path.startsWith(`${ADMIN_BASE}/`);
}

/** True when the client may reach the staff area from where it is (the client address is the proxy-aware one). */
export function isInStaffZone(c: Context<WebEnv>): boolean {
  const { config } = c.var.services;
  return zonesOf(config).isInAny(c.var.clientIp, config.admin.zones);
}

/**
 * Step 1 for every /admin path, known or not: outside the zones, the 403 page. Runs before the
 * CSRF check and the routes, so a POST from outside is refused the same way and changes nothing.
 */
export function staffZoneGuard(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!isStaffPath(c.req.path) || isInStaffZone(c)) return next();
    const { store, clock } = c.var.services;
    await store.appendAudit(
      {
        type: 'admin.zone_refused',
        actor: c.var.session?.accountId ?? null,
        ip: c.var.clientIp,
        outcome: 'refused',
        detail: { path: c.req.path.slice(0, 200), method: c.req.method },
      },
      clock.now(),
    );
    c.var.log.warn({ path: c.req.path }, 'staff area refused outside its network zones');
    const { t } = c.var;
    return renderPage(c, { title: t.admin.zoneRefusedTitle, status: 403 }, <ZoneRefusedPage t={t} />);
  };
}

/** Steps 2–4, then the handler with the staff member. `role` is the least role the page needs. */
export function staffOnly(role: StaffRole, handler: StaffHandler): (c: Context<WebEnv>) => Promise<Response> {
  return async (c) => {
    // The zone guard has run for every staff path; checked again so a route registered elsewhere can't skip it.
    if (!isInStaffZone(c)) throw new Error(`staff route ${c.req.path} reached outside the staff zones`);
    const session = c.var.session;
    if (session === null) return c.redirect('/sign-in', 303);
    const { directory, config, clock, store, securityInfo } = c.var.services;
    const account = await directory.getAccount(session.accountId);
    const roles = account === null ? new Set<StaffRole>() : await staffRolesOf(config, account, (a) => directory.groupsOf(a.id));
    if (account === null || !roles.has(role)) {
      await store.appendAudit(
        {
          type: 'admin.forbidden',
          actor: session.accountId,
          ip: c.var.clientIp,
          outcome: 'refused',
          detail: { path: c.req.path.slice(0, 200), needs: role },
        },
        clock.now(),
      );
      const { t } = c.var;
      return renderPage(c, { title: t.admin.forbiddenTitle, status: 403 }, <StaffForbiddenPage t={t} />);
    }
    const proved = session.data.lastSecondStepAt;
    const maxAgeMs = config.admin.recentSecondStepMinutes * 60_000;
    if (proved === undefined || clock.now().getTime() - proved > maxAgeMs) {
      const methods = await securityInfo.listMethods(session.accountId);
      const state = beginReverify(methods);
      if (state === null) {
        const { t } = c.var;
        return renderPage(c, { title: t.admin.needsMethodTitle, status: 403 }, <StaffNeedsMethodPage t={t} />);
      }
      // Back to the page asked for (a GET), or to the staff start page after a POST.
      const returnTo = c.req.method === 'GET' ? c.req.path : ADMIN_BASE;
      await updateSessionData(c, session, { ...session.data, reverify: { state, returnTo } });
      return c.redirect(REVERIFY_PATH, 303);
    }
    return handler(c, { session, account, roles });
  };
}
