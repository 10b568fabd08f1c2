// The error answers of the app: 404, 405, 403 (form expired), 413, 429, 503 and 500. Each is a
// full page in the user's language; server errors carry the request id as a reference and are
// logged with the same id.

import type { Context } from 'hono';
import { isNyckelError } from '../domain/errors.ts';
import type { WebEnv } from './context.ts';
import { ErrorPage } from './pages/error-page.tsx';
import { pageLanguage, renderPage } from './render.tsx';

export function notFoundPage(c: Context<WebEnv>): Promise<Response> {
  const { t } = pageLanguage(c);
  // The reference lets a user who reports a broken link be matched with the log line.
  return renderPage(
    c,
    { title: t.errors.notFoundTitle, status: 404 },
    <ErrorPage t={t} title={t.errors.notFoundTitle} message={t.errors.notFound} reference={c.get('requestId')} />,
  );
}

export function methodNotAllowedPage(c: Context<WebEnv>, allowed: readonly string[]): Promise<Response> {
  const { t } = pageLanguage(c);
  return renderPage(
    c,
    { title: t.errors.methodNotAllowedTitle, status: 405, headers: { Allow: allowed.join(', ') } },
    <ErrorPage t={t} title={t.errors.methodNotAllowedTitle} message={t.errors.methodNotAllowed} />,
  );
}

export function payloadTooLargePage(c: Context<WebEnv>): Promise<Response> {
  const { t } = pageLanguage(c);
  c.var.log.warn({ limit: c.var.services.config.server.bodyLimitBytes }, 'request body too large');
  // Connection: close, so the client stops sending the rest of an oversized body.
  return renderPage(
    c,
    { title: t.errors.payloadTooLargeTitle, status: 413, headers: { Connection: 'close' } },
    <ErrorPage t={t} title={t.errors.payloadTooLargeTitle} message={t.errors.payloadTooLarge} />,
  );
}

export function csrfFailedPage(c: Context<WebEnv>): Promise<Response> {
  const { t } = pageLanguage(c);
  return renderPage(
    c,
    { title: t.errors.csrfTitle, status: 403 },
    <ErrorPage t={t} title={t.errors.csrfTitle} message={t.errors.csrf} retryHref={c.req.path} />,
  );
}

export function tooManyRequestsPage(c: Context<WebEnv>, retryAfterMs: number): Promise<Response> {
  const { t } = pageLanguage(c);
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return renderPage(
    c,
    { title: t.errors.tooManyTitle, status: 429, headers: { 'Retry-After': String(seconds) } },
    <ErrorPage t={t} title={t.errors.tooManyTitle} message={t.errors.tooMany} extra={t.errors.tooManyRetry(minutes)} />,
  );
}

/** The app's onError: 503 when a dependency is down, else 500; always logged with the reference. */
export async function serverErrorPage(error: Error, c: Context<WebEnv>): Promise<Response> {
  const reference = c.get('requestId') ?? 'unknown';
  const log = c.get('log') ?? c.get('services')?.logger;
  const { t } = pageLanguage(c);
  const isUnavailable = isNyckelError(error, 'directory_unavailable') || isNyckelError(error, 'store_unavailable');
  log?.error({ err: error, ref: reference, path: c.req.path }, isUnavailable ? 'dependency unavailable' : 'unhandled error');
  try {
    if (isUnavailable) {
      return await renderPage(
        c,
        { title: t.errors.unavailableTitle, status: 503, headers: { 'Retry-After': '60' } },
        <ErrorPage t={t} title={t.errors.unavailableTitle} message={t.errors.unavailable} reference={reference} />,
      );
    }
    return await renderPage(
      c,
      { title: t.errors.serverErrorTitle, status: 500 },
      <ErrorPage t={t} title={t.errors.serverErrorTitle} message={t.errors.serverError} reference={reference} />,
    );
  } catch (renderError) {
    // Even the error page failed: a bare answer that still carries the reference.
    log?.error({ err: renderError, ref: reference }, 'error page failed');
    return c.text(`${t.errors.serverErrorTitle}. ${t.errors.referenceLabel}: ${reference}`, 500);
  }
}
