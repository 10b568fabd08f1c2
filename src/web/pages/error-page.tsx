// Error pages: a plain explanation, a way forward and, for server errors, a reference that is
// also in the log. Never a stack trace or a technical message.

import type { Catalog } from '../../i18n/catalog.ts';

export function ErrorPage(props: { t: Catalog; title: string; message: string; extra?: string; reference?: string; retryHref?: string }) {
  const { t } = props;
  return (
    <>
      <h1>{props.title}</h1>
      <p class="lead">{props.message}</p>
      {props.extra === undefined ? null : <p>{props.extra}</p>}
      {props.reference === undefined ? null : (
        <p>
          {t.errors.referenceHint}
          <br />
          {t.errors.referenceLabel}: <span class="reference">{props.reference}</span>
        </p>
      )}
      <p>
        {props.retryHref === undefined ? null : (
          <>
            <a href={props.retryHref}>{t.errors.tryAgain}</a>
            <br />
          </>
        )}
        <a href="/">{t.app.backToStart}</a>
      </p>
    </>
  );
}
