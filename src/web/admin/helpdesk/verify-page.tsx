// Verifying a caller: for an SMS or e-mail method, first a button that sends the code (never on
// a GET), then the field for the code the caller reads back; for the authenticator app, the
// field straight away. Then the outcome: verified, or not (too many attempts).

import type { DirectoryAccount } from '../../../directory/directory.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import type { SecurityMethod } from '../../../methods/security-info.ts';
import { CsrfField, ErrorSummary, type FieldError } from '../../components/form-fields.tsx';
import { CodeField, StatusNotice } from '../../pages/second-step-code-field.tsx';
import { methodTitle } from '../../pages/security-info-page.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { VERIFY_PATH, VERIFY_SEND_PATH } from './helpdesk-paths.ts';
import { AccountField, BackToUser, PrivilegedWarning } from './shared-parts.tsx';

export function VerifyCallerPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  csrfToken: string;
  account: DirectoryAccount;
  isPrivileged: boolean;
  method: SecurityMethod;
  /** The sealed challenge of a sent code; null before one is sent (SMS, e-mail) or for the authenticator app. */
  sealedChallenge: string | null;
  notice: string | null;
  errors: readonly FieldError[];
}) {
  const { t, method } = props;
  const needsSend = method.kind !== 'totp' && props.sealedChallenge === null;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <ErrorSummary t={t} errors={props.errors} />
      <StatusNotice message={props.notice} isSuccess />
      <h1>{t.helpdesk.verifyTitle}</h1>
      <p class="lead">
        {props.account.displayName} ({props.account.username})
      </p>
      <PrivilegedWarning t={t} isPrivileged={props.isPrivileged} />
      <p>{method.kind === 'totp' ? t.helpdesk.verifyLeadTotp : t.helpdesk.verifyLeadCode(methodTitle(t, method))}</p>
      {needsSend ? (
        <form method="post" action={VERIFY_SEND_PATH} class="form">
          <CsrfField token={props.csrfToken} />
          <AccountField account={props.account} />
          <input type="hidden" name="method" value={method.id} />
          <button type="submit" id="send" class="button">
            {t.helpdesk.verifySend}
          </button>
        </form>
      ) : (
        <form method="post" action={VERIFY_PATH} class="form" novalidate>
          <CsrfField token={props.csrfToken} />
          <AccountField account={props.account} />
          <input type="hidden" name="method" value={method.id} />
          {props.sealedChallenge === null ? null : <input type="hidden" name="challenge" value={props.sealedChallenge} />}
          <CodeField t={t} label={t.helpdesk.codeLabel} hint={t.helpdesk.codeHint} errors={props.errors} />
          <button type="submit" class="button">
            {t.helpdesk.verifySubmit}
          </button>
        </form>
      )}
      <BackToUser t={t} account={props.account} />
    </StaffFrame>
  );
}

export function VerifyResultPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  account: DirectoryAccount;
  method: SecurityMethod;
  isVerified: boolean;
}) {
  const { t } = props;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <h1>{props.isVerified ? t.helpdesk.verifiedTitle : t.helpdesk.verifyFailedTitle}</h1>
      <div class={props.isVerified ? 'notice notice--success' : 'notice notice--error'} role={props.isVerified ? 'status' : 'alert'}>
        <p>{props.isVerified ? t.helpdesk.verified(props.account.displayName, methodTitle(t, props.method)) : t.helpdesk.verifyTooMany}</p>
      </div>
      <BackToUser t={t} account={props.account} />
    </StaffFrame>
  );
}
