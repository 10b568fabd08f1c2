// The new-password field and its confirmation, with the policy as a checklist: every rule of the
// password policy as one line with its state in words ("Uppfyllt" / "Inte uppfyllt", never
// colour alone), rendered on the server from the policy itself, so it works without JavaScript
// after a submit. password-checklist.js updates the same list as the user types, through the
// check endpoint (routes/password-policy-routes.tsx), which runs the same policy code. Used by
// change password (by choice or forced) and by the reset flow's new-password step.

import { readFileSync } from 'node:fs';
import type { Catalog } from '../../i18n/catalog.ts';
import {
  describePolicyCheck,
  evaluatePasswordRules,
  type PasswordContext,
  type PasswordPolicy,
  type PolicyCheck,
  type PolicyResult,
  type PolicyRule,
} from '../../passwords/policy.ts';
import { sha256 } from '../../security/tokens.ts';
import { type FieldError, TextField } from './form-fields.tsx';

/** The live-checklist script, served from our own origin (CSP script-src 'self'; no inline code). */
export const passwordChecklistScript = readFileSync(new URL('../assets/password-checklist.js', import.meta.url), 'utf8');
export const passwordChecklistScriptHref = `/assets/password-checklist.js?v=${sha256(passwordChecklistScript).slice(0, 12)}`;

/** Where the checklist script asks by default (signed-in pages; the reset flow may pass its own endpoint). */
export const DEFAULT_PASSWORD_CHECK_URL = '/password-policy/check';

/** met / unmet: the rule's state; pending: checked only when the form is submitted (the breached-password rule). */
export type ChecklistState = 'met' | 'unmet' | 'pending';

export interface ChecklistItem {
  readonly rule: PolicyRule;
  readonly state: ChecklistState;
  /** What the line says now: the requirement, or the reason it is not met. */
  readonly text: string;
  /** The requirement in words, which the script shows again when the field is emptied. */
  readonly requirement: string;
}

/** The words for a state, from the catalog: the state is always said, not only coloured. */
export function checklistStateText(t: Catalog, state: ChecklistState): string {
  if (state === 'met') return t.passwordPolicy.met;
  if (state === 'unmet') return t.passwordPolicy.notMet;
  return t.passwordPolicy.checkedOnSave;
}

/** A check's requirement text (the wording of the rule when it passes), whatever its state. */
function requirementText(t: Catalog, check: PolicyCheck): string {
  const messageKey = `passwordPolicy.rules.${check.rule}` as PolicyCheck['messageKey'];
  return describePolicyCheck(t, { ...check, passed: true, messageKey });
}

/**
 * The checklist lines. Without `result` (nothing submitted yet) every rule shows its requirement
 * as not yet met; with the server's evaluation of a submitted password, each rule's real state
 * and, when it failed, the reason. The breached-password rule is only known after a submit (the
 * check endpoint never looks it up), so before that it reads "checked when you save".
 */
export function buildChecklist(
  t: Catalog,
  policy: PasswordPolicy,
  context: PasswordContext,
  result: PolicyResult | null = null,
): ChecklistItem[] {
  // The rules are listed from the policy itself (an empty password still yields every rule's line).
  const blank = evaluatePasswordRules('', context, policy).checks;
  const rules: PolicyCheck[] = [...blank];
  if (policy.isBreached !== undefined) {
    const at = rules.findIndex((c) => c.rule === 'strength');
    rules.splice(at === -1 ? rules.length : at, 0, {
      rule: 'notBreached',
      passed: false,
      messageKey: 'passwordPolicy.refusals.notBreached',
      params: {},
    });
  }
  return rules.map((rule) => {
    const requirement = requirementText(t, rule);
    const evaluated = result?.checks.find((c) => c.rule === rule.rule);
    if (evaluated === undefined) {
      return { rule: rule.rule, state: rule.rule === 'notBreached' ? 'pending' : 'unmet', text: requirement, requirement };
    }
    return {
      rule: rule.rule,
      state: evaluated.passed ? 'met' : 'unmet',
      text: evaluated.passed ? requirement : describePolicyCheck(t, evaluated),
      requirement,
    };
  });
}

