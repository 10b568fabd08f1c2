// The pages of the self-service reset: identify (with the proof-of-work check), choose a method,
// enter the code (or use a passkey), unlock or new password, and the endings (done with guidance,
// refused, failed, expired). The method page is the same for every account: it names kinds, never
// targets, so it says nothing about whether the account exists or what it has registered.

import type { Child } from 'hono/jsx';
import type { DeadFlowReason } from '../../flows/reset/flow.ts';
import { type ResetCodeMethod, type ResetMethod, resetMethods } from '../../flows/reset/states.ts';
import type { Catalog, Language } from '../../i18n/catalog.ts';
import { passkeyScriptHrefs } from '../assets.ts';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../components/form-fields.tsx';
import { CodeField } from './second-step-code-field.tsx';

export interface CaptchaAssets {
  widget: string;
  i18n: string;
  setup: string;
  stylesheet: string;
}

export function ResetStartPage(props: {
  t: Catalog;
  lang: Language;
  csrfToken: string;
  identifier: string;
  errors: readonly FieldError[];
  /** The signed challenge JSON, given to the widget inline (no fetch, so the CSP needs no connect-src). */
  challenge: string;
  assets: CaptchaAssets;
}) {
  const { t, errors } = props;
  const captchaError = errors.find((e) => e.field === 'captcha');
  // Hide the widget's footer link and logo: nothing on the page points to another site.
  const configuration = JSON.stringify({ hideFooter: true, hideLogo: true });
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.reset.startTitle}</h1>
      <p class="lead">{t.reset.startLead}</p>
      <form method="post" action="/reset" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <TextField
          t={t}
          id="identifier"
          label={t.reset.identifierLabel}
          hint={t.reset.identifierHint}
          autocomplete="username"
          value={props.identifier}
          errors={errors}
          isIdentifier
        />
        <div class={captchaError === undefined ? 'field' : 'field field--error'} id="captcha" tabindex={-1}>
          <p class="field__label" id="captcha-label">
            {t.reset.captchaLabel}
          </p>
          <p class="field__hint" id="captcha-hint">
            {t.reset.captchaHint}
          </p>
          {captchaError === undefined ? null : (
            <p id="captcha-error" class="field__error">
              <span class="visually-hidden">{t.form.errorPrefix} </span>
              {captchaError.message}
            </p>
          )}
          <altcha-widget
            challenge={props.challenge}
            language={props.lang}
            name="altcha"
            auto="off"
            configuration={configuration}
            aria-labelledby="captcha-label"
            aria-describedby="captcha-hint"
          />
          <noscript>
            <p class="notice notice--error">{t.reset.noScript}</p>
          </noscript>
        </div>
        <button type="submit" class="button">
          {t.reset.submit}
        </button>
      </form>
      <link rel="stylesheet" href={props.assets.stylesheet} />
      <script type="module" src={props.assets.widget} />
      <script type="module" src={props.assets.i18n} />
      <script type="module" src={props.assets.setup} />
    </>
  );
}

export function ResetMethodPage(props: { t: Catalog; csrfToken: string; verified: readonly ResetMethod[]; errors: readonly FieldError[] }) {
  const { t } = props;
  const offered = resetMethods.filter((m) => !props.verified.includes(m));
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.reset.methodTitle}</h1>
      <p class="lead">{props.verified.length === 0 ? t.reset.methodLead : t.reset.methodLeadAgain}</p>
      <form method="post" action="/reset/method" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <h2 id="method">{t.reset.methodLegend}</h2>
        <ul class="choice-list" aria-labelledby="method">
          {offered.map((method) => (
            <li>
              <button
                type="submit"
                name="method"
                value={method}
                class="button button--secondary"
                aria-describedby={`method-${method}-hint`}
              >
                {t.reset.methods[method]}
              </button>
              <p class="choice-list__text" id={`method-${method}-hint`}>
                {t.reset.methodHints[method]}
              </p>
            </li>
          ))}
        </ul>
      </form>
      <StartAgainLink t={t} />
    </>
  );
}

export function ResetCodePage(props: { t: Catalog; csrfToken: string; method: ResetCodeMethod; errors: readonly FieldError[] }) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.reset.codeTitle}</h1>
      <p class="lead">{t.reset.codeLeads[props.method]}</p>
      <form method="post" action="/reset/code" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <CodeField
          t={t}
          label={t.reset.codeLabel}
          hint={t.reset.methodHints[props.method]}
          errors={props.errors}
          isNumeric={props.method !== 'recovery_code'}
        />
        <button type="submit" class="button">
          {t.reset.verify}
        </button>
      </form>
      <OtherMethodForm t={t} csrfToken={props.csrfToken} />
    </>
  );
}

/** The passkey button's id, so the error summary can lead back to it. */
export const RESET_PASSKEY_BUTTON = 'passkey-verify';

/**
 * Confirm with a passkey: passkey.js reveals the form and runs the ceremony with the options in
 * data-options (the same for every account). Without JavaScript the page says a passkey needs it;
 * the way to another method is always there, outside the scripted part.
 */
