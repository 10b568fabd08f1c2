// The staff area's routes: the start page here, then each section's own registration. Every
// handler is wrapped in staffOnly (signed in, staff role, recent second step); the zone guard
// (staffZoneGuard in app.tsx) has already refused anyone outside admin.zones.

import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';
import { registerAuditRoutes } from './audit/audit-routes.tsx';
import { registerCampaignRoutes } from './campaigns/campaign-routes.tsx';
import { registerHelpdeskRoutes } from './helpdesk/helpdesk-routes.tsx';
import { registerReportRoutes } from './reports/report-routes.tsx';
import { ADMIN_BASE, staffOnly } from './staff-access.tsx';
import { StaffHomePage } from './staff-pages.tsx';

export function registerStaffRoutes(routes: RouteTable): void {
  routes.get(
    ADMIN_BASE,
    staffOnly('helpdesk', async (c, staff) => {
      const { t } = c.var;
      return renderPage(c, { title: t.admin.title }, <StaffHomePage t={t} roles={staff.roles} displayName={staff.account.displayName} />);
    }),
  );
  registerReportRoutes(routes);
  registerAuditRoutes(routes);
  registerHelpdeskRoutes(routes);
  registerCampaignRoutes(routes);
}