export interface PasswordChecklistProps {
  t: Catalog;
  /** The id of the list's container; the password input points at it with aria-describedby. */
  id: string;
  items: readonly ChecklistItem[];
  checkUrl: string;
}

/** The checklist: a list inside a polite live region, so screen readers hear the lines that change. */
export function PasswordChecklist(props: PasswordChecklistProps) {
  const { t } = props;
  const titleId = `${props.id}-title`;
  return (
    <div
      class="password-checklist"
      id={props.id}
      aria-live="polite"
      data-password-checklist
      data-check-url={props.checkUrl}
      data-msg-met={t.passwordPolicy.met}
      data-msg-not-met={t.passwordPolicy.notMet}
      data-msg-pending={t.passwordPolicy.checkedOnSave}
    >
      <p class="password-checklist__title" id={titleId}>
        {t.passwordPolicy.checklistLabel}
      </p>
      <ul class="password-checklist__list" aria-labelledby={titleId}>
        {props.items.map((item) => (
          <li
            class={`password-checklist__item password-checklist__item--${item.state}`}
            data-rule={item.rule}
            data-state={item.state}
            data-requirement={item.requirement}
          >
            <span class="password-checklist__state">{checklistStateText(t, item.state)}</span>
            <span class="password-checklist__separator">: </span>
            <span class="password-checklist__text">{item.text}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface NewPasswordFieldProps {
  t: Catalog;
  policy: PasswordPolicy;
  /** The account's own words (for the "not your name" rule), from services.passwordContextFor(account). */
  context: PasswordContext;
  /** The server's evaluation of the password just submitted (evaluatePassword), or null before a submit. */
  result: PolicyResult | null;
  errors: readonly FieldError[];
  /** The check endpoint the script calls; defaults to /password-policy/check (the signed-in session's account). */
  checkUrl?: string;
  /** Field ids (and names); default new-password and confirm-password. */
  newId?: string;
  confirmId?: string;
  newLabel?: string;
  confirmLabel?: string;
}

/**
 * New password + confirmation + the live checklist. Put it inside a form that carries the CSRF
 * field (`_csrf`): the script sends that token with each check. The password is never written
 * back into the page.
 */
export function NewPasswordField(props: NewPasswordFieldProps) {
  const { t, errors } = props;
  const newId = props.newId ?? 'new-password';
  const confirmId = props.confirmId ?? 'confirm-password';
  const checklistId = `${newId}-checklist`;
  const hintId = `${newId}-hint`;
  const error = errors.find((e) => e.field === newId);
  const errorId = `${newId}-error`;
  const items = buildChecklist(t, props.policy, props.context, props.result);
  const describedBy = [hintId, error === undefined ? null : errorId, checklistId].filter((id) => id !== null).join(' ');
  return (
    <>
      <div class={error === undefined ? 'field' : 'field field--error'}>
        <label class="field__label" for={newId}>
          {props.newLabel ?? t.changePassword.newLabel}
        </label>
        <p id={hintId} class="field__hint">
          {t.changePassword.newHint(props.policy.settings.minLength)}
        </p>
        {error === undefined ? null : (
          <p id={errorId} class="field__error">
            <span class="visually-hidden">{t.form.errorPrefix} </span>
            {error.message}
          </p>
        )}
        <input
          class="field__input"
          id={newId}
          name={newId}
          type="password"
          autocomplete="new-password"
          aria-describedby={describedBy}
          aria-invalid={error === undefined ? undefined : 'true'}
          data-password-checklist-input={checklistId}
        />
        <PasswordChecklist t={t} id={checklistId} items={items} checkUrl={props.checkUrl ?? DEFAULT_PASSWORD_CHECK_URL} />
      </div>
      <TextField
        t={t}
        id={confirmId}
        type="password"
        label={props.confirmLabel ?? t.changePassword.confirmLabel}
        autocomplete="new-password"
        errors={errors}
      />
      <script src={passwordChecklistScriptHref} defer></script>
    </>
  );
}
