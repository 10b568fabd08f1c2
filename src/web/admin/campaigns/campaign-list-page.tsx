// The list of password-change campaigns: title (a link to its page), deadline, state and a
// progress summary in words, newest first, and the way to start a new one.

import type { Campaign, CampaignProgress } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { formatDeadline, progressSummary, stateLabel } from './campaign-format.ts';
import { CAMPAIGNS_BASE, campaignHref, confirmHref } from './campaign-paths.ts';

export interface CampaignListItem {
  campaign: Campaign;
  progress: CampaignProgress;
}

export function CampaignListPage(props: { t: Catalog; roles: ReadonlySet<StaffRole>; items: readonly CampaignListItem[] }) {
  const { t } = props;
  const tc = t.campaigns;
  return (
    <StaffFrame t={t} roles={props.roles} current="campaigns">
      <h1>{tc.title}</h1>
      <p class="lead">{tc.lead}</p>
      <p>
        <a class="button" href={`${CAMPAIGNS_BASE}/new`}>
          {tc.newCampaign}
        </a>
      </p>
      {props.items.length === 0 ? (
        <p>{tc.none}</p>
      ) : (
        <div class="table-wrap">
          <table class="campaign-table">
            <caption>{tc.listCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{tc.columnTitle}</th>
                <th scope="col">{tc.columnDeadline}</th>
                <th scope="col">{tc.columnState}</th>
                <th scope="col">{tc.columnProgress}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map(({ campaign, progress }) => (
                <tr>
                  <th scope="row">
                    <a href={campaign.status === 'draft' ? confirmHref(campaign.id) : campaignHref(campaign.id)}>{campaign.title}</a>
                  </th>
                  <td>{formatDeadline(t, campaign.deadline)}</td>
                  <td class="campaign-state">{stateLabel(t, campaign.status)}</td>
                  <td>{campaign.status === 'draft' ? '–' : progressSummary(t, progress)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </StaffFrame>
  );
}
