// The user page: who the account is, its state in the directory (lock, disabled, must-change,
// expiry, privileged), its methods masked as the security info page masks them, whether the
// caller has been verified lately, the actions, and the account's recent events in plain words.

import type { AccountState, DirectoryAccount } from '../../../directory/directory.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { dateTimeFormat } from '../../../i18n/intl-formats.ts';
import type { MethodKind, SecurityMethod } from '../../../methods/security-info.ts';
import type { AuditEvent } from '../../../store/store.ts';
import { formatDate, formatDateTime } from '../../format.ts';
import { kindName, methodDetail, methodTitle } from '../../pages/security-info-page.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import {
  HELPDESK_PATH,
  helpdeskHref,
  ISSUE_PASS_PATH,
  REMOVE_METHOD_PATH,
  REQUIRE_CHANGE_PATH,
  UNLOCK_PATH,
  VERIFY_PATH,
} from './helpdesk-paths.ts';
import { PrivilegedWarning } from './shared-parts.tsx';

/** The last successful caller verification worth showing (recent enough to count for this call). */
export interface CallerVerification {
  at: Date;
  agent: string;
  kind: MethodKind;
}

/** Methods a caller can prove on the phone: a code sent to them, or the one their app shows. */
export function canVerifyCaller(method: SecurityMethod): boolean {
  return method.kind === 'sms' || method.kind === 'email' || method.kind === 'totp';
}

export function formatTime(t: Catalog, date: Date): string {
  return dateTimeFormat(t.meta.locale, { timeStyle: 'short' }).format(date);
}

/** An audit event type in plain words; unknown types keep their technical name in brackets. */
export function eventName(t: Catalog, type: string): string {
  const names = t.helpdesk.events as Readonly<Record<string, string>>;
  if (Object.hasOwn(names, type)) return names[type] as string;
  const groups = t.helpdesk.eventGroups as Readonly<Record<string, string>>;
  for (const [prefix, name] of Object.entries(groups)) if (type.startsWith(prefix)) return name;
  return t.helpdesk.eventOther(type);
}

export function outcomeName(t: Catalog, outcome: AuditEvent['outcome']): string {
  switch (outcome) {
    case 'success':
      return t.helpdesk.outcomeSuccess;
    case 'failure':
      return t.helpdesk.outcomeFailure;
    case 'refused':
      return t.helpdesk.outcomeRefused;
    case 'info':
      return t.helpdesk.outcomeInfo;
  }
}

function eventBy(t: Catalog, event: AuditEvent): string {
  const agent = event.detail.agent;
  if (typeof agent === 'string' && agent !== '') return agent;
  if (event.actor !== null && event.actor === event.subject) return t.helpdesk.eventsByUser;
  return t.helpdesk.eventsBySystem;
}

