// The locked-account page: why, and the ways forward (wait, helpdesk, soon self-service unlock).

import type { Catalog } from '../../i18n/catalog.ts';

export function LockedPage(props: { t: Catalog; lockoutMinutes: number }) {
  const { t } = props;
  return (
    <>
      <h1>{t.locked.title}</h1>
      <p class="lead">{t.locked.lead}</p>
      <h2>{t.locked.waitHeading}</h2>
      <ul>
        <li>{t.locked.wait(props.lockoutMinutes)}</li>
        <li>{t.locked.helpdesk}</li>
        <li>{t.locked.selfServiceSoon}</li>
      </ul>
      <p>{t.locked.notYou}</p>
      <p>
        <a href="/sign-in">{t.locked.backToSignIn}</a>
      </p>
    </>
  );
}
