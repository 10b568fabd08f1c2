// Accessible form pieces: the error summary (a focus target listing every problem as a link to
// its field) and text fields whose hint and error are tied to the input with aria-describedby.

import type { Catalog } from '../../i18n/catalog.ts';

export interface FieldError {
  /** The id of the input the error belongs to. */
  field: string;
  message: string;
}

export function ErrorSummary(props: { t: Catalog; errors: readonly FieldError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="error-summary" role="alert" tabindex={-1} aria-labelledby="error-summary-title" autofocus>
      <h2 id="error-summary-title" class="error-summary__title">
        {props.t.form.errorSummaryTitle}
      </h2>
      <ul class="error-summary__list">
        {props.errors.map((error) => (
          <li>
            <a href={`#${error.field}`}>{error.message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface TextFieldProps {
  t: Catalog;
  id: string;
  name?: string;
  label: string;
  type?: 'text' | 'password' | 'email';
  autocomplete: string;
  hint?: string;
  value?: string;
  errors: readonly FieldError[];
  /** For identifiers: no auto-capitalisation or spell checking of usernames. */
  isIdentifier?: boolean;
}

export function TextField(props: TextFieldProps) {
  const error = props.errors.find((e) => e.field === props.id);
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  const errorId = error === undefined ? undefined : `${props.id}-error`;
  const describedBy = [hintId, errorId].filter((id) => id !== undefined).join(' ');
  return (
    <div class={error === undefined ? 'field' : 'field field--error'}>
      <label class="field__label" for={props.id}>
        {props.label}
      </label>
      {props.hint === undefined ? null : (
        <p id={hintId} class="field__hint">
          {props.hint}
        </p>
      )}
      {error === undefined ? null : (
        <p id={errorId} class="field__error">
          <span class="visually-hidden">{props.t.form.errorPrefix} </span>
          {error.message}
        </p>
      )}
      <input
        class="field__input"
        id={props.id}
        name={props.name ?? props.id}
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete}
        value={props.value}
        aria-describedby={describedBy === '' ? undefined : describedBy}
        aria-invalid={error === undefined ? undefined : 'true'}
        autocapitalize={props.isIdentifier ? 'none' : undefined}
        spellcheck={props.isIdentifier ? false : undefined}
      />
    </div>
  );
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}
