// "My account": who is signed in, the password's dates, the lock state and a way to security info.

import type { AccountState, DirectoryAccount } from '../../directory/directory.ts';
import type { Catalog } from '../../i18n/catalog.ts';
import { formatDate } from '../format.ts';

export function AccountPage(props: {
  t: Catalog;
  account: DirectoryAccount;
  state: AccountState;
  passwordJustChanged: boolean;
  /** How many sign-in methods the account has registered. */
  methodCount: number;
  /** The account holds a staff role and is on a network the staff area answers on. */
  showStaffLink?: boolean;
}) {
  const { t, account, state } = props;
  return (
    <>
      {props.passwordJustChanged ? (
        <div class="notice notice--success" role="status">
          <p>
            <strong>{t.account.passwordChanged}</strong>
          </p>
          <p>{t.account.passwordChangedSessions}</p>
          <p>{t.account.passwordChangedGuidance}</p>
        </div>
      ) : null}
      <h1>{t.account.title}</h1>
      <p class="lead">{t.account.greeting(account.displayName)}</p>

      <h2>{t.account.detailsHeading}</h2>
      <dl class="summary">
        <div class="summary__row">
          <dt>{t.account.displayName}</dt>
          <dd>{account.displayName}</dd>
        </div>
        <div class="summary__row">
          <dt>{t.account.username}</dt>
          <dd>{account.username}</dd>
        </div>
        {account.email === null ? null : (
          <div class="summary__row">
            <dt>{t.account.email}</dt>
            <dd>{account.email}</dd>
          </div>
        )}
        <div class="summary__row">
          <dt>{t.account.passwordChangedAt}</dt>
          <dd>{state.passwordChangedAt === null ? t.account.unknownDate : formatDate(t, state.passwordChangedAt)}</dd>
        </div>
        <div class="summary__row">
          <dt>{t.account.passwordExpiresAt}</dt>
          <dd>{state.passwordExpiresAt === null ? t.account.passwordNeverExpires : formatDate(t, state.passwordExpiresAt)}</dd>
        </div>
        <div class="summary__row">
          <dt>{t.account.lockState}</dt>
          <dd>{state.isLocked ? t.account.isLocked : t.account.notLocked}</dd>
        </div>
      </dl>
      <p>
        <a class="button button--secondary" href="/account/password">
          {t.account.changePasswordLink}
        </a>
      </p>

      <h2>{t.account.securityInfoHeading}</h2>
      <p>{props.methodCount === 0 ? t.account.securityInfoNone : t.securityInfo.accountCount(props.methodCount)}</p>
      <p>{t.securityInfo.lead}</p>
      <p>
        <a class="button button--secondary" href="/account/security-info">
          {t.securityInfo.accountLink}
        </a>
      </p>
      {props.showStaffLink === true ? (
        <>
          <h2>{t.admin.title}</h2>
          <p>{t.admin.staffLead}</p>
          <p>
            <a class="button button--secondary" href="/admin">
              {t.admin.staffLink}
            </a>
          </p>
        </>
      ) : null}
    </>
  );
}
