// Dates shown to people, in their language (the server's time zone).

import type { Catalog } from '../i18n/catalog.ts';
import { dateTimeFormat } from '../i18n/intl-formats.ts';

export function formatDate(t: Catalog, date: Date): string {
  return dateTimeFormat(t.meta.locale, { dateStyle: 'long' }).format(date);
}

export function formatDateTime(t: Catalog, date: Date): string {
  return dateTimeFormat(t.meta.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
