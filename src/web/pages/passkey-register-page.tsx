// "Add a passkey": a name for it, then the browser's own passkey dialog (passkey.js). Errors
// from the server (refused, expired, name too long) are listed in the error summary.

import type { Catalog } from '../../i18n/catalog.ts';
import { MAX_PASSKEY_NAME_LENGTH } from '../../methods/passkey.ts';
import { ErrorSummary, type FieldError } from '../components/form-fields.tsx';
import { PasskeyCeremonyForm } from './passkey-ceremony-form.tsx';

export const PASSKEY_NAME_FIELD = 'passkey-name';
/** Errors that are not about the name lead to the button: that is where to try again. */
export const PASSKEY_REGISTER_BUTTON = 'passkey-register';

export function PasskeyRegisterPage(props: {
  t: Catalog;
  csrfToken: string;
  optionsJson: string;
  name: string;
  errors: readonly FieldError[];
  backHref: string;
}) {
  const { t, errors } = props;
  const nameError = errors.find((e) => e.field === PASSKEY_NAME_FIELD);
  const describedBy = [`${PASSKEY_NAME_FIELD}-hint`, nameError === undefined ? null : `${PASSKEY_NAME_FIELD}-error`]
    .filter((id) => id !== null)
    .join(' ');
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.passkey.registerTitle}</h1>
      <p class="lead">{t.passkey.registerLead}</p>
      <PasskeyCeremonyForm
        t={t}
        ceremony="register"
        action="/account/security-info/passkey/new"
        csrfToken={props.csrfToken}
        optionsJson={props.optionsJson}
        submitLabel={t.passkey.registerButton}
        buttonId={PASSKEY_REGISTER_BUTTON}
        otherMethodsHref={props.backHref}
        actions={<a href={props.backHref}>{t.passkey.cancel}</a>}
      >
        <div class={nameError === undefined ? 'field' : 'field field--error'}>
          <label class="field__label" for={PASSKEY_NAME_FIELD}>
            {t.passkey.nameLabel}
          </label>
          <p id={`${PASSKEY_NAME_FIELD}-hint`} class="field__hint">
            {t.passkey.nameHint}
          </p>
          {nameError === undefined ? null : (
            <p id={`${PASSKEY_NAME_FIELD}-error`} class="field__error">
              <span class="visually-hidden">{t.form.errorPrefix} </span>
              {nameError.message}
            </p>
          )}
          <input
            class="field__input"
            id={PASSKEY_NAME_FIELD}
            name={PASSKEY_NAME_FIELD}
            type="text"
            autocomplete="off"
            maxlength={MAX_PASSKEY_NAME_LENGTH}
            value={props.name}
            aria-describedby={describedBy}
            aria-invalid={nameError === undefined ? undefined : 'true'}
          />
        </div>
      </PasskeyCeremonyForm>
    </>
  );
}
