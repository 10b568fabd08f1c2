// Security info ("Säkerhetsinformation"): the account's methods with their targets masked, the
// default method marked and changeable, adding a method, removing one, recovery codes.

import type { Catalog } from '../../i18n/catalog.ts';
import type { SecurityMethod } from '../../methods/security-info.ts';
import { CsrfField } from '../components/form-fields.tsx';
import { formatDate } from '../format.ts';
import { StatusNotice } from './second-step-code-field.tsx';

/** The kind of a method as people call it. */
export function kindName(t: Catalog, kind: SecurityMethod['kind']): string {
  switch (kind) {
    case 'totp':
      return t.securityInfo.kindTotp;
    case 'sms':
      return t.securityInfo.kindSms;
    case 'email':
      return t.securityInfo.kindEmail;
    case 'passkey':
      return t.securityInfo.kindPasskey;
    case 'recovery_codes':
      return t.securityInfo.kindRecovery;
  }
}

/** What identifies one method among others of its kind: masked target, passkey name, codes left. */
export function methodDetail(t: Catalog, method: SecurityMethod): string {
  if (method.kind === 'recovery_codes') return t.securityInfo.recoveryRemaining(method.remaining ?? 0);
  if (method.maskedTarget !== null) return method.maskedTarget;
  if (method.label !== '') return method.label;
  return t.securityInfo.addedOn(formatDate(t, method.createdAt));
}

/** A method named in a sentence ("Ta bort Mobiltelefon +46 70 *** ** 67?"). */
export function methodTitle(t: Catalog, method: SecurityMethod): string {
  return `${kindName(t, method.kind)} ${methodDetail(t, method)}`;
}

