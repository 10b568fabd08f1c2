// "Cancel the password change?": what cancelling does and doesn't undo, a required reason (saved
// in the event log), and a clear way back without cancelling.

import type { Campaign } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { ErrorSummary, type FieldError } from '../../components/form-fields.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { CANCEL_PATH, campaignHref, confirmHref } from './campaign-paths.ts';
import { CampaignReasonForm } from './campaign-reason-form.tsx';

export function CampaignCancelPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  csrfToken: string;
  campaign: Campaign;
  reason: string;
  errors: readonly FieldError[];
}) {
  const { t, campaign, errors } = props;
  const tc = t.campaigns;
  const back = campaign.status === 'draft' ? confirmHref(campaign.id) : campaignHref(campaign.id);
  return (
    <StaffFrame t={t} roles={props.roles} current="campaigns">
      <ErrorSummary t={t} errors={errors} />
      <h1>{tc.cancelTitle}</h1>
      <p class="lead">{tc.cancelLead(campaign.title)}</p>
      <p>{tc.cancelExplain}</p>
      <CampaignReasonForm page={props} action={CANCEL_PATH} reasonHint={t.admin.reasonHint}>
        <button type="submit" class="button button--danger">
          {tc.cancelConfirm}
        </button>
        <a href={back}>{tc.cancelKeep}</a>
      </CampaignReasonForm>
    </StaffFrame>
  );
}
