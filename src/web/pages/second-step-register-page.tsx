// Registration before continuing (an account without methods, when policy requires them):
// "Add it now" or "Ask me later" (counted); and the helpdesk pass pages for when a first method
// may not be added from here (outside the trusted networks) or no method can be used.

import type { Catalog } from '../../i18n/catalog.ts';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../components/form-fields.tsx';

export function SecondStepRegisterPage(props: {
  t: Catalog;
  csrfToken: string;
  canAskLater: boolean;
  askLaterLeft: number;
  errors: readonly FieldError[];
}) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.registration.title}</h1>
      <p class="lead">{t.registration.lead}</p>
      {props.canAskLater ? null : <p>{t.registration.mustNow}</p>}
      <div class="actions">
        <a class="button" id="add-now" href="/account/security-info/add">
          {t.registration.addNow}
        </a>
        {props.canAskLater ? (
          <form method="post" action="/sign-in/register/later" class="form">
            <CsrfField token={props.csrfToken} />
            <p id="ask-later-hint">{t.registration.askLaterLeft(props.askLaterLeft)}</p>
            <button type="submit" class="button button--secondary" aria-describedby="ask-later-hint">
              {t.registration.askLater}
            </button>
          </form>
        ) : null}
      </div>
    </>
  );
}

export interface HelpdeskContact {
  email: string | undefined;
  phone: string | undefined;
}

function Contact(props: { t: Catalog; contact: HelpdeskContact }) {
  const { t, contact } = props;
  if (contact.email === undefined && contact.phone === undefined) return null;
  return (
    <dl class="summary">
      {contact.email === undefined ? null : (
        <div class="summary__row">
          <dt>{t.registration.contactEmail}</dt>
          <dd>
            <a href={`mailto:${contact.email}`}>{contact.email}</a>
          </dd>
        </div>
      )}
      {contact.phone === undefined ? null : (
        <div class="summary__row">
          <dt>{t.registration.contactPhone}</dt>
          <dd>{contact.phone}</dd>
        </div>
      )}
    </dl>
  );
}

/**
 * The helpdesk pass: why it is needed (first method from outside the trusted networks) or that
 * it helps when no method can be used, how to get one, and the field to type it in.
 */
export function SecondStepPassPage(props: {
  t: Catalog;
  csrfToken: string;
  action: string;
  /** 'first_method': refused outside the trusted zones; 'lost_methods': the second step can't be done. */
  reason: 'first_method' | 'lost_methods';
  /** False when the configuration allows no passes for a first registration: then only the explanation. */
  acceptsPass: boolean;
  contact: HelpdeskContact;
  errors: readonly FieldError[];
  backHref: string | null;
}) {
  const { t } = props;
  return (
    <>
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{props.reason === 'first_method' ? t.registration.needsPassTitle : t.registration.passTitle}</h1>
      {props.reason === 'first_method' ? (
        <>
          <p class="lead">{t.registration.needsPassLead}</p>
          <p>{t.registration.needsPassWhy}</p>
        </>
      ) : (
        <p class="lead">{t.secondStep.cantUseAny}</p>
      )}
      <h2>{t.registration.howToGetPassHeading}</h2>
      <p>{t.registration.howToGetPass}</p>
      <Contact t={t} contact={props.contact} />
      {props.acceptsPass ? (
        <form method="post" action={props.action} class="form" novalidate>
          <CsrfField token={props.csrfToken} />
          <TextField
            t={t}
            id="pass"
            label={t.registration.passLabel}
            hint={t.registration.passHint}
            autocomplete="off"
            errors={props.errors}
            isIdentifier
          />
          <button type="submit" class="button">
            {t.registration.passSubmit}
          </button>
        </form>
      ) : null}
      {props.backHref === null ? null : (
        <p>
          <a href={props.backHref}>{t.secondStep.backToCode}</a>
        </p>
      )}
    </>
  );
}
