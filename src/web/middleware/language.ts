// Chooses the page language: ?lang=sv|en (remembered in a cookie), else that cookie, else the
// browser's Accept-Language, else the configured default (Swedish).

import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { catalogFor, isLanguage, type Language } from '../../i18n/catalog.ts';
import type { WebEnv } from '../context.ts';

export const LANGUAGE_COOKIE = 'nyckel_lang';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function language(defaultLanguage: Language): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const requested = c.req.query('lang');
    let lang: Language;
    if (isLanguage(requested)) {
      lang = requested;
      // Not a secret, but HttpOnly and Secure anyway: nothing in the page needs to read it.
      setCookie(c, LANGUAGE_COOKIE, lang, {
        path: '/',
        maxAge: ONE_YEAR_SECONDS,
        sameSite: 'Lax',
        httpOnly: true,
        secure: c.get('secureCookies'),
      });
    } else {
      const remembered = getCookie(c, LANGUAGE_COOKIE);
      lang = isLanguage(remembered) ? remembered : (pickFromAcceptLanguage(c.req.header('accept-language')) ?? defaultLanguage);
    }
    c.set('lang', lang);
    c.set('t', catalogFor(lang));
    await next();
    // The answer depends on these, so shared caches must keep them apart.
    c.res.headers.append('Vary', 'Accept-Language, Cookie');
  };
}

/** The first supported language in the header, by quality (RFC 9110 §12.5.4). */
export function pickFromAcceptLanguage(header: string | undefined): Language | null {
  if (header === undefined || header.length > 1000) return null;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q === undefined ? 1 : Number.parseFloat(q.slice(2));
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const entry of ranked) if (isLanguage(entry.primary)) return entry.primary;
  return null;
}
