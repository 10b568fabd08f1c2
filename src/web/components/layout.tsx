// The page frame: language, skip link, header with navigation and language switch, main,
// footer with the accessibility statement. No inline styles or scripts (the CSP forbids them).

import type { Child } from 'hono/jsx';
import type { Catalog, Language } from '../../i18n/catalog.ts';

export type NavState = 'signed_out' | 'signed_in' | 'pending_change';

export interface LayoutProps {
  lang: Language;
  t: Catalog;
  /** The full document title, already with suffix and error prefix. */
  title: string;
  organisation: string;
  isDemo: boolean;
  nav: NavState;
  /** The sign-out form's token (signed in only). */
  csrfToken: string | null;
  /** The current path, so the language switch keeps the page. */
  path: string;
  stylesheetHref: string;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const { t, lang } = props;
  const other: Language = lang === 'sv' ? 'en' : 'sv';
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={props.stylesheetHref} />
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t.app.skipLink}
        </a>
        {props.isDemo ? (
          <div class="demo-banner">
            <p>{t.app.demoBanner}</p>
          </div>
        ) : null}
        <header class="site-header">
          <div class="container site-header__inner">
            <a class="site-header__home" href="/">
              <span class="site-header__name">{t.app.name}</span> <span class="site-header__org">{props.organisation}</span>
            </a>
            <nav class="site-nav" aria-label={t.app.mainNavLabel}>
              <ul class="site-nav__list">
                {props.nav === 'signed_in' ? (
                  <li>
                    <a href="/account">{t.nav.account}</a>
                  </li>
                ) : null}
                {props.nav === 'signed_out' ? (
                  <li>
                    <a href="/sign-in">{t.nav.signIn}</a>
                  </li>
                ) : null}
                {props.nav !== 'signed_out' && props.csrfToken !== null ? (
                  <li>
                    <form method="post" action="/sign-out" class="inline-form">
                      <input type="hidden" name="_csrf" value={props.csrfToken} />
                      <button type="submit" class="link-button">
                        {t.nav.signOut}
                      </button>
                    </form>
                  </li>
                ) : null}
                <li>
                  <a href={`${props.path}?lang=${other}`} lang={other} hreflang={other}>
                    {t.app.otherLanguageLink}
                  </a>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="container main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <nav class="container" aria-label={t.app.footerLabel}>
            <ul class="site-footer__list">
              <li>
                <a href="/accessibility">{t.app.accessibilityLink}</a>
              </li>
              {props.isDemo ? (
                <li>
                  <a href="/demo/outbox">{t.app.demoOutboxLink}</a>
                </li>
              ) : null}
            </ul>
            <p class="site-footer__org">{props.organisation}</p>
          </nav>
        </footer>
      </body>
    </html>
  );
}
