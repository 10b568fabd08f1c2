// How the campaign pages write numbers, shares, deadlines and states, in the reader's language.

import type { CampaignProgress, CampaignStatus } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { dateTimeFormat, numberFormat } from '../../../i18n/intl-formats.ts';
import { CAMPAIGN_TIME_ZONE } from './campaign-form.ts';

export function formatCount(t: Catalog, value: number): string {
  return numberFormat(t.meta.locale, { maximumFractionDigits: 0 }).format(value);
}

/** A share as a percentage with one decimal at most ("12,5 %"); 0 % of nothing. */
export function formatShare(t: Catalog, part: number, whole: number): string {
  const share = whole <= 0 ? 0 : part / whole;
  return numberFormat(t.meta.locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

/** The deadline's day as the admin chose it (in the campaign time zone, whatever the server's). */
export function formatDeadline(t: Catalog, deadline: Date): string {
  return dateTimeFormat(t.meta.locale, { dateStyle: 'long', timeZone: CAMPAIGN_TIME_ZONE }).format(deadline);
}

/** An ISO day (YYYY-MM-DD) of a snapshot in the campaign time zone. */
export function isoDayOf(at: Date): string {
  return dateTimeFormat('sv-SE', { timeZone: CAMPAIGN_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A day for a chart's axis and table ("3 mars"). */
export function formatDay(t: Catalog, isoDay: string): string {
  return dateTimeFormat(t.meta.locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${isoDay}T12:00:00Z`));
}

export function stateLabel(t: Catalog, status: CampaignStatus): string {
  switch (status) {
    case 'draft':
      return t.campaigns.stateDraft;
    case 'running':
      return t.campaigns.stateRunning;
    case 'completed':
      return t.campaigns.stateFinished;
    case 'cancelled':
      return t.campaigns.stateCancelled;
  }
}

/** "120 of 1,234 have changed (9.7 %)". */
export function progressSummary(t: Catalog, progress: CampaignProgress): string {
  return t.campaigns.progressSummary(
    formatCount(t, progress.changed),
    formatCount(t, progress.total),
    formatShare(t, progress.changed, progress.total),
  );
}