function Row(props: { label: string; value: string }) {
  return (
    <div class="summary__row">
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

function lockText(t: Catalog, state: AccountState): string {
  if (!state.isLocked) return t.helpdesk.notLocked;
  return state.lockedUntil === null ? t.helpdesk.lockedIndefinitely : t.helpdesk.lockedUntil(formatDateTime(t, state.lockedUntil));
}

export function HelpdeskUserPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  account: DirectoryAccount;
  state: AccountState;
  methods: readonly SecurityMethod[];
  events: readonly AuditEvent[];
  callerVerified: CallerVerification | null;
}) {
  const { t, account, state, methods } = props;
  const yesNo = (value: boolean) => (value ? t.helpdesk.yes : t.helpdesk.no);
  const verifiable = methods.filter(canVerifyCaller);
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <p>
        <a href={HELPDESK_PATH}>{t.helpdesk.backToSearch}</a>
      </p>
      <h1>{account.displayName}</h1>
      <p class="lead">{t.helpdesk.userLead}</p>
      <PrivilegedWarning t={t} isPrivileged={state.isPrivileged} />

      <h2>{t.helpdesk.detailsHeading}</h2>
      <dl class="summary">
        <Row label={t.helpdesk.displayName} value={account.displayName} />
        <Row label={t.helpdesk.username} value={account.username} />
        <Row label={t.helpdesk.email} value={account.email ?? t.helpdesk.noValue} />
        <Row label={t.helpdesk.department} value={account.department ?? t.helpdesk.noValue} />
      </dl>

      <h2>{t.helpdesk.stateHeading}</h2>
      <dl class="summary">
        <Row label={t.helpdesk.lockState} value={lockText(t, state)} />
        <Row label={t.helpdesk.disabled} value={yesNo(state.isDisabled)} />
        <Row label={t.helpdesk.mustChange} value={yesNo(state.mustChange)} />
        <Row label={t.helpdesk.expired} value={yesNo(state.isExpired)} />
        <Row
          label={t.helpdesk.passwordChangedAt}
          value={state.passwordChangedAt === null ? t.helpdesk.unknownDate : formatDate(t, state.passwordChangedAt)}
        />
        <Row
          label={t.helpdesk.passwordExpiresAt}
          value={state.passwordExpiresAt === null ? t.helpdesk.passwordNeverExpires : formatDate(t, state.passwordExpiresAt)}
        />
        <Row label={t.helpdesk.privileged} value={state.isPrivileged ? t.helpdesk.privilegedYes : t.helpdesk.privilegedNo} />
      </dl>

      <h2 id="methods-heading">{t.helpdesk.methodsHeading}</h2>
      {methods.length === 0 ? (
        <p>{t.helpdesk.methodsNone}</p>
      ) : (
        <ul class="method-list" aria-labelledby="methods-heading">
          {methods.map((m) => (
            <li class="method-list__item">
              <p class="method-list__name">
                {kindName(t, m.kind)}
                {m.isDefault ? <span class="method-list__default"> {t.helpdesk.methodDefault}</span> : null}
              </p>
              <p class="method-list__detail">{methodDetail(t, m)}</p>
              <ul class="helpdesk-links">
                {canVerifyCaller(m) ? (
                  <li>
                    <a href={helpdeskHref(VERIFY_PATH, account.id, m.id)} aria-label={t.helpdesk.methodVerifyLabel(methodTitle(t, m))}>
                      {t.helpdesk.methodVerify}
                    </a>
                  </li>
                ) : null}
                <li>
                  <a href={helpdeskHref(REMOVE_METHOD_PATH, account.id, m.id)} aria-label={t.helpdesk.methodRemoveLabel(methodTitle(t, m))}>
                    {t.helpdesk.methodRemove}
                  </a>
                </li>
              </ul>
            </li>
          ))}
        </ul>
      )}

      <h2>{t.helpdesk.callerHeading}</h2>
      {props.callerVerified !== null ? (
        <div class="notice notice--success">
          <p>
            {t.helpdesk.callerVerifiedAt(
              formatTime(t, props.callerVerified.at),
              props.callerVerified.agent,
              kindName(t, props.callerVerified.kind),
            )}
          </p>
        </div>
      ) : (
        <p>{verifiable.length === 0 ? t.helpdesk.callerNoMethods : t.helpdesk.callerNotVerified}</p>
      )}

      <h2>{t.helpdesk.actionsHeading}</h2>
      <ul class="helpdesk-actions">
        <li>
          <a class="button button--secondary" href={helpdeskHref(UNLOCK_PATH, account.id)}>
            {t.helpdesk.actionUnlock}
          </a>
        </li>
        <li>
          <a class="button button--secondary" href={helpdeskHref(REQUIRE_CHANGE_PATH, account.id)}>
            {t.helpdesk.actionRequireChange}
          </a>
        </li>
        <li>
          <a class="button button--secondary" href={helpdeskHref(ISSUE_PASS_PATH, account.id)}>
            {t.helpdesk.actionIssuePass}
          </a>
        </li>
      </ul>

      <h2>{t.helpdesk.eventsHeading}</h2>
      {props.events.length === 0 ? (
        <p>{t.helpdesk.eventsNone}</p>
      ) : (
        <div class="table-wrap">
          <table class="helpdesk-events">
            <caption class="visually-hidden">{t.helpdesk.eventsCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.helpdesk.eventsTime}</th>
                <th scope="col">{t.helpdesk.eventsWhat}</th>
                <th scope="col">{t.helpdesk.eventsOutcome}</th>
                <th scope="col">{t.helpdesk.eventsBy}</th>
              </tr>
            </thead>
            <tbody>
              {props.events.map((event) => (
                <tr>
                  <td>
                    <time datetime={event.at.toISOString()}>{formatDateTime(t, event.at)}</time>
                  </td>
                  <td>
                    {eventName(t, event.type)}
                    {event.type.startsWith('helpdesk.') && typeof event.detail.reason === 'string' ? (
                      <span class="helpdesk-events__reason">{t.helpdesk.eventsReason(event.detail.reason)}</span>
                    ) : null}
                  </td>
                  <td>{outcomeName(t, event.outcome)}</td>
                  <td>{eventBy(t, event)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </StaffFrame>
  );
}
