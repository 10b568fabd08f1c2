// The second step: prove the method asked for now. Authenticator app and SMS / e-mail take a
// six-digit code, recovery codes a typed code, a passkey its own ceremony (a link). "Use another
// method" leads to the list of the others. Used at sign-in and when re-verifying before a change.

import type { Catalog } from '../../i18n/catalog.ts';
import type { SecurityMethod } from '../../methods/security-info.ts';
import { CsrfField, ErrorSummary, type FieldError } from '../components/form-fields.tsx';
import { CodeField, StatusNotice } from './second-step-code-field.tsx';

export interface SecondStepPageProps {
  t: Catalog;
  csrfToken: string;
  /** '/sign-in/second-step' or '/account/security-info/verify'. */
  base: string;
  isReverify: boolean;
  method: SecurityMethod;
  /** Which method of how many (methodsRequired 2), or null for one. */
  progress: { step: number; total: number } | null;
  /** SMS / e-mail: whether a code has been sent for this method. */
  isSent: boolean;
  codeValidMinutes: number;
  hasOtherMethods: boolean;
  notice: string | null;
  errors: readonly FieldError[];
}

function headingFor(t: Catalog, kind: SecurityMethod['kind']): string {
  switch (kind) {
    case 'totp':
      return t.secondStep.totpHeading;
    case 'sms':
      return t.secondStep.smsHeading;
    case 'email':
      return t.secondStep.emailHeading;
    case 'recovery_codes':
      return t.secondStep.recoveryHeading;
    case 'passkey':
      return t.secondStep.passkeyHeading;
  }
}

export function SecondStepPage(props: SecondStepPageProps) {
  const { t, method, errors } = props;
  const isSentCode = method.kind === 'sms' || method.kind === 'email';
  return (
    <>
      <ErrorSummary t={t} errors={errors} />
      <StatusNotice message={props.notice} isSuccess />
      <h1>{t.secondStep.title}</h1>
      {props.progress === null ? null : <p class="step-progress">{t.secondStep.stepOf(props.progress.step, props.progress.total)}</p>}
      <p class="lead">
        {props.isReverify
          ? t.secondStep.reverifyLead
          : props.progress !== null && props.progress.step > 1
            ? t.secondStep.secondMethodNeeded
            : t.secondStep.lead}
      </p>
      <h2>{headingFor(t, method.kind)}</h2>
      {method.kind === 'passkey' ? (
        <>
          <p>{t.secondStep.passkeyHelp}</p>
          <p>
            <a class="button" href="/sign-in/passkey">
              {t.secondStep.passkeyLink}
            </a>
          </p>
        </>
      ) : (
        <>
          {method.kind === 'totp' ? <p>{t.secondStep.totpHelp}</p> : null}
          {method.kind === 'recovery_codes' ? <p>{t.secondStep.recoveryHelp}</p> : null}
          {isSentCode ? (
            <p>
              {props.isSent
                ? `${t.secondStep.codeSentTo(method.maskedTarget ?? '')} ${t.secondStep.codeValid(props.codeValidMinutes)}`
                : t.secondStep.notSentYet}
            </p>
          ) : null}
          <form method="post" action={props.base} class="form" novalidate>
            <CsrfField token={props.csrfToken} />
            {method.kind === 'recovery_codes' ? (
              <CodeField
                t={t}
                label={t.secondStep.recoveryCodeLabel}
                hint={t.secondStep.recoveryCodeHint}
                errors={errors}
                isNumeric={false}
              />
            ) : (
              <CodeField t={t} label={t.secondStep.codeLabel} hint={t.secondStep.codeHint} errors={errors} />
            )}
            <button type="submit" class="button">
              {t.secondStep.submit}
            </button>
          </form>
          {isSentCode ? (
            <form method="post" action={`${props.base}/resend`} class="form">
              <CsrfField token={props.csrfToken} />
              <button type="submit" class="button button--secondary">
                {t.secondStep.resend}
              </button>
            </form>
          ) : null}
        </>
      )}
      {props.hasOtherMethods ? (
        <p>
          <a href={`${props.base}/methods`}>{t.secondStep.useAnother}</a>
        </p>
      ) : null}
      <h2>{t.secondStep.cantUseAnyHeading}</h2>
      <p>{t.secondStep.cantUseAny}</p>
      <p>
        <a href={`${props.base}/pass`}>{t.secondStep.passLink}</a>
      </p>
    </>
  );
}

/** How a method is offered in "Use another method". */
export function methodChoiceLabel(t: Catalog, method: SecurityMethod): string {
  switch (method.kind) {
    case 'totp':
      return t.secondStep.methodTotp;
    case 'sms':
      return t.secondStep.methodSms(method.maskedTarget ?? '');
    case 'email':
      return t.secondStep.methodEmail(method.maskedTarget ?? '');
    case 'passkey':
      return method.label === '' ? t.secondStep.methodPasskey : `${t.secondStep.methodPasskey}: ${method.label}`;
    case 'recovery_codes':
      return t.secondStep.methodRecovery;
  }
}

/** "Use another method": one button per remaining method (a form, since choosing an SMS sends a code). */
export function SecondStepChoosePage(props: {
  t: Catalog;
  csrfToken: string;
  base: string;
  methods: readonly SecurityMethod[];
  errors: readonly FieldError[];
}) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.secondStep.chooseTitle}</h1>
      <p class="lead">{t.secondStep.chooseLead}</p>
      {props.methods.length === 0 ? (
        <p>{t.secondStep.noMethodsLeft}</p>
      ) : (
        <ul class="choice-list">
          {props.methods.map((method) => (
            <li>
              {method.kind === 'passkey' ? (
                <a class="button button--secondary" href="/sign-in/passkey">
                  {methodChoiceLabel(t, method)}
                </a>
              ) : (
                <form method="post" action={`${props.base}/methods`} class="inline-form">
                  <CsrfField token={props.csrfToken} />
                  <input type="hidden" name="method" value={method.id} />
                  <button type="submit" class="button button--secondary">
                    {methodChoiceLabel(t, method)}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={props.base}>{t.secondStep.backToCode}</a>
      </p>
      <h2>{t.secondStep.cantUseAnyHeading}</h2>
      <p>{t.secondStep.cantUseAny}</p>
      <p>
        <a href={`${props.base}/pass`}>{t.secondStep.passLink}</a>
      </p>
    </>
  );
}