export function SecurityInfoPage(props: {
  t: Catalog;
  csrfToken: string;
  methods: readonly SecurityMethod[];
  notice: { text: string; isError: boolean } | null;
}) {
  const { t, methods } = props;
  const defaultable = methods.filter((m) => m.kind !== 'recovery_codes');
  const current = methods.find((m) => m.isDefault) ?? null;
  const recovery = methods.find((m) => m.kind === 'recovery_codes') ?? null;
  return (
    <>
      {props.notice?.isError ? (
        <div class="notice notice--error" role="alert">
          <p>{props.notice.text}</p>
        </div>
      ) : (
        <StatusNotice message={props.notice?.text ?? null} isSuccess />
      )}
      <h1>{t.securityInfo.title}</h1>
      <p class="lead">{t.securityInfo.lead}</p>

      {defaultable.length === 0 ? null : (
        <>
          <h2>{t.securityInfo.defaultHeading}</h2>
          <form method="post" action="/account/security-info/default" class="form" novalidate>
            <CsrfField token={props.csrfToken} />
            <div class="field">
              <label class="field__label" for="default-method">
                {t.securityInfo.defaultLabel}
              </label>
              <p id="default-method-hint" class="field__hint">
                {t.securityInfo.defaultHint}
              </p>
              <select class="field__input" id="default-method" name="method" aria-describedby="default-method-hint">
                {defaultable.map((m) => (
                  <option value={m.id} selected={m.id === current?.id}>
                    {methodTitle(t, m)}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" class="button button--secondary">
              {t.securityInfo.defaultSubmit}
            </button>
          </form>
        </>
      )}

      <h2 id="methods-heading">{t.securityInfo.tableCaption}</h2>
      {methods.length === 0 ? (
        <p>{t.securityInfo.none}</p>
      ) : (
        <ul class="method-list" aria-labelledby="methods-heading">
          {methods.map((m) => (
            <li class="method-list__item">
              <p class="method-list__name">
                {kindName(t, m.kind)}
                {m.isDefault ? <span class="method-list__default"> {t.securityInfo.defaultMarker}</span> : null}
              </p>
              <p class="method-list__detail">{methodDetail(t, m)}</p>
              <a
                href={`/account/security-info/remove?method=${encodeURIComponent(m.id)}`}
                aria-label={t.securityInfo.removeLabel(methodTitle(t, m))}
              >
                {t.securityInfo.remove}
              </a>
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <a class="button" href="/account/security-info/add">
          {t.securityInfo.addMethod}
        </a>
        <a class="button button--secondary" href="/account/security-info/passkey/new">
          {t.securityInfo.addPasskey}
        </a>
      </div>

      <h2>{t.securityInfo.recoveryHeading}</h2>
      <p>{t.securityInfo.recoveryExplain}</p>
      {methods.some((m) => m.kind !== 'recovery_codes') ? (
        <form method="post" action="/account/security-info/recovery-codes" class="form">
          <CsrfField token={props.csrfToken} />
          {recovery === null ? null : <p id="regenerate-note">{t.securityInfo.recoveryRegenerateNote}</p>}
          <button type="submit" class="button button--secondary" aria-describedby={recovery === null ? undefined : 'regenerate-note'}>
            {recovery === null ? t.securityInfo.recoveryGenerate : t.securityInfo.recoveryRegenerate}
          </button>
        </form>
      ) : (
        <p>{t.securityInfo.recoveryNeedsMethod}</p>
      )}
      <p>{t.securityInfo.notifyNote}</p>
    </>
  );
}

/** "Add a sign-in method": the choices, each with a line saying what it is. */
export function SecurityInfoAddPage(props: { t: Catalog; hasMethods: boolean }) {
  const { t } = props;
  const choices = [
    { href: '/account/security-info/authenticator', name: t.securityInfo.kindTotp, text: t.securityInfo.addTotpDescription },
    { href: '/account/security-info/phone', name: t.securityInfo.kindSms, text: t.securityInfo.addSmsDescription },
    { href: '/account/security-info/email', name: t.securityInfo.kindEmail, text: t.securityInfo.addEmailDescription },
    { href: '/account/security-info/passkey/new', name: t.securityInfo.kindPasskey, text: t.securityInfo.addPasskeyDescription },
  ];
  return (
    <>
      <h1>{t.securityInfo.addTitle}</h1>
      <p class="lead">{t.securityInfo.addLead}</p>
      <ul class="choice-list">
        {choices.map((choice) => (
          <li>
            <a class="choice-list__link" href={choice.href}>
              {choice.name}
            </a>
            <p class="choice-list__text">{choice.text}</p>
          </li>
        ))}
      </ul>
      {props.hasMethods ? (
        <p>
          <a href="/account/security-info">{t.securityInfo.back}</a>
        </p>
      ) : null}
    </>
  );
}

/** Confirmation before removing a method. */
export function SecurityInfoRemovePage(props: { t: Catalog; csrfToken: string; method: SecurityMethod; isLast: boolean }) {
  const { t, method } = props;
  return (
    <>
      <h1>{t.securityInfo.removeTitle}</h1>
      <p class="lead">{t.securityInfo.removeQuestion(methodTitle(t, method))}</p>
      <p>{props.isLast ? t.securityInfo.removeLast : t.securityInfo.removeWarning}</p>
      <form method="post" action="/account/security-info/remove" class="form">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="method" value={method.id} />
        <div class="actions">
          <button type="submit" class="button">
            {t.securityInfo.removeConfirm}
          </button>
          <a href="/account/security-info">{t.securityInfo.cancel}</a>
        </div>
      </form>
    </>
  );
}

/** The recovery codes, shown once; print styles keep only the codes on paper. */
export function SecurityInfoRecoveryCodesPage(props: { t: Catalog; codes: readonly string[]; organisation: string; username: string }) {
  const { t } = props;
  return (
    <>
      <h1>{t.securityInfo.recoveryTitle}</h1>
      <p class="lead">{t.securityInfo.recoveryLead}</p>
      <div class="notice">
        <p>{t.securityInfo.recoveryShownOnce}</p>
      </div>
      <section class="recovery-codes" aria-labelledby="recovery-codes-heading">
        <h2 id="recovery-codes-heading">{t.securityInfo.recoveryListLabel}</h2>
        <p class="recovery-codes__owner">
          {props.organisation} · {props.username}
        </p>
        <ol class="recovery-codes__list">
          {props.codes.map((code) => (
            <li class="recovery-codes__code">{code}</li>
          ))}
        </ol>
      </section>
      <p class="no-print">{t.securityInfo.recoveryPrintHint}</p>
      <p class="no-print">
        <a class="button" href="/account/security-info">
          {t.securityInfo.recoverySaved}
        </a>
      </p>
    </>
  );
}
