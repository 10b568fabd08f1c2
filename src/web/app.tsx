// The web application: middleware in order, then the pages. Deny by default: unknown paths get
// the 404 page, wrong methods 405, and every POST passes the CSRF check first.

import { Hono } from 'hono';
import type { Services } from '../app/services.ts';
import { campaignFormBodyLimitBytes } from './admin/campaigns/campaign-form.ts';
import { NEW_PATH } from './admin/campaigns/campaign-paths.ts';
import { staffZoneGuard } from './admin/staff-access.tsx';
import { registerStaffRoutes } from './admin/staff-routes.tsx';
import type { WebEnv } from './context.ts';
import { csrfFailedPage, methodNotAllowedPage, notFoundPage, payloadTooLargePage, serverErrorPage } from './error-responses.tsx';
import { accessLog } from './middleware/access-log.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { clientAddress } from './middleware/client-address.ts';
import { csrfKeyLoader, csrfProtection } from './middleware/csrf.ts';
import { language } from './middleware/language.ts';
import { pendingChangeGuard } from './middleware/pending-change.ts';
import { requestId } from './middleware/request-id.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { RouteTable } from './route-table.ts';
import { registerAccountRoutes } from './routes/account-routes.tsx';
import { registerPasskeyRoutes } from './routes/passkey-routes.tsx';
import { registerPasswordPolicyRoutes } from './routes/password-policy-routes.tsx';
import { registerPublicRoutes } from './routes/public-routes.tsx';
import { registerResetRoutes } from './routes/reset-routes.tsx';
import { registerSecondStepRoutes, secondStepGuard } from './routes/second-step-routes.tsx';
import { registerSecurityInfoRoutes } from './routes/security-info-routes.tsx';
import { registerSignInRoutes } from './routes/sign-in-routes.tsx';
import { loadSession } from './session.ts';

export interface AppOptions {
  /** Extra routes registered after the app's own (tests use this to force errors). */
  extraRoutes?: (routes: RouteTable) => void;
}

export function createApp(services: Services, options: AppOptions = {}): Hono<WebEnv> {
  const { config } = services;
  const app = new Hono<WebEnv>();

  app.use('*', async (c, next) => {
    c.set('services', services);
    c.set('session', null);
    await next();
  });
  app.use('*', requestId());
  app.use('*', clientAddress({ trustedProxies: config.server.trustedProxies, publicUrl: config.server.publicUrl }));
  app.use('*', accessLog());
  app.use('*', securityHeaders());
  app.use('*', language(config.i18n.defaultLanguage));
  app.use(
    '*',
    bodyLimit(config.server.bodyLimitBytes, payloadTooLargePage, {
      // The uploaded list of leaked accounts (staff only, and still bounded).
      [NEW_PATH]: campaignFormBodyLimitBytes(config.server.bodyLimitBytes),
    }),
  );
  app.use('*', loadSession());
  // The staff area answers only inside admin.zones: before CSRF and routes, so nothing there is reachable from outside.
  app.use('*', staffZoneGuard());
  const routes = new RouteTable(app);
  app.use(
    '*',
    csrfProtection({
      key: csrfKeyLoader(services.store),
      onFailure: csrfFailedPage,
      isHandled: (method, path) => routes.isHandled(method, path),
    }),
  );
  app.use('*', pendingChangeGuard());
  app.use('*', secondStepGuard());

  registerPublicRoutes(routes, { isDemo: config.demo });
  registerSignInRoutes(routes);
  registerAccountRoutes(routes);
  registerSecondStepRoutes(routes);
  registerSecurityInfoRoutes(routes);
  registerPasskeyRoutes(routes);
  registerResetRoutes(routes);
  registerPasswordPolicyRoutes(routes);
  registerStaffRoutes(routes);
  options.extraRoutes?.(routes);

  app.notFound((c) => {
    const allowed = routes.allowedMethods(c.req.path);
    return allowed === undefined ? notFoundPage(c) : methodNotAllowedPage(c, allowed);
  });
  app.onError(serverErrorPage);
  return app;
}
