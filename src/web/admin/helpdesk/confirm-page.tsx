// The confirmation form in front of every helpdesk action (unlock, require a change, issue a
// pass, remove a method): what will happen, a warning for a privileged account, a required
// reason for the audit log, and for a pass how long and how often it works.

import type { DirectoryAccount } from '../../../directory/directory.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import type { SecurityMethod } from '../../../methods/security-info.ts';
import { CsrfField, ErrorSummary, type FieldError } from '../../components/form-fields.tsx';
import { methodTitle } from '../../pages/security-info-page.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { helpdeskHref, ISSUE_PASS_PATH, REMOVE_METHOD_PATH, REQUIRE_CHANGE_PATH, UNLOCK_PATH, USER_PATH } from './helpdesk-paths.ts';
import { AccountField, PrivilegedWarning } from './shared-parts.tsx';

/** The longest reason kept in the audit log. */
export const MAX_REASON_LENGTH = 500;
/** How long a pass may work, offered as choices (a pass is a way in, not a standing credential). */
export const PASS_VALIDITY_CHOICES = [60, 240, 1440, 4320, 10080] as const;
export const DEFAULT_PASS_VALIDITY = 240;

export type HelpdeskAction = 'unlock' | 'require_change' | 'issue_pass' | 'remove_method';

export interface ConfirmValues {
  reason: string;
  validMinutes?: number;
  singleUse?: boolean;
}

/** The reason textarea, with its hint and error tied to it for screen readers. */
export function ReasonField(props: { t: Catalog; value: string; errors: readonly FieldError[] }) {
  const { t } = props;
  const error = props.errors.find((e) => e.field === 'reason');
  return (
    <div class={error === undefined ? 'field' : 'field field--error'}>
      <label class="field__label" for="reason">
        {t.admin.reasonLabel}
      </label>
      <p id="reason-hint" class="field__hint">
        {t.admin.reasonHint}
      </p>
      {error === undefined ? null : (
        <p id="reason-error" class="field__error">
          <span class="visually-hidden">{t.form.errorPrefix} </span>
          {error.message}
        </p>
      )}
      <textarea
        class="field__input helpdesk-reason"
        id="reason"
        name="reason"
        rows={3}
        maxlength={MAX_REASON_LENGTH}
        aria-describedby={error === undefined ? 'reason-hint' : 'reason-hint reason-error'}
        aria-invalid={error === undefined ? undefined : 'true'}
      >
        {props.value}
      </textarea>
    </div>
  );
}

function PassOptions(props: { t: Catalog; values: ConfirmValues; errors: readonly FieldError[] }) {
  const { t, values } = props;
  const validity = values.validMinutes ?? DEFAULT_PASS_VALIDITY;
  const singleUse = values.singleUse ?? true;
  const useError = props.errors.find((e) => e.field === 'use-single');
  return (
    <>
      <div class="field">
        <label class="field__label" for="valid-minutes">
          {t.helpdesk.passValidityLabel}
        </label>
        <select class="field__input" id="valid-minutes" name="validMinutes">
          {PASS_VALIDITY_CHOICES.map((minutes) => (
            <option value={String(minutes)} selected={minutes === validity}>
              {t.helpdesk.passValidity(minutes)}
            </option>
          ))}
        </select>
      </div>
      <fieldset class={useError === undefined ? 'field helpdesk-choices' : 'field field--error helpdesk-choices'}>
        <legend class="field__label">{t.helpdesk.passUseLegend}</legend>
        {useError === undefined ? null : <p class="field__error">{useError.message}</p>}
        <div class="helpdesk-choice">
          <input type="radio" id="use-single" name="use" value="single" checked={singleUse} />
          <label for="use-single">{t.helpdesk.passSingleUse}</label>
        </div>
        <div class="helpdesk-choice">
          <input type="radio" id="use-reusable" name="use" value="reusable" checked={!singleUse} />
          <label for="use-reusable">{t.helpdesk.passReusable}</label>
        </div>
      </fieldset>
    </>
  );
}

const actionPaths: Record<HelpdeskAction, string> = {
  unlock: UNLOCK_PATH,
  require_change: REQUIRE_CHANGE_PATH,
  issue_pass: ISSUE_PASS_PATH,
  remove_method: REMOVE_METHOD_PATH,
};

export function actionTitle(t: Catalog, action: HelpdeskAction): string {
  switch (action) {
    case 'unlock':
      return t.helpdesk.unlockTitle;
    case 'require_change':
      return t.helpdesk.requireChangeTitle;
    case 'issue_pass':
      return t.helpdesk.passTitle;
    case 'remove_method':
      return t.helpdesk.removeTitle;
  }
}

export function ActionConfirmPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  csrfToken: string;
  action: HelpdeskAction;
  account: DirectoryAccount;
  isPrivileged: boolean;
  isLocked: boolean;
  method: SecurityMethod | null;
  values: ConfirmValues;
  errors: readonly FieldError[];
}) {
  const { t, action, account, method } = props;
  const name = account.displayName;
  const lead =
    action === 'unlock'
      ? t.helpdesk.unlockLead(name)
      : action === 'require_change'
        ? t.helpdesk.requireChangeLead(name)
        : action === 'issue_pass'
          ? t.helpdesk.passLead(name)
          : t.helpdesk.removeLead(method === null ? '' : methodTitle(t, method), name);
  const confirm =
    action === 'unlock'
      ? t.helpdesk.unlockConfirm
      : action === 'require_change'
        ? t.helpdesk.requireChangeConfirm
        : action === 'issue_pass'
          ? t.helpdesk.passConfirm
          : t.helpdesk.removeConfirm;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{actionTitle(t, action)}</h1>
      <p class="lead">{lead}</p>
      <PrivilegedWarning t={t} isPrivileged={props.isPrivileged} />
      {action === 'unlock' && !props.isLocked ? <p>{t.helpdesk.unlockNotLocked}</p> : null}
      {action === 'remove_method' ? <p>{t.helpdesk.removeNotify}</p> : null}
      <form method="post" action={actionPaths[action]} class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <AccountField account={account} />
        {method === null ? null : <input type="hidden" name="method" value={method.id} />}
        {action === 'issue_pass' ? <PassOptions t={t} values={props.values} errors={props.errors} /> : null}
        <ReasonField t={t} value={props.values.reason} errors={props.errors} />
        <div class="actions">
          <button type="submit" class="button">
            {confirm}
          </button>
          <a href={helpdeskHref(USER_PATH, account.id)}>{t.helpdesk.cancel}</a>
        </div>
      </form>
    </StaffFrame>
  );
}
