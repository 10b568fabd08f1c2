// Renders a page inside the layout with the request's language, navigation state and status.
// Only the escaping JSX renderer produces HTML (no string concatenation of user data).

import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { type Catalog, catalogFor, type Language } from '../i18n/catalog.ts';
import { stylesheetHref } from './assets.ts';
import { Layout, type NavState } from './components/layout.tsx';
import type { WebEnv } from './context.ts';

export interface PageOptions {
  title: string;
  /** Prefixes the title with "Fel: " so screen-reader users hear at once that the form failed. */
  hasErrors?: boolean;
  status?: number;
  headers?: Record<string, string>;
}

/** The language and catalog, safe to call even when the language middleware has not run (early errors). */
export function pageLanguage(c: Context<WebEnv>): { lang: Language; t: Catalog } {
  const lang = c.get('lang') ?? c.get('services')?.config.i18n.defaultLanguage ?? 'sv';
  return { lang, t: c.get('t') ?? catalogFor(lang) };
}

export async function renderPage(c: Context<WebEnv>, options: PageOptions, content: Child): Promise<Response> {
  const { lang, t } = pageLanguage(c);
  const config = c.get('services').config;
  const session = c.get('session') ?? null;
  // Half-way sessions (password to change, second step or registration to do) get only "sign out".
  const isPartial =
    session !== null &&
    (session.data.pendingChange !== undefined || session.data.secondStep !== undefined || session.data.registration !== undefined);
  const nav: NavState = session === null ? 'signed_out' : isPartial ? 'pending_change' : 'signed_in';
  const title = `${options.hasErrors ? t.app.errorTitlePrefix : ''}${options.title}${t.app.titleSuffix}`;
  const page = (
    <Layout
      lang={lang}
      t={t}
      title={title}
      organisation={config.organisation.name}
      isDemo={config.demo}
      nav={nav}
      csrfToken={session === null ? null : session.data.csrf}
      path={c.req.path}
      stylesheetHref={stylesheetHref}
    >
      {content}
    </Layout>
  );
  const html = `<!DOCTYPE html>${await page.toString()}`;
  return c.html(html, (options.status ?? 200) as 200, options.headers);
}
