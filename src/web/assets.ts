// The one stylesheet, read once at start-up and served from /assets/app.css. Its link carries
// a content hash so a new release is fetched at once while browsers may cache it for a day.

import { readFileSync } from 'node:fs';
import { sha256 } from '../security/tokens.ts';

export const stylesheet = readFileSync(new URL('./assets/app.css', import.meta.url), 'utf8');
export const stylesheetVersion = sha256(stylesheet).slice(0, 12);
export const stylesheetHref = `/assets/app.css?v=${stylesheetVersion}`;
