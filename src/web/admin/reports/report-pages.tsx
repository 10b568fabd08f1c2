// The reports page (/admin/reports): the period form, registration coverage by department, the
// activity per day and the commonest failure reasons, each as a chart with its figures in a
// table and a CSV download beside it.

import type { Catalog } from '../../../i18n/catalog.ts';
import { dateTimeFormat, numberFormat } from '../../../i18n/intl-formats.ts';
import type { ActivityReport } from '../../../reports/activity-report.ts';
import { ACTIVITY_KINDS } from '../../../reports/activity-report.ts';
import { percentOf, type RegistrationCoverage } from '../../../reports/registration-coverage.ts';
import type { PeriodProblem, ReportPeriod } from '../../../reports/report-period.ts';
import type { FailureReasonCount } from '../../../reports/report-queries.ts';
import { ErrorSummary, type FieldError } from '../../components/form-fields.tsx';
import { BarChart, TimeSeriesChart } from '../charts.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';

export const REPORTS_PATH = '/admin/reports';
export const REPORTS_CSV_PATH = '/admin/reports/csv';

/** Number and date formats in the page's language. */
export function reportFormats(t: Catalog) {
  const number = numberFormat(t.meta.locale);
  const percent = numberFormat(t.meta.locale, { style: 'percent', maximumFractionDigits: 1 });
  const date = dateTimeFormat(t.meta.locale, { dateStyle: 'medium' });
  return {
    number: (n: number) => number.format(n),
    /** `p` in percent (0–100). */
    percent: (p: number) => percent.format(p / 100),
    /** A YYYY-MM-DD day. */
    day: (iso: string) => {
      const [y, m, d] = iso.split('-').map(Number);
      return date.format(new Date(y as number, (m as number) - 1, d as number));
    },
  };
}

/** A failure reason in plain words where the catalog has them, else the raw reason. */
export function reasonLabel(t: Catalog, reason: FailureReasonCount): string {
  // reset.verify failures carry no reason: a wrong code (or a passkey that didn't verify).
  const key = reason.reason ?? (reason.type === 'reset.verify' ? 'wrong_code' : null);
  if (key === null) return t.reports.reasonUnspecified;
  return t.reports.reasons[key] ?? key;
}

/** An event type in plain words where the catalog has them, else the raw type. */
export function eventTypeLabel(t: Catalog, type: string): string {
  return t.reports.audit.types[type] ?? type;
}

export interface PeriodFormState {
  from: string;
  to: string;
  problems: readonly PeriodProblem[];
}

export function periodErrors(t: Catalog, problems: readonly PeriodProblem[]): FieldError[] {
  return problems.map((problem) => ({
    field: problem === 'to_invalid' ? 'period-to' : 'period-from',
    message: t.reports.periodProblems[problem],
  }));
}

/** A date input with its label, hint and error (the same markup as TextField). */
export function DateField(props: {
  t: Catalog;
  id: string;
  name: string;
  label: string;
  hint: string;
  value: string;
  errors: readonly FieldError[];
}) {
  const errors = props.errors.filter((e) => e.field === props.id);
  const hintId = `${props.id}-hint`;
  const errorId = `${props.id}-error`;
  return (
    <div class={errors.length === 0 ? 'field' : 'field field--error'}>
      <label class="field__label" for={props.id}>
        {props.label}
      </label>
      <p id={hintId} class="field__hint">
        {props.hint}
      </p>
      {errors.map((error) => (
        <p id={errorId} class="field__error">
          <span class="visually-hidden">{props.t.form.errorPrefix} </span>
          {error.message}
        </p>
      ))}
      <input
        class="field__input field__input--date"
        id={props.id}
        name={props.name}
        type="date"
        value={props.value}
        aria-describedby={errors.length === 0 ? hintId : `${hintId} ${errorId}`}
        aria-invalid={errors.length === 0 ? undefined : 'true'}
      />
    </div>
  );
}