export function ResetPasskeyPage(props: { t: Catalog; csrfToken: string; optionsJson: string; errors: readonly FieldError[] }) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.reset.passkeyTitle}</h1>
      <p class="lead">{t.reset.passkeyLead}</p>
      <div class="notice" data-passkey-fallback>
        <p data-passkey-fallback-text>{t.reset.passkeyNeedsJavaScript}</p>
      </div>
      <form
        method="post"
        action="/reset/passkey"
        class="form"
        novalidate
        hidden
        data-passkey="sign-in"
        data-options={props.optionsJson}
        data-msg-waiting={t.passkey.registerWaiting}
        data-msg-cancelled={t.passkey.cancelled}
        data-msg-already-on-device={t.passkey.failed}
        data-msg-failed={t.passkey.failed}
        data-msg-unsupported={t.reset.passkeyUnsupported}
      >
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="credential" value="" />
        <p class="passkey-status" role="status" data-passkey-status></p>
        <button type="submit" class="button" id={RESET_PASSKEY_BUTTON}>
          {t.reset.passkeyButton}
        </button>
      </form>
      <OtherMethodForm t={t} csrfToken={props.csrfToken} />
      <script src={passkeyScriptHrefs.webAuthnBrowser} defer></script>
      <script src={passkeyScriptHrefs.page} defer></script>
    </>
  );
}

function OtherMethodForm(props: { t: Catalog; csrfToken: string }) {
  return (
    <form method="post" action="/reset/other-method" class="inline-form">
      <CsrfField token={props.csrfToken} />
      <button type="submit" class="link-button">
        {props.t.reset.otherMethod}
      </button>
    </form>
  );
}

export function ResetActionPage(props: { t: Catalog; csrfToken: string; errors: readonly FieldError[] }) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.reset.actionTitle}</h1>
      <p class="lead">{t.reset.actionLead}</p>
      <form method="post" action="/reset/action" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <h2 id="action">{t.reset.actionLegend}</h2>
        <ul class="choice-list" aria-labelledby="action">
          <li>
            <button type="submit" name="action" value="unlock" class="button button--secondary">
              {t.reset.actions.unlock}
            </button>
          </li>
          <li>
            <button type="submit" name="action" value="password" class="button button--secondary">
              {t.reset.actions.password}
            </button>
          </li>
        </ul>
      </form>
    </>
  );
}

export function ResetPasswordPage(props: {
  t: Catalog;
  csrfToken: string;
  minLength: number;
  errors: readonly FieldError[];
  /** The shared new-password field with the live checklist, when it is available; else a plain field. */
  newPasswordField?: Child;
}) {
  const { t, errors } = props;
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.reset.passwordTitle}</h1>
      <p class="lead">{t.reset.passwordLead}</p>
      <form method="post" action="/reset/password" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        {props.newPasswordField ?? (
          <TextField
            t={t}
            id="new-password"
            type="password"
            label={t.reset.newLabel}
            hint={t.reset.newHint(props.minLength)}
            autocomplete="new-password"
            errors={errors}
          />
        )}
        <TextField t={t} id="confirm-password" type="password" label={t.reset.confirmLabel} autocomplete="new-password" errors={errors} />
        <button type="submit" class="button">
          {t.reset.submitPassword}
        </button>
      </form>
    </>
  );
}

export function ResetDonePage(props: { t: Catalog; outcome: 'password_changed' | 'unlocked' }) {
  const { t } = props;
  return (
    <>
      <div class="notice notice--success" role="status">
        <h1>{t.reset.doneTitles[props.outcome]}</h1>
        <p>{t.reset.doneLeads[props.outcome]}</p>
      </div>
      <p>{t.reset.doneNotified}</p>
      {props.outcome === 'password_changed' ? (
        <>
          <h2>{t.reset.guidanceTitle}</h2>
          <ul>
            <li>{t.reset.guidanceIphone}</li>
            <li>{t.reset.guidanceAndroid}</li>
            <li>{t.reset.guidanceTeams}</li>
            <li>{t.reset.guidanceWait}</li>
          </ul>
        </>
      ) : (
        <p>{t.reset.guidanceWait}</p>
      )}
      <p>
        <a class="button" href="/sign-in">
          {t.reset.signIn}
        </a>
      </p>
    </>
  );
}

export function ResetEndPage(props: { t: Catalog; kind: 'refused' | 'failed' | DeadFlowReason }) {
  const { t } = props;
  const [title, text] =
    props.kind === 'refused'
      ? [t.reset.refusedTitle, t.reset.refusedText]
      : props.kind === 'failed'
        ? [t.reset.failedTitle, t.reset.failedText]
        : [t.reset.deadTitle, t.reset.deadTexts[props.kind]];
  return (
    <>
      <h1>{title}</h1>
      <p>{text}</p>
      <StartAgainLink t={t} />
    </>
  );
}

function StartAgainLink(props: { t: Catalog }) {
  return (
    <p>
      <a href="/reset">{props.t.reset.startAgain}</a>
    </p>
  );
}
