// The one-time code field shared by the second-step and security-info pages: numeric keyboard
// on phones (inputmode), the code offered from an SMS by the phone (autocomplete one-time-code),
// and the hint and error tied to the input for screen readers.

import type { Catalog } from '../../i18n/catalog.ts';
import type { FieldError } from '../components/form-fields.tsx';

export function CodeField(props: {
  t: Catalog;
  id?: string;
  label: string;
  hint: string;
  errors: readonly FieldError[];
  /** Recovery codes have letters too: no numeric keyboard for them. */
  isNumeric?: boolean;
}) {
  const id = props.id ?? 'code';
  const isNumeric = props.isNumeric ?? true;
  const error = props.errors.find((e) => e.field === id);
  const describedBy = [`${id}-hint`, error === undefined ? undefined : `${id}-error`].filter((v) => v !== undefined).join(' ');
  return (
    <div class={error === undefined ? 'field' : 'field field--error'}>
      <label class="field__label" for={id}>
        {props.label}
      </label>
      <p id={`${id}-hint`} class="field__hint">
        {props.hint}
      </p>
      {error === undefined ? null : (
        <p id={`${id}-error`} class="field__error">
          <span class="visually-hidden">{props.t.form.errorPrefix} </span>
          {error.message}
        </p>
      )}
      <input
        class={isNumeric ? 'field__input field__input--code' : 'field__input'}
        id={id}
        name={id}
        type="text"
        inputmode={isNumeric ? 'numeric' : undefined}
        autocomplete={isNumeric ? 'one-time-code' : 'off'}
        autocapitalize="none"
        spellcheck={false}
        maxlength={isNumeric ? 20 : 40}
        aria-describedby={describedBy}
        aria-invalid={error === undefined ? undefined : 'true'}
      />
    </div>
  );
}

/** A short status message (success or information), announced politely by screen readers. */
export function StatusNotice(props: { message: string | null; isSuccess?: boolean }) {
  if (props.message === null) return null;
  return (
    <div class={props.isSuccess ? 'notice notice--success' : 'notice'} role="status">
      <p>{props.message}</p>
    </div>
  );
}
