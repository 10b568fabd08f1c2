// The one stylesheet, read once at start-up and served from /assets/app.css. Its link carries
// a content hash so a new release is fetched at once while browsers may cache it for a day.
// It is app.css followed by the other .css files in assets/ by name (one per area of the
// portal, e.g. staff.css), so one request styles every page.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sha256 } from '../security/tokens.ts';

const assetsDir = new URL('./assets/', import.meta.url);
const areaStylesheets = readdirSync(assetsDir)
  .filter((name) => name.endsWith('.css') && name !== 'app.css')
  .sort();
export const stylesheet = ['app.css', ...areaStylesheets].map((name) => readFileSync(new URL(name, assetsDir), 'utf8')).join('\n');
export const stylesheetVersion = sha256(stylesheet).slice(0, 12);
export const stylesheetHref = `/assets/app.css?v=${stylesheetVersion}`;

// Passkeys: our small page script and @simplewebauthn/browser's one-file bundle (a classic script
// that defines SimpleWebAuthnBrowser), both served from our own origin, never from a CDN.
const webAuthnBrowserBundle = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);
export const passkeyScripts = {
  page: readFileSync(new URL('./assets/passkey.js', import.meta.url), 'utf8'),
  webAuthnBrowser: readFileSync(webAuthnBrowserBundle, 'utf8'),
};
export const passkeyScriptHrefs = {
  page: `/assets/passkey.js?v=${sha256(passkeyScripts.page).slice(0, 12)}`,
  webAuthnBrowser: `/assets/simplewebauthn-browser.js?v=${sha256(passkeyScripts.webAuthnBrowser).slice(0, 12)}`,
};
