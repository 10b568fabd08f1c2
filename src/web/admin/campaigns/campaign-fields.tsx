// Form pieces the campaign form needs beyond components/form-fields.tsx: a labelled input of any
// type (date, number, file), a text area, and a fieldset of radio buttons or check boxes. Like
// TextField, each ties its hint and error to the control with aria-describedby and marks it
// aria-invalid, so the error summary's link lands on a control that says what is wrong.

import type { Child } from 'hono/jsx';
import type { Catalog } from '../../../i18n/catalog.ts';
import type { FieldError } from '../../components/form-fields.tsx';

function describedBy(...ids: (string | undefined)[]): string | undefined {
  const joined = ids.filter((id) => id !== undefined).join(' ');
  return joined === '' ? undefined : joined;
}

function FieldMessages(props: { t: Catalog; id: string; hint?: string | undefined; error?: FieldError | undefined }) {
  return (
    <>
      {props.hint === undefined ? null : (
        <p id={`${props.id}-hint`} class="field__hint">
          {props.hint}
        </p>
      )}
      {props.error === undefined ? null : (
        <p id={`${props.id}-error`} class="field__error">
          <span class="visually-hidden">{props.t.form.errorPrefix} </span>
          {props.error.message}
        </p>
      )}
    </>
  );
}

export interface InputFieldProps {
  t: Catalog;
  id: string;
  label: string;
  type: 'text' | 'file';
  hint?: string | undefined;
  value?: string | undefined;
  errors: readonly FieldError[];
  autocomplete?: string;
  maxlength?: number;
  accept?: string;
  inputmode?: 'numeric' | 'text';
  short?: boolean;
  /** Extra content after the control (e.g. the problems of an uploaded file). */
  children?: Child;
}

/** A labelled input with its hint and error. */
export function InputField(props: InputFieldProps) {
  const error = props.errors.find((e) => e.field === props.id);
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  const errorId = error === undefined ? undefined : `${props.id}-error`;
  const classes = [
    'field__input',
    'campaign-input',
    props.type === 'file' ? 'campaign-file' : '',
    props.short ? 'campaign-input--short' : '',
  ]
    .filter((c) => c !== '')
    .join(' ');
  return (
    <div class={error === undefined ? 'field' : 'field field--error'}>
      <label class="field__label" for={props.id}>
        {props.label}
      </label>
      <FieldMessages t={props.t} id={props.id} hint={props.hint} error={error} />
      {props.children}
      <input
        class={classes}
        id={props.id}
        name={props.id}
        type={props.type}
        value={props.type === 'file' ? undefined : props.value}
        autocomplete={props.autocomplete ?? 'off'}
        maxlength={props.maxlength}
        accept={props.accept}
        inputmode={props.inputmode}
        aria-describedby={describedBy(hintId, errorId)}
        aria-invalid={error === undefined ? undefined : 'true'}
      />
    </div>
  );
}

/** A labelled text area with its hint and error. */
export function TextAreaField(props: {
  t: Catalog;
  id: string;
  label: string;
  hint?: string;
  value: string;
  maxlength: number;
  errors: readonly FieldError[];
}) {
  const error = props.errors.find((e) => e.field === props.id);
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  const errorId = error === undefined ? undefined : `${props.id}-error`;
  return (
    <div class={error === undefined ? 'field' : 'field field--error'}>
      <label class="field__label" for={props.id}>
        {props.label}
      </label>
      <FieldMessages t={props.t} id={props.id} hint={props.hint} error={error} />
      <textarea
        class="field__input campaign-textarea"
        id={props.id}
        name={props.id}
        rows={5}
        maxlength={props.maxlength}
        aria-describedby={describedBy(hintId, errorId)}
        aria-invalid={error === undefined ? undefined : 'true'}
      >
        {props.value}
      </textarea>
    </div>
  );
}

export interface Choice {
  value: string;
  label: string;
  /** Shown under the choice (e.g. the department field under "a department"). */
  detail?: Child;
}

/**
 * A fieldset of radio buttons (one value) or check boxes (several). The error summary links to
 * the first control (`${id}-${first value}`), which is also where the fieldset's id points.
 */
export function ChoiceField(props: {
  t: Catalog;
  /** The form field name; controls get the ids `${name}-${value}`. */
  name: string;
  legend: string;
  hint?: string;
  kind: 'radio' | 'checkbox';
  choices: readonly Choice[];
  selected: readonly string[];
  errors: readonly FieldError[];
}) {
  const firstId = `${props.name}-${props.choices[0]?.value ?? ''}`;
  const error = props.errors.find((e) => e.field === firstId);
  const hintId = props.hint === undefined ? undefined : `${props.name}-hint`;
  const errorId = error === undefined ? undefined : `${props.name}-error`;
  return (
    <div class={error === undefined ? 'field' : 'field field--error'}>
      <fieldset class="campaign-fieldset" aria-describedby={describedBy(hintId, errorId)}>
        <legend class="campaign-fieldset__legend">{props.legend}</legend>
        <FieldMessages t={props.t} id={props.name} hint={props.hint} error={error} />
        {props.choices.map((choice) => {
          const id = `${props.name}-${choice.value}`;
          return (
            <>
              <div class="campaign-choice">
                <input
                  class="campaign-choice__input"
                  type={props.kind}
                  id={id}
                  name={props.name}
                  value={choice.value}
                  checked={props.selected.includes(choice.value)}
                  aria-invalid={error === undefined ? undefined : 'true'}
                />
                <label class="campaign-choice__label" for={id}>
                  {choice.label}
                </label>
              </div>
              {choice.detail === undefined ? null : <div class="campaign-choice__detail">{choice.detail}</div>}
            </>
          );
        })}
      </fieldset>
    </div>
  );
}
