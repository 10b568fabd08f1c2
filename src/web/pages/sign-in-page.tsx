// The sign-in form: username or e-mail and password, with the browser's password manager in mind
// (autocomplete username / current-password).

import type { Catalog } from '../../i18n/catalog.ts';
import { DirectoryUnavailableNotice } from '../components/directory-unavailable-notice.tsx';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../components/form-fields.tsx';

export function SignInPage(props: {
  t: Catalog;
  csrfToken: string;
  identifier: string;
  errors: readonly FieldError[];
  /** The directory could not be reached: a notice above the kept form (status 503). */
  isDirectoryUnavailable?: boolean;
}) {
  const { t, errors } = props;
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.signIn.title}</h1>
      {props.isDirectoryUnavailable ? <DirectoryUnavailableNotice t={t} /> : null}
      <p class="lead">{t.signIn.lead}</p>
      <form method="post" action="/sign-in" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <TextField
          t={t}
          id="identifier"
          label={t.signIn.identifierLabel}
          hint={t.signIn.identifierHint}
          autocomplete="username"
          value={props.identifier}
          errors={errors}
          isIdentifier
        />
        <TextField t={t} id="password" type="password" label={t.signIn.passwordLabel} autocomplete="current-password" errors={errors} />
        <button type="submit" class="button">
          {t.signIn.submit}
        </button>
      </form>
      <h2>{t.signIn.forgotHeading}</h2>
      <p>{t.signIn.forgotText}</p>
      <p>
        <a href="/reset">{t.reset.link}</a>
      </p>
    </>
  );
}