function PeriodForm(props: { t: Catalog; state: PeriodFormState }) {
  const { t, state } = props;
  const errors = periodErrors(t, state.problems);
  return (
    <form method="get" action={REPORTS_PATH} class="report-filter" novalidate>
      <fieldset class="report-filter__fieldset">
        <legend>{t.reports.periodLegend}</legend>
        <div class="report-filter__fields">
          <DateField
            t={t}
            id="period-from"
            name="from"
            label={t.reports.periodFrom}
            hint={t.reports.periodHint}
            value={state.from}
            errors={errors}
          />
          <DateField
            t={t}
            id="period-to"
            name="to"
            label={t.reports.periodTo}
            hint={t.reports.periodHint}
            value={state.to}
            errors={errors}
          />
        </div>
        <button type="submit" class="button">
          {t.reports.periodShow}
        </button>
      </fieldset>
    </form>
  );
}

function CsvLink(props: { t: Catalog; table: 'coverage' | 'activity' | 'reasons'; period: ReportPeriod | null; what: string }) {
  const query = new URLSearchParams({ table: props.table });
  if (props.period !== null) {
    query.set('from', props.period.from);
    query.set('to', props.period.to);
  }
  return (
    <p class="report-download">
      <a href={`${REPORTS_CSV_PATH}?${query.toString()}`} download>
        {props.t.reports.downloadCsv(props.what)}
      </a>
    </p>
  );
}

