// The change-password form, used both by choice and when forced (expired or must change).

import type { Catalog } from '../../i18n/catalog.ts';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../components/form-fields.tsx';

export function ChangePasswordPage(props: {
  t: Catalog;
  csrfToken: string;
  minLength: number;
  forcedReason: 'expired' | 'must_change' | null;
  errors: readonly FieldError[];
}) {
  const { t, errors } = props;
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.changePassword.title}</h1>
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
        <TextField
          t={t}
          id="new-password"
          type="password"
          label={t.changePassword.newLabel}
          hint={t.changePassword.newHint(props.minLength)}
          autocomplete="new-password"
          errors={errors}
        />
        <TextField
          t={t}
          id="confirm-password"
          type="password"
          label={t.changePassword.confirmLabel}
          autocomplete="new-password"
          errors={errors}
        />
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
