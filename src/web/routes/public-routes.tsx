// Pages anyone may see: start, accessibility statement, health checks, the stylesheet and,
// in demo mode only, the outbox.

import type { Context } from 'hono';
import { stylesheet } from '../assets.ts';
import type { WebEnv } from '../context.ts';
import { AccessibilityPage } from '../pages/accessibility-page.tsx';
import { DemoOutboxPage } from '../pages/demo-outbox-page.tsx';
import { StartPage } from '../pages/start-page.tsx';
import { renderPage } from '../render.tsx';
import type { RouteTable } from '../route-table.ts';

export function registerPublicRoutes(routes: RouteTable, options: { isDemo: boolean }): void {
  routes.get('/', (c) => {
    const t = c.var.t;
    const isSignedIn = c.var.session !== null;
    return renderPage(
      c,
      { title: t.start.title },
      <StartPage
        t={t}
        organisation={c.var.services.config.organisation.name}
        isSignedIn={isSignedIn}
        isSignedOut={!isSignedIn && c.req.query('signedOut') === '1'}
      />,
    );
  });

  routes.get('/accessibility', (c) => {
    const { organisation } = c.var.services.config;
    return renderPage(
      c,
      { title: c.var.t.accessibility.title },
      <AccessibilityPage
        t={c.var.t}
        organisation={organisation.name}
        contactEmail={organisation.contactEmail}
        contactPhone={organisation.contactPhone}
      />,
    );
  });

  routes.get('/assets/app.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    // The link carries a content hash (?v=), so a day's caching never serves a stale design.
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(stylesheet);
  });

  routes.get('/healthz', (c) => c.json({ status: 'ok' }));

  routes.get('/readyz', async (c: Context<WebEnv>) => {
    const { store, directory } = c.var.services;
    try {
      await Promise.all([store.ping(), directory.ping()]);
      return c.json({ status: 'ready' });
    } catch (error) {
      // The reason goes to the log only: a probe's answer is public.
      c.var.log.warn({ err: { message: (error as Error).message } }, 'not ready');
      return c.json({ status: 'unavailable' }, 503);
    }
  });

  if (options.isDemo) {
    routes.get('/demo/outbox', async (c) => {
      const entries = await c.var.services.outbox.read(100);
      return renderPage(c, { title: c.var.t.demoOutbox.title }, <DemoOutboxPage t={c.var.t} entries={entries} />);
    });
  }
}
