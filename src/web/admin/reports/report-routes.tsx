// The reports routes (admin role): /admin/reports (the page, for a period from the query) and
// /admin/reports/csv?table=coverage|activity|reasons (each table as a CSV download).

import type { Context } from 'hono';
import type { Catalog } from '../../../i18n/catalog.ts';
import { ACTIVITY_KINDS, type ActivityReport, measureActivity } from '../../../reports/activity-report.ts';
import { type CsvCell, csvFileName, toCsv } from '../../../reports/csv.ts';
import { measureRegistrationCoverage, percentOf, type RegistrationCoverage } from '../../../reports/registration-coverage.ts';
import { type PeriodResult, parsePeriod } from '../../../reports/report-period.ts';
import { ReportQueries } from '../../../reports/report-queries.ts';
import type { WebEnv } from '../../context.ts';
import { notFoundPage } from '../../error-responses.tsx';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { type Staff, staffOnly } from '../staff-access.tsx';
import { eventTypeLabel, REPORTS_CSV_PATH, REPORTS_PATH, ReportsPage, reasonLabel } from './report-pages.tsx';

const CSV_TABLES = ['coverage', 'activity', 'reasons'] as const;
type CsvTable = (typeof CSV_TABLES)[number];

function queriesOf(c: Context<WebEnv>): ReportQueries {
  const { store } = c.var.services;
  return new ReportQueries(store.db, store.dialect);
}

function periodFromQuery(c: Context<WebEnv>): PeriodResult {
  return parsePeriod(c.req.query('from'), c.req.query('to'), c.var.services.clock.now());
}

async function renderReports(c: Context<WebEnv>, staff: Staff, parsed: PeriodResult): Promise<Response> {
  const { t } = c.var;
  const queries = queriesOf(c);
  const coverage = await measureRegistrationCoverage(c.var.services.directory, queries);
  const activity = parsed.ok ? await measureActivity(queries, parsed.period) : null;
  const form = parsed.ok ? { from: parsed.period.from, to: parsed.period.to, problems: [] } : parsed;
  return renderPage(
    c,
    { title: t.reports.title, hasErrors: !parsed.ok, status: parsed.ok ? 200 : 400 },
    <ReportsPage t={t} roles={staff.roles} form={form} coverage={coverage} period={parsed.ok ? parsed.period : null} activity={activity} />,
  );
}

function coverageCsv(t: Catalog, coverage: RegistrationCoverage): string {
  const rows: CsvCell[][] = [
    { label: t.reports.overall, c: coverage.overall },
    ...coverage.departments.map((d) => ({ label: d.department ?? t.reports.noDepartment, c: d })),
  ].map(({ label, c }) => [label, c.accounts, c.withOne, percentOf(c.withOne, c.accounts), c.withTwo, percentOf(c.withTwo, c.accounts)]);
  const header = [
    t.reports.department,
    t.reports.coverageAccounts,
    t.reports.countOf(t.reports.coverageWithOne),
    `${t.reports.shareOf(t.reports.coverageWithOne)} (%)`,
    t.reports.countOf(t.reports.coverageWithTwo),
    `${t.reports.shareOf(t.reports.coverageWithTwo)} (%)`,
  ];
  return toCsv(header, rows);
}

function activityCsv(t: Catalog, activity: ActivityReport): string {
  const header = [t.reports.day, ...ACTIVITY_KINDS.map((kind) => t.reports.activityKinds[kind])];
  return toCsv(
    header,
    activity.days.map((d) => [d.day, ...ACTIVITY_KINDS.map((kind) => d[kind])]),
  );
}

function reasonsCsv(t: Catalog, activity: ActivityReport): string {
  const header = [t.reports.reasonsReason, t.reports.reasonsEvent, t.reports.reasonsCount];
  return toCsv(
    header,
    activity.reasons.map((r) => [reasonLabel(t, r), eventTypeLabel(t, r.type), r.count]),
  );
}

export function registerReportRoutes(routes: RouteTable): void {
  routes.get(
    REPORTS_PATH,
    staffOnly('admin', async (c, staff) => renderReports(c, staff, periodFromQuery(c))),
  );

  routes.get(
    REPORTS_CSV_PATH,
    staffOnly('admin', async (c, staff) => {
      const table = c.req.query('table') as CsvTable | undefined;
      if (table === undefined || !CSV_TABLES.includes(table)) return notFoundPage(c);
      const parsed = periodFromQuery(c);
      // A bad period gets the page with the form's error messages, not a file.
      if (!parsed.ok) return renderReports(c, staff, parsed);
      const { t } = c.var;
      const queries = queriesOf(c);
      let body: string;
      let name: string;
      if (table === 'coverage') {
        body = coverageCsv(t, await measureRegistrationCoverage(c.var.services.directory, queries));
        name = csvFileName(`nyckel-coverage-${parsed.period.to}`);
      } else {
        const activity = await measureActivity(queries, parsed.period);
        body = table === 'activity' ? activityCsv(t, activity) : reasonsCsv(t, activity);
        name = csvFileName(`nyckel-${table}-${parsed.period.from}-${parsed.period.to}`);
      }
      return c.body(body, 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        // attachment: the browser saves the file instead of showing it (it never renders as a page).
        'Content-Disposition': `attachment; filename="${name}"`,
      });
    }),
  );
}
