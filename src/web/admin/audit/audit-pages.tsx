// The audit view (/admin/audit): the filter form, the chain check of the events shown, the
// events newest first (time, event in plain words, who did it, whom it was about, IP, outcome,
// detail) and links to newer and older pages.

import type { PageChainCheck } from '../../../audit/audit-queries.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { dateTimeFormat } from '../../../i18n/intl-formats.ts';
import type { ChainedAuditEvent } from '../../../store/store.ts';
import { ErrorSummary, type FieldError, TextField } from '../../components/form-fields.tsx';
import { DateField, eventTypeLabel } from '../reports/report-pages.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';

export const AUDIT_PATH = '/admin/audit';
const DETAIL_MAX = 300;
export const AUDIT_OUTCOMES = ['success', 'failure', 'refused', 'info'] as const;

/** The filter as typed (shown back in the form and kept in the paging links). */
export interface AuditFilterInput {
  type: string;
  user: string;
  actor: string;
  outcome: string;
  from: string;
  to: string;
}

export type AuditFilterProblem = 'type_invalid' | 'from_invalid' | 'to_invalid' | 'order' | 'too_long_text';

export interface AuditFilterError {
  field: 'audit-type' | 'audit-user' | 'audit-actor' | 'audit-from' | 'audit-to';
  problem: AuditFilterProblem;
}

export function auditQueryString(input: AuditFilterInput, position: { before?: number; after?: number }): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) if (value !== '') query.set(key, value);
  if (position.before !== undefined) query.set('before', String(position.before));
  if (position.after !== undefined) query.set('after', String(position.after));
  const text = query.toString();
  return text === '' ? AUDIT_PATH : `${AUDIT_PATH}?${text}`;
}

/** The detail object as compact JSON, cut short; the renderer escapes it. */
export function compactDetail(detail: Record<string, unknown>): string {
  if (Object.keys(detail).length === 0) return '';
  const text = JSON.stringify(detail);
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

function FilterForm(props: { t: Catalog; input: AuditFilterInput; errors: readonly FieldError[] }) {
  const { t, input, errors } = props;
  const a = t.reports.audit;
  return (
    <form method="get" action={AUDIT_PATH} class="report-filter" novalidate>
      <fieldset class="report-filter__fieldset">
        <legend>{a.filterLegend}</legend>
        <div class="report-filter__fields">
          <TextField
            t={t}
            id="audit-type"
            name="type"
            label={a.filterType}
            hint={a.filterTypeHint}
            value={input.type}
            autocomplete="off"
            errors={errors}
            isIdentifier
          />
          <TextField
            t={t}
            id="audit-user"
            name="user"
            label={a.filterUser}
            hint={a.filterUserHint}
            value={input.user}
            autocomplete="off"
            errors={errors}
            isIdentifier
          />
          <TextField
            t={t}
            id="audit-actor"
            name="actor"
            label={a.filterActor}
            hint={a.filterActorHint}
            value={input.actor}
            autocomplete="off"
            errors={errors}
            isIdentifier
          />
          <div class="field">
            <label class="field__label" for="audit-outcome">
              {a.filterOutcome}
            </label>
            <select class="field__input field__select" id="audit-outcome" name="outcome">
              <option value="" selected={input.outcome === ''}>
                {a.filterOutcomeAny}
              </option>
              {AUDIT_OUTCOMES.map((outcome) => (
                <option value={outcome} selected={input.outcome === outcome}>
                  {a.outcomes[outcome]}
                </option>
              ))}
            </select>
          </div>
          <DateField t={t} id="audit-from" name="from" label={a.filterFrom} hint={a.filterDateHint} value={input.from} errors={errors} />
          <DateField t={t} id="audit-to" name="to" label={a.filterTo} hint={a.filterDateHint} value={input.to} errors={errors} />
        </div>
        <div class="report-filter__actions">
          <button type="submit" class="button">
            {a.filterApply}
          </button>
          <a href={AUDIT_PATH}>{a.filterClear}</a>
        </div>
      </fieldset>
    </form>
  );
}

function ChainLine(props: { t: Catalog; check: PageChainCheck }) {
  const a = props.t.reports.audit;
  const { check } = props;
  if (check.intact)
    return (
      <p class="audit-chain audit-chain--intact">
        {a.chainIntact(check.checked)} {a.chainFullCheck}
      </p>
    );
  return (
    <p class="audit-chain audit-chain--broken">
      <strong>{check.reason === 'changed' ? a.chainChanged(check.id) : a.chainUnlinked(check.id)}</strong>
    </p>
  );
}

export function AuditPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  input: AuditFilterInput;
  errors: readonly AuditFilterError[];
  notices: readonly string[];
  events: readonly ChainedAuditEvent[];
  /** Account id → a name to show (username), for the actors and subjects on the page. */
  names: ReadonlyMap<string, string>;
  check: PageChainCheck | null;
  newerHref: string | null;
  olderHref: string | null;
}) {
  const { t } = props;
  const a = t.reports.audit;
  const errors: FieldError[] = props.errors.map((e) => ({ field: e.field, message: a.filterProblems[e.problem] }));
  const time = dateTimeFormat(t.meta.locale, { dateStyle: 'short', timeStyle: 'medium' });
  const who = (id: string | null) => (id === null ? a.nobody : (props.names.get(id) ?? id));
  return (
    <StaffFrame t={t} roles={props.roles} current="audit">
      <ErrorSummary t={t} errors={errors} />
      <h1>{a.title}</h1>
      <p class="lead">{a.intro}</p>
      <FilterForm t={t} input={props.input} errors={errors} />
      {props.notices.map((notice) => (
        <p class="audit-notice">{notice}</p>
      ))}
      {props.check === null ? null : <ChainLine t={t} check={props.check} />}
      {props.events.length === 0 ? (
        <p>{a.noEvents}</p>
      ) : (
        // A table wider than the screen scrolls sideways: the region is focusable so keyboard users can scroll it too.
        <section class="table-wrap" aria-labelledby="audit-table-caption" tabindex={0}>
          <table class="audit-table">
            <caption id="audit-table-caption">{a.tableCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{a.time}</th>
                <th scope="col">{a.type}</th>
                <th scope="col">{a.actor}</th>
                <th scope="col">{a.subject}</th>
                <th scope="col">{a.ip}</th>
                <th scope="col">{a.outcome}</th>
                <th scope="col">{a.detail}</th>
              </tr>
            </thead>
            <tbody>
              {props.events.map((event) => (
                <tr id={`event-${event.id}`}>
                  <td class="audit-table__time">
                    <time datetime={event.at.toISOString()}>{time.format(event.at)}</time>
                  </td>
                  <th scope="row" class="audit-table__type">
                    {eventTypeLabel(t, event.type)}
                  </th>
                  <td>{who(event.actor)}</td>
                  <td>{who(event.subject)}</td>
                  <td>{event.ip ?? a.nobody}</td>
                  <td>{a.outcomes[event.outcome] ?? event.outcome}</td>
                  <td class="audit-table__detail">{compactDetail(event.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.newerHref === null && props.olderHref === null ? null : (
        <nav class="audit-paging" aria-label={a.pagingLabel}>
          <ul class="audit-paging__list">
            {props.newerHref === null ? null : (
              <li>
                <a href={props.newerHref} rel="prev">
                  {a.newer}
                </a>
              </li>
            )}
            {props.olderHref === null ? null : (
              <li>
                <a href={props.olderHref} rel="next">
                  {a.older}
                </a>
              </li>
            )}
          </ul>
        </nav>
      )}
    </StaffFrame>
  );
}
