// The change-password form, used both by choice and when forced (expired or must change). The new
// password comes with the policy's checklist (NewPasswordField); when the directory can't be
// reached the form stays, with a notice, so the user can simply try again.

import type { Catalog } from '../../i18n/catalog.ts';
import type { PasswordContext, PasswordPolicy, PolicyResult } from '../../passwords/policy.ts';
import { DirectoryUnavailableNotice } from '../components/directory-unavailable-notice.tsx';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../components/form-fields.tsx';
import { NewPasswordField } from '../components/new-password-field.tsx';

export function ChangePasswordPage(props: {
  t: Catalog;
  csrfToken: string;
  policy: PasswordPolicy;
  context: PasswordContext;
  /** The server's evaluation of the password just submitted, shown in the checklist; null before a submit. */
  result: PolicyResult | null;
  forcedReason: 'expired' | 'must_change' | null;
  errors: readonly FieldError[];
  /** The directory could not be reached: say so, nothing was changed, the form stays. */
  isDirectoryUnavailable?: boolean;
}) {
  const { t, errors } = props;
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.changePassword.title}</h1>
      {props.isDirectoryUnavailable ? <DirectoryUnavailableNotice t={t} /> : null}
      {props.forcedReason === null ? (
        <p class="lead">{t.changePassword.lead}</p>
      ) : (
        <div class="notice">
          <p>{props.forcedReason === 'expired' ? t.changePassword.forcedExpired : t.changePassword.forcedMustChange}</p>
        </div>
      )}
      <form method="post" action="/account/password" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <TextField
          t={t}
          id="current-password"
          type="password"
          label={t.changePassword.currentLabel}
          autocomplete="current-password"
          errors={errors}
        />
        <NewPasswordField t={t} policy={props.policy} context={props.context} result={props.result} errors={errors} />
        <div class="actions">
          <button type="submit" class="button">
            {t.changePassword.submit}
          </button>
          {props.forcedReason === null ? <a href="/account">{t.changePassword.cancel}</a> : null}
        </div>
      </form>
    </>
  );
}
