// A campaign's page: changed / pending / locked as numbers and shares (words, not colour), a chart
// over time and a chart and table by department (server-rendered SVG with their figures as text),
// the CSV export of who is still pending, the settings, and the way to cancel.

import type { Campaign, CampaignProgress, DepartmentProgress, ProgressSnapshot } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { BarChart, TimeSeriesChart } from '../charts.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { CampaignSummary } from './campaign-confirm-page.tsx';
import { formatCount, formatDay, formatDeadline, formatShare, isoDayOf, stateLabel } from './campaign-format.ts';
import { CAMPAIGNS_BASE, cancelHref, exportHref } from './campaign-paths.ts';

export type CampaignNotice = 'started' | 'cancelled' | null;

/** The last snapshot of each day, oldest first: one point per day for the chart. */
export function dailyPoints(snapshots: readonly ProgressSnapshot[]): { day: string; point: ProgressSnapshot }[] {
  const byDay = new Map<string, ProgressSnapshot>();
  for (const snapshot of [...snapshots].sort((a, b) => a.at.getTime() - b.at.getTime())) byDay.set(isoDayOf(snapshot.at), snapshot);
  return [...byDay].map(([day, point]) => ({ day, point }));
}

function Figure(props: { t: Catalog; label: string; value: number; total: number; showShare?: boolean }) {
  return (
    <li class="campaign-figure">
      {/* Spaces between the parts, so they are read (and copied) as "3 Changed 25 % of all", not "3Changed25 %". */}
      <span class="campaign-figure__number">{formatCount(props.t, props.value)}</span>{' '}
      <span class="campaign-figure__label">{props.label}</span>
      {props.showShare === false ? null : (
        <>
          {' '}
          <span class="campaign-figure__share">{props.t.campaigns.figureShare(formatShare(props.t, props.value, props.total))}</span>
        </>
      )}
    </li>
  );
}

export function CampaignProgressPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  campaign: Campaign;
  progress: CampaignProgress;
  overTime: readonly ProgressSnapshot[];
  byDepartment: readonly DepartmentProgress[];
  notice: CampaignNotice;
}) {
  const { t, campaign, progress } = props;
  const tc = t.campaigns;
  const days = dailyPoints(props.overTime);
  const departments = props.byDepartment.map((d) => ({ ...d, name: d.department ?? tc.noDepartment }));
  const isActive = campaign.status === 'draft' || campaign.status === 'running';
  return (
    <StaffFrame t={t} roles={props.roles} current="campaigns">
      {props.notice === null ? null : (
        <div class="notice notice--success" role="status">
          <p>{props.notice === 'started' ? tc.startedNotice : tc.cancelledNotice}</p>
        </div>
      )}
      <h1>{campaign.title}</h1>
      <p class="lead">
        {tc.campaignLead(formatDeadline(t, campaign.deadline))} {tc.columnState}:{' '}
        <span class="campaign-state">{stateLabel(t, campaign.status)}</span>
      </p>

      <h2>{tc.progressHeading}</h2>
      <ul class="campaign-figures" aria-label={tc.figuresLabel}>
        <Figure t={t} label={tc.figureChanged} value={progress.changed} total={progress.total} />
        <Figure t={t} label={tc.figurePending} value={progress.pending} total={progress.total} />
        <Figure t={t} label={tc.figureLocked} value={progress.locked} total={progress.total} />
        <Figure t={t} label={tc.figureTotal} value={progress.total} total={progress.total} showShare={false} />
      </ul>
      <p>{tc.marked(formatCount(t, progress.marked), formatCount(t, progress.total))}</p>

      <section class="campaign-section" aria-labelledby="over-time-heading">
        <h2 id="over-time-heading">{tc.overTimeHeading}</h2>
        <TimeSeriesChart
          id="campaign-over-time"
          title={tc.overTimeTitle}
          description={tc.overTimeDescription}
          locale={t.meta.locale}
          emptyText={tc.overTimeEmpty}
          table="visible"
          dayHeading={tc.dayHeading}
          days={days.map((d) => d.day)}
          formatDay={(day) => formatDay(t, day)}
          series={[
            { name: tc.figureChanged, values: days.map((d) => d.point.changed) },
            { name: tc.figurePending, values: days.map((d) => d.point.pending) },
            { name: tc.figureLocked, values: days.map((d) => d.point.locked) },
          ]}
        />
      </section>

      <section class="campaign-section" aria-labelledby="by-department-heading">
        <h2 id="by-department-heading">{tc.byDepartmentHeading}</h2>
        <BarChart
          id="campaign-by-department"
          title={tc.byDepartmentTitle}
          description={tc.byDepartmentDescription}
          locale={t.meta.locale}
          emptyText={tc.byDepartmentEmpty}
          categoryHeading={tc.departmentHeading}
          categories={departments.map((d) => d.name)}
          max={100}
          formatValue={(value) => formatShare(t, value, 100)}
          series={[{ name: tc.shareChanged, values: departments.map((d) => (d.total === 0 ? 0 : (d.changed / d.total) * 100)) }]}
        />
        {departments.length === 0 ? null : (
          <div class="table-wrap">
            <table class="campaign-table" id="campaign-departments">
              <caption>{tc.byDepartmentCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{tc.departmentHeading}</th>
                  <th scope="col" class="number">
                    {tc.columnChanged}
                  </th>
                  <th scope="col" class="number">
                    {tc.columnPending}
                  </th>
                  <th scope="col" class="number">
                    {tc.columnLocked}
                  </th>
                  <th scope="col" class="number">
                    {tc.columnTotal}
                  </th>
                  <th scope="col" class="number">
                    {tc.shareChanged}
                  </th>
                </tr>
              </thead>
              <tbody>
                {departments.map((d) => (
                  <tr>
                    <th scope="row">{d.name}</th>
                    <td class="number">{formatCount(t, d.changed)}</td>
                    <td class="number">{formatCount(t, d.pending)}</td>
                    <td class="number">{formatCount(t, d.locked)}</td>
                    <td class="number">{formatCount(t, d.total)}</td>
                    <td class="number">{formatShare(t, d.changed, d.total)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="campaign-section" aria-labelledby="export-heading">
        <h2 id="export-heading">{tc.exportHeading}</h2>
        <p>{tc.exportText}</p>
        <p>
          <a href={exportHref(campaign.id)} download>
            {tc.exportLink}
          </a>
        </p>
      </section>

      <section class="campaign-section" aria-labelledby="settings-heading">
        <h2 id="settings-heading">{tc.settingsHeading}</h2>
        <CampaignSummary t={t} campaign={campaign} />
      </section>

      <div class="campaign-actions">
        {isActive ? (
          <a class="button button--secondary" href={cancelHref(campaign.id)}>
            {tc.cancelCampaign}
          </a>
        ) : null}
        <a href={CAMPAIGNS_BASE}>{tc.backToList}</a>
      </div>
    </StaffFrame>
  );
}
