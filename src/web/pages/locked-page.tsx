// The locked-account page: why, and the ways forward (unlock yourself with your security info, wait, helpdesk).

import type { Catalog } from '../../i18n/catalog.ts';

export function LockedPage(props: { t: Catalog; lockoutMinutes: number }) {
  const { t } = props;
  return (
    <>
      <h1>{t.locked.title}</h1>
      <p class="lead">{t.locked.lead}</p>
      <h2>{t.locked.waitHeading}</h2>
      <ul>
        <li>
          <a href="/reset">{t.locked.selfService}</a>
        </li>
        <li>{t.locked.wait(props.lockoutMinutes)}</li>
        <li>{t.locked.helpdesk}</li>
      </ul>
      <p>{t.locked.notYou}</p>
      <p>
        <a href="/sign-in">{t.locked.backToSignIn}</a>
      </p>
    </>
  );
}
