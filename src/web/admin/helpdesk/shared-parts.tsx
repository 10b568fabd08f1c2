// Pieces every helpdesk page about one account shares: the privileged-account warning, the link
// back to the user page, and the hidden account field of the action forms.

import type { DirectoryAccount } from '../../../directory/directory.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { helpdeskHref, USER_PATH } from './helpdesk-paths.ts';

/** Shown on the user page and every confirmation for a privileged account (self-service refuses them). */
export function PrivilegedWarning(props: { t: Catalog; isPrivileged: boolean }) {
  if (!props.isPrivileged) return null;
  const { t } = props;
  return (
    <div class="notice notice--warning" role="note" aria-labelledby="privileged-warning-title">
      <h2 id="privileged-warning-title">{t.helpdesk.privilegedWarningTitle}</h2>
      <p>{t.helpdesk.privilegedWarning}</p>
    </div>
  );
}

export function BackToUser(props: { t: Catalog; account: DirectoryAccount }) {
  return (
    <p>
      <a href={helpdeskHref(USER_PATH, props.account.id)}>{props.t.helpdesk.backToUser(props.account.displayName)}</a>
    </p>
  );
}

export function AccountField(props: { account: DirectoryAccount }) {
  return <input type="hidden" name="id" value={props.account.id} />;
}