function CoverageSection(props: { t: Catalog; coverage: RegistrationCoverage }) {
  const { t, coverage } = props;
  const f = reportFormats(t);
  const rows = [
    { label: t.reports.overall, counts: coverage.overall },
    ...coverage.departments.map((d) => ({ label: d.department ?? t.reports.noDepartment, counts: d })),
  ];
  const { overall } = coverage;
  return (
    <section class="report-section" aria-labelledby="coverage-heading">
      <h2 id="coverage-heading">{t.reports.coverageTitle}</h2>
      <p>{t.reports.coverageIntro}</p>
      {overall.accounts === 0 ? (
        <p>{t.reports.noAccounts}</p>
      ) : (
        <>
          <dl class="summary report-summary">
            <div class="summary__row">
              <dt>{t.reports.coverageAccounts}</dt>
              <dd>{f.number(overall.accounts)}</dd>
            </div>
            <div class="summary__row">
              <dt>{t.reports.coverageWithOne}</dt>
              <dd>{t.reports.coverageSummary(f.number(overall.withOne), f.percent(percentOf(overall.withOne, overall.accounts)))}</dd>
            </div>
            <div class="summary__row">
              <dt>{t.reports.coverageWithTwo}</dt>
              <dd>{t.reports.coverageSummary(f.number(overall.withTwo), f.percent(percentOf(overall.withTwo, overall.accounts)))}</dd>
            </div>
          </dl>
          <BarChart
            id="coverage-chart"
            title={t.reports.coverageChartTitle}
            description={t.reports.coverageChartDescription}
            locale={t.meta.locale}
            emptyText={t.reports.noAccounts}
            categoryHeading={t.reports.department}
            categories={rows.map((r) => r.label)}
            series={[
              { name: t.reports.coverageWithOne, values: rows.map((r) => percentOf(r.counts.withOne, r.counts.accounts)) },
              { name: t.reports.coverageWithTwo, values: rows.map((r) => percentOf(r.counts.withTwo, r.counts.accounts)) },
            ]}
            max={100}
            formatValue={f.percent}
          />
          <section class="table-wrap" aria-labelledby="coverage-table-caption" tabindex={0}>
            <table class="report-table">
              <caption id="coverage-table-caption">{t.reports.coverageTableCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.reports.department}</th>
                  <th scope="col" class="chart-table__number">
                    {t.reports.coverageAccounts}
                  </th>
                  <th scope="col" class="chart-table__number">
                    {t.reports.countOf(t.reports.coverageWithOne)}
                  </th>
                  <th scope="col" class="chart-table__number">
                    {t.reports.shareOf(t.reports.coverageWithOne)}
                  </th>
                  <th scope="col" class="chart-table__number">
                    {t.reports.countOf(t.reports.coverageWithTwo)}
                  </th>
                  <th scope="col" class="chart-table__number">
                    {t.reports.shareOf(t.reports.coverageWithTwo)}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr>
                    <th scope="row">{row.label}</th>
                    <td class="chart-table__number">{f.number(row.counts.accounts)}</td>
                    <td class="chart-table__number">{f.number(row.counts.withOne)}</td>
                    <td class="chart-table__number">{f.percent(percentOf(row.counts.withOne, row.counts.accounts))}</td>
                    <td class="chart-table__number">{f.number(row.counts.withTwo)}</td>
                    <td class="chart-table__number">{f.percent(percentOf(row.counts.withTwo, row.counts.accounts))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <CsvLink t={t} table="coverage" period={null} what={t.reports.coverageCsvName} />
        </>
      )}
    </section>
  );
}

function ActivitySection(props: { t: Catalog; period: ReportPeriod; activity: ActivityReport }) {
  const { t, period, activity } = props;
  const f = reportFormats(t);
  return (
    <section class="report-section" aria-labelledby="activity-heading">
      <h2 id="activity-heading">{t.reports.activityTitle}</h2>
      <p>{t.reports.activityIntro}</p>
      <dl class="summary report-summary">
        {ACTIVITY_KINDS.map((kind) => (
          <div class="summary__row">
            <dt>{t.reports.activityKinds[kind]}</dt>
            <dd>{f.number(activity.totals[kind])}</dd>
          </div>
        ))}
      </dl>
      <TimeSeriesChart
        id="activity-chart"
        title={t.reports.activityChartTitle}
        description={t.reports.activityChartDescription}
        locale={t.meta.locale}
        emptyText={t.reports.noDays}
        dayHeading={t.reports.day}
        days={period.days}
        formatDay={f.day}
        formatValue={f.number}
        series={ACTIVITY_KINDS.map((kind) => ({ name: t.reports.activityKinds[kind], values: activity.days.map((d) => d[kind]) }))}
        table="visible"
      />
      <CsvLink t={t} table="activity" period={period} what={t.reports.activityCsvName} />
    </section>
  );
}

function ReasonsSection(props: { t: Catalog; period: ReportPeriod; reasons: readonly FailureReasonCount[] }) {
  const { t, period, reasons } = props;
  const f = reportFormats(t);
  return (
    <section class="report-section" aria-labelledby="reasons-heading">
      <h2 id="reasons-heading">{t.reports.reasonsTitle}</h2>
      <p>{t.reports.reasonsIntro}</p>
      {reasons.length === 0 ? (
        <p>{t.reports.noReasons}</p>
      ) : (
        <>
          <BarChart
            id="reasons-chart"
            title={t.reports.reasonsTitle}
            locale={t.meta.locale}
            emptyText={t.reports.noReasons}
            categoryHeading={t.reports.reasonsReason}
            categories={reasons.map((r) => `${reasonLabel(t, r)} (${eventTypeLabel(t, r.type)})`)}
            series={[{ name: t.reports.reasonsCount, values: reasons.map((r) => r.count) }]}
            formatValue={f.number}
          />
          <section class="table-wrap" aria-labelledby="reasons-table-caption" tabindex={0}>
            <table class="report-table">
              <caption id="reasons-table-caption">{t.reports.reasonsTableCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.reports.reasonsReason}</th>
                  <th scope="col">{t.reports.reasonsEvent}</th>
                  <th scope="col" class="chart-table__number">
                    {t.reports.reasonsCount}
                  </th>
                </tr>
              </thead>
              <tbody>
                {reasons.map((r) => (
                  <tr>
                    <th scope="row">{reasonLabel(t, r)}</th>
                    <td>{eventTypeLabel(t, r.type)}</td>
                    <td class="chart-table__number">{f.number(r.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <CsvLink t={t} table="reasons" period={period} what={t.reports.reasonsCsvName} />
        </>
      )}
    </section>
  );
}

export function ReportsPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  form: PeriodFormState;
  coverage: RegistrationCoverage;
  /** Null when the period typed was not valid (the form shows why). */
  period: ReportPeriod | null;
  activity: ActivityReport | null;
}) {
  const { t, period, activity } = props;
  const f = reportFormats(t);
  return (
    <StaffFrame t={t} roles={props.roles} current="reports">
      <ErrorSummary t={t} errors={periodErrors(t, props.form.problems)} />
      <h1>{t.reports.title}</h1>
      <p class="lead">{t.reports.intro}</p>
      <PeriodForm t={t} state={props.form} />
      {period === null ? null : <p>{t.reports.periodShown(f.day(period.from), f.day(period.to))}</p>}
      <CoverageSection t={t} coverage={props.coverage} />
      {period === null || activity === null ? null : (
        <>
          <ActivitySection t={t} period={period} activity={activity} />
          <ReasonsSection t={t} period={period} reasons={activity.reasons} />
        </>
      )}
    </StaffFrame>
  );
}
