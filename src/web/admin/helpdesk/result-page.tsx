// What an action did: done, refused, or nothing changed because the directory could not be
// reached (the existing plain-words directory notice). The pass page shows the pass once.

import type { DirectoryAccount } from '../../../directory/directory.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { DirectoryUnavailableNotice } from '../../components/directory-unavailable-notice.tsx';
import { formatDateTime } from '../../format.ts';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { HELPDESK_PATH } from './helpdesk-paths.ts';
import { BackToUser } from './shared-parts.tsx';

export type ActionOutcome =
  | { kind: 'done'; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'directory_unavailable' }
  | { kind: 'directory_refused' };

export function ActionResultPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  account: DirectoryAccount;
  title: string;
  outcome: ActionOutcome;
}) {
  const { t, outcome } = props;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      {outcome.kind === 'directory_unavailable' ? (
        <>
          <h1>{t.helpdesk.actionFailedTitle}</h1>
          <DirectoryUnavailableNotice t={t} />
        </>
      ) : outcome.kind === 'directory_refused' ? (
        <>
          <h1>{t.helpdesk.actionFailedTitle}</h1>
          <div class="notice notice--error" role="alert">
            <p>{t.helpdesk.unexpectedDirectoryError}</p>
          </div>
        </>
      ) : (
        <>
          <h1>{outcome.kind === 'done' ? props.title : t.helpdesk.actionFailedTitle}</h1>
          <div
            class={outcome.kind === 'done' ? 'notice notice--success' : 'notice notice--error'}
            role={outcome.kind === 'done' ? 'status' : 'alert'}
          >
            <p>{outcome.message}</p>
          </div>
        </>
      )}
      <BackToUser t={t} account={props.account} />
    </StaffFrame>
  );
}

/** The issued pass, shown this once (the store keeps only its HMAC; the page is sent with no-store). */
export function PassIssuedPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  account: DirectoryAccount;
  pass: string;
  validUntil: Date;
  singleUse: boolean;
}) {
  const { t } = props;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <h1>{t.helpdesk.passDoneTitle}</h1>
      <p class="lead">
        {props.account.displayName} ({props.account.username})
      </p>
      <div class="notice">
        <p>{t.helpdesk.passShownOnce}</p>
      </div>
      <h2 id="pass-label">{t.helpdesk.passLabel}</h2>
      <p class="secret helpdesk-pass" id="issued-pass">
        {props.pass}
      </p>
      <p>
        {t.helpdesk.passValidUntil(formatDateTime(t, props.validUntil))}{' '}
        {props.singleUse ? t.helpdesk.passSingleUseNote : t.helpdesk.passReusableNote}
      </p>
      <p>{t.helpdesk.passHowToUse}</p>
      <BackToUser t={t} account={props.account} />
    </StaffFrame>
  );
}

/** A page-level message without an account to go back to (bad link, account gone, directory down). */
export function HelpdeskMessagePage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  title: string;
  message: string | null;
  isDirectoryUnavailable?: boolean;
}) {
  const { t } = props;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <h1>{props.title}</h1>
      {props.isDirectoryUnavailable ? (
        <DirectoryUnavailableNotice t={t} />
      ) : (
        <div class="notice notice--error" role="alert">
          <p>{props.message}</p>
        </div>
      )}
      <p>
        <a href={HELPDESK_PATH}>{t.helpdesk.backToSearch}</a>
      </p>
    </StaffFrame>
  );
}
