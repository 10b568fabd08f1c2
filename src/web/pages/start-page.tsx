// The start page: what Nyckel is for, and the way in.

import type { Catalog } from '../../i18n/catalog.ts';

export function StartPage(props: { t: Catalog; organisation: string; isSignedIn: boolean; isSignedOut: boolean }) {
  const { t } = props;
  return (
    <>
      {props.isSignedOut ? (
        <div class="notice notice--success" role="status">
          <p>{t.start.signedOut}</p>
        </div>
      ) : null}
      <h1>{t.start.title}</h1>
      <p class="lead">{t.start.lead(props.organisation)}</p>
      {props.isSignedIn ? (
        <>
          <p>{t.start.signedInPrompt}</p>
          <p>
            <a class="button" href="/account">
              {t.start.accountLink}
            </a>
          </p>
        </>
      ) : (
        <>
          <p>{t.start.signInPrompt}</p>
          <p>
            <a class="button" href="/sign-in">
              {t.start.signInButton}
            </a>
          </p>
        </>
      )}
    </>
  );
}
