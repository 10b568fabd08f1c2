// The confirmation step before a campaign starts: how many accounts it will require to change
// password, lines of an uploaded list that are not used, a summary of the choices, and a required
// reason (saved in the event log). Only "start" here changes anything.

import type { Campaign, UploadReport } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { ErrorSummary, type FieldError } from '../../components/form-fields.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { describeProblem, PROBLEMS_SHOWN } from './campaign-form.ts';
import { formatCount, formatDeadline } from './campaign-format.ts';
import { cancelHref, NEW_PATH, START_PATH } from './campaign-paths.ts';
import { CampaignReasonForm } from './campaign-reason-form.tsx';

export function CampaignSummary(props: { t: Catalog; campaign: Campaign }) {
  const { t, campaign } = props;
  const tc = t.campaigns;
  const target = campaign.target;
  const who =
    target.kind === 'everyone'
      ? tc.summaryTargetAll
      : target.kind === 'department'
        ? tc.summaryTargetDepartment(target.department)
        : target.kind === 'group'
          ? tc.summaryTargetGroup(target.group)
          : tc.summaryTargetList(formatCount(t, target.entries));
  const channelNames = campaign.channels.map((c) => (c === 'sms' ? tc.channelSms : tc.channelEmail));
  const action =
    campaign.deadlineAction === 'none'
      ? tc.deadlineActionNone
      : campaign.deadlineAction === 'lock'
        ? tc.deadlineActionLock
        : tc.deadlineActionBlock;
  const rows: [string, string][] = [
    [tc.columnTitle, campaign.title],
    [tc.columnDeadline, formatDeadline(t, campaign.deadline)],
    [tc.summaryTarget, who],
    [tc.summaryChannels, channelNames.length === 0 ? tc.summaryNoChannels : channelNames.join(', ')],
    [
      tc.summaryReminders,
      campaign.reminderDaysBefore.length === 0 ? tc.summaryNoReminders : tc.summaryRemindersDays(campaign.reminderDaysBefore.join(', ')),
    ],
    [tc.summaryDeadlineAction, action],
    [tc.summaryMessage, campaign.message ?? tc.summaryNoMessage],
  ];
  return (
    <dl class="summary">
      {rows.map(([term, value]) => (
        <div class="summary__row">
          <dt>{term}</dt>
          <dd class="campaign-summary__value">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function CampaignConfirmPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  csrfToken: string;
  campaign: Campaign;
  /** Accounts the campaign will require to change password. */
  affected: number;
  /** The uploaded list's report (right after the upload only). */
  upload: UploadReport | null;
  reason: string;
  errors: readonly FieldError[];
}) {
  const { t, campaign, errors } = props;
  const tc = t.campaigns;
  const deadline = formatDeadline(t, campaign.deadline);
  const problems = props.upload?.problems ?? [];
  const problemCount = props.upload === null ? 0 : props.upload.malformed + props.upload.duplicates + props.upload.unknown;
  return (
    <StaffFrame t={t} roles={props.roles} current="campaigns">
      <ErrorSummary t={t} errors={errors} />
      <h1>{tc.confirmTitle}</h1>
      <p class="campaign-impact" id="campaign-impact">
        {props.affected === 0
          ? tc.confirmNothing
          : props.affected === 1
            ? tc.confirmImpactOne(deadline)
            : tc.confirmImpact(formatCount(t, props.affected), deadline)}
      </p>
      {problemCount === 0 ? null : (
        <div class="notice">
          <p>{tc.unusedLinesTitle(problemCount)}</p>
          <ul class="campaign-problems">
            {problems.slice(0, PROBLEMS_SHOWN).map((p) => (
              <li>{describeProblem(t, p)}</li>
            ))}
            {problemCount > Math.min(problems.length, PROBLEMS_SHOWN) ? (
              <li>{tc.listMoreProblems(problemCount - Math.min(problems.length, PROBLEMS_SHOWN))}</li>
            ) : null}
          </ul>
        </div>
      )}
      <h2>{tc.confirmSummary}</h2>
      <CampaignSummary t={t} campaign={campaign} />
      {props.affected === 0 ? (
        <p>
          <a href={`${NEW_PATH}?from=${encodeURIComponent(campaign.id)}`}>{tc.confirmBack}</a>
        </p>
      ) : (
        <CampaignReasonForm page={props} action={START_PATH} reasonHint={tc.confirmReasonHint}>
          <button type="submit" class="button">
            {tc.start}
          </button>
          <a href={`${NEW_PATH}?from=${encodeURIComponent(campaign.id)}`}>{tc.confirmBack}</a>
          <a href={cancelHref(campaign.id)}>{tc.cancelLink}</a>
        </CampaignReasonForm>
      )}
    </StaffFrame>
  );
}
