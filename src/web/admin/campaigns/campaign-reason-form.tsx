// The form behind a campaign's start and cancel buttons: the campaign's id, the required reason
// (saved in the event log with the action) and the page's own buttons and links.

import type { Child } from 'hono/jsx';
import type { Campaign } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { CsrfField, type FieldError, TextField } from '../../components/form-fields.tsx';

/** What the form shows, as the start and cancel pages have it in their own props. */
export interface ReasonFormPage {
  t: Catalog;
  csrfToken: string;
  campaign: Campaign;
  reason: string;
  errors: readonly FieldError[];
}

export function CampaignReasonForm(props: {
  page: ReasonFormPage;
  action: string;
  reasonHint: string;
  /** The buttons and links under the reason. */
  children?: Child;
}) {
  const { t, errors } = props.page;
  return (
    <form method="post" action={props.action} class="form" novalidate>
      <CsrfField token={props.page.csrfToken} />
      <input type="hidden" name="id" value={props.page.campaign.id} />
      <TextField
        t={t}
        id="reason"
        label={t.admin.reasonLabel}
        hint={props.reasonHint}
        autocomplete="off"
        value={props.page.reason}
        errors={errors}
      />
      <div class="actions">{props.children}</div>
    </form>
  );
}
