// The second step with a passkey: one button that opens the browser's passkey dialog
// (passkey.js), and always a way to another method.

import type { Catalog } from '../../i18n/catalog.ts';
import { ErrorSummary, type FieldError } from '../components/form-fields.tsx';
import { PasskeyCeremonyForm } from './passkey-ceremony-form.tsx';

/** The error summary links to the button: that is where to try again. */
export const PASSKEY_SIGN_IN_BUTTON = 'passkey-sign-in';

export function PasskeySignInPage(props: {
  t: Catalog;
  csrfToken: string;
  /** Null when the account has no passkeys: only the way to other methods is shown. */
  optionsJson: string | null;
  errors: readonly FieldError[];
  otherMethodsHref: string;
}) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.passkey.signInTitle}</h1>
      {props.optionsJson === null ? (
        <div class="notice">
          <p>{t.passkey.noPasskeys}</p>
          <p>
            <a href={props.otherMethodsHref}>{t.passkey.otherMethodsLink}</a>
          </p>
        </div>
      ) : (
        <>
          <p class="lead">{t.passkey.signInLead}</p>
          <PasskeyCeremonyForm
            t={t}
            ceremony="sign_in"
            action="/sign-in/passkey"
            csrfToken={props.csrfToken}
            optionsJson={props.optionsJson}
            submitLabel={t.passkey.signInButton}
            buttonId={PASSKEY_SIGN_IN_BUTTON}
            otherMethodsHref={props.otherMethodsHref}
            actions={<a href={props.otherMethodsHref}>{t.passkey.otherMethodsLink}</a>}
          />
        </>
      )}
    </>
  );
}
