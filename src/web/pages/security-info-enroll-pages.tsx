// Adding a method: the authenticator app (QR code as inline SVG with a text alternative, the
// secret grouped for reading aloud, short steps for the common apps, the code that proves it),
// a mobile phone (country select with the default preselected, number without country code),
// a private e-mail address, the page for the code we sent, and "verification complete".

import { raw } from 'hono/html';
import type { Catalog } from '../../i18n/catalog.ts';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../components/form-fields.tsx';
import { CodeField, StatusNotice } from './second-step-code-field.tsx';

export function SecurityInfoAuthenticatorPage(props: {
  t: Catalog;
  csrfToken: string;
  /** Null when re-asking for the code after a wrong one (the secret is not kept to show again). */
  enrollment: { secretGrouped: string; qrSvg: string; accountName: string } | null;
  errors: readonly FieldError[];
}) {
  const { t, enrollment } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.securityInfo.totpTitle}</h1>
      {enrollment === null ? null : (
        <>
          <h2>{t.securityInfo.totpInstallHeading}</h2>
          <p>{t.securityInfo.totpInstall}</p>
          <ul>
            <li>{t.securityInfo.totpMicrosoft}</li>
            <li>{t.securityInfo.totpGoogle}</li>
          </ul>
          <h2>{t.securityInfo.totpScanHeading}</h2>
          {/* The SVG comes from our own QR encoder (no user input in it); role img + label give it a text alternative. */}
          <div class="qr-code" role="img" aria-label={t.securityInfo.totpQrAlt}>
            {raw(enrollment.qrSvg)}
          </div>
          <p>{t.securityInfo.totpCantScan}</p>
          <dl class="summary">
            <div class="summary__row">
              <dt>{t.securityInfo.totpAccountLabel}</dt>
              <dd>{enrollment.accountName}</dd>
            </div>
            <div class="summary__row">
              <dt>{t.securityInfo.totpSecretLabel}</dt>
              <dd>
                <code class="secret" id="totp-secret">
                  {enrollment.secretGrouped}
                </code>
              </dd>
            </div>
          </dl>
          <p>{t.securityInfo.totpSecretNote}</p>
        </>
      )}
      <h2>{t.securityInfo.totpCodeHeading}</h2>
      <form method="post" action="/account/security-info/authenticator" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <CodeField t={t} label={t.securityInfo.totpCodeLabel} hint={t.securityInfo.codeHint} errors={props.errors} />
        <div class="actions">
          <button type="submit" class="button">
            {t.securityInfo.next}
          </button>
          <a href="/account/security-info/add">{t.securityInfo.cancel}</a>
        </div>
      </form>
      {enrollment === null ? (
        <p>
          <a href="/account/security-info/authenticator">{t.securityInfo.totpStartOver}</a>
        </p>
      ) : null}
    </>
  );
}

export interface CountryChoice {
  code: string;
  name: string;
  callingCode: number;
}

export function SecurityInfoPhonePage(props: {
  t: Catalog;
  csrfToken: string;
  countries: readonly CountryChoice[];
  country: string;
  number: string;
  errors: readonly FieldError[];
}) {
  const { t, errors } = props;
  const countryError = errors.find((e) => e.field === 'country');
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <h1>{t.securityInfo.phoneTitle}</h1>
      <p class="lead">{t.securityInfo.phoneLead}</p>
      <form method="post" action="/account/security-info/phone" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <div class={countryError === undefined ? 'field' : 'field field--error'}>
          <label class="field__label" for="country">
            {t.securityInfo.countryLabel}
          </label>
          {countryError === undefined ? null : (
            <p id="country-error" class="field__error">
              <span class="visually-hidden">{t.form.errorPrefix} </span>
              {countryError.message}
            </p>
          )}
          <select
            class="field__input"
            id="country"
            name="country"
            autocomplete="country"
            aria-describedby={countryError === undefined ? undefined : 'country-error'}
            aria-invalid={countryError === undefined ? undefined : 'true'}
          >
            {props.countries.map((c) => (
              <option value={c.code} selected={c.code === props.country}>
                {t.securityInfo.countryOption(c.name, c.callingCode)}
              </option>
            ))}
          </select>
        </div>
        <TextField
          t={t}
          id="number"
          type="text"
          label={t.securityInfo.numberLabel}
          hint={t.securityInfo.numberHint}
          autocomplete="tel-national"
          value={props.number}
          errors={errors}
        />
        <div class="actions">
          <button type="submit" class="button">
            {t.securityInfo.next}
          </button>
          <a href="/account/security-info/add">{t.securityInfo.cancel}</a>
        </div>
      </form>
    </>
  );
}

export function SecurityInfoEmailPage(props: { t: Catalog; csrfToken: string; email: string; errors: readonly FieldError[] }) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.securityInfo.emailTitle}</h1>
      <p class="lead">{t.securityInfo.emailLead}</p>
      <form method="post" action="/account/security-info/email" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <TextField
          t={t}
          id="email"
          type="email"
          label={t.securityInfo.emailLabel}
          hint={t.securityInfo.emailHint}
          autocomplete="email"
          value={props.email}
          errors={props.errors}
          isIdentifier
        />
        <div class="actions">
          <button type="submit" class="button">
            {t.securityInfo.next}
          </button>
          <a href="/account/security-info/add">{t.securityInfo.cancel}</a>
        </div>
      </form>
    </>
  );
}

/** "We have sent a code to +46 70 *** ** 67": the code field, a new code, or start over. */
export function SecurityInfoCodePage(props: {
  t: Catalog;
  csrfToken: string;
  /** '/account/security-info/phone' or '/account/security-info/email'. */
  base: string;
  maskedTarget: string;
  notice: string | null;
  errors: readonly FieldError[];
}) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <StatusNotice message={props.notice} isSuccess />
      <h1>{t.securityInfo.codeTitle}</h1>
      <p class="lead">{t.securityInfo.codeSentTo(props.maskedTarget)}</p>
      <form method="post" action={`${props.base}/code`} class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <CodeField t={t} label={t.securityInfo.codeLabel} hint={t.securityInfo.codeHint} errors={props.errors} />
        <button type="submit" class="button">
          {t.securityInfo.verify}
        </button>
      </form>
      <form method="post" action={`${props.base}/resend`} class="form">
        <CsrfField token={props.csrfToken} />
        <button type="submit" class="button button--secondary">
          {t.secondStep.resend}
        </button>
      </form>
      <p>
        <a href={props.base}>{t.securityInfo.startOver}</a>
      </p>
    </>
  );
}

export function SecurityInfoDonePage(props: { t: Catalog; message: string; continueHref: string }) {
  const { t } = props;
  return (
    <>
      <div class="notice notice--success" role="status">
        <h1>{t.securityInfo.doneTitle}</h1>
        <p>{props.message}</p>
      </div>
      <p>{t.securityInfo.notifyNote}</p>
      <p>
        <a class="button" href={props.continueHref}>
          {t.securityInfo.continue}
        </a>
      </p>
    </>
  );
}
