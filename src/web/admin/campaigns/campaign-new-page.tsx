// The new-campaign form: title, deadline, who (everyone, a department, a group or an uploaded
// list), an optional message, channels, reminders and the deadline action. Sent as
// multipart/form-data (the file); after an error every value comes back except the file, which
// the page asks for again. Nothing happens to any account here: the next step is the confirmation.

import type { DeadlineAction } from '../../../campaigns/campaign.ts';
import type { Catalog } from '../../../i18n/catalog.ts';
import { CsrfField, ErrorSummary, type FieldError } from '../../components/form-fields.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { ChoiceField, InputField, TextAreaField } from './campaign-fields.tsx';
import {
  type CampaignFormValues,
  FORM_CHANNELS,
  type FORM_DEADLINE_ACTIONS,
  formatKiB,
  MESSAGE_MAX,
  TARGET_KINDS,
  TITLE_MAX,
} from './campaign-form.ts';
import { CAMPAIGNS_BASE, NEW_PATH } from './campaign-paths.ts';

export function CampaignNewPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  csrfToken: string;
  values: CampaignFormValues;
  errors: readonly FieldError[];
  uploadLimitBytes: number;
  /** A file was chosen before the form came back with errors: say it must be chosen again. */
  askFileAgain: boolean;
  /** The deadline actions to offer (offeredDeadlineActions: `lock` only where the directory can lock). */
  deadlineActions: readonly DeadlineAction[];
}) {
  const { t, values, errors } = props;
  const tc = t.campaigns;
  const targetLabels: Record<(typeof TARGET_KINDS)[number], string> = {
    everyone: tc.targetAll,
    department: tc.targetDepartment,
    group: tc.targetGroup,
    list: tc.targetList,
  };
  const actionLabels: Record<(typeof FORM_DEADLINE_ACTIONS)[number], string> = {
    none: tc.deadlineActionNone,
    block_sign_in: tc.deadlineActionBlock,
    lock: tc.deadlineActionLock,
  };
  const channelLabels: Record<(typeof FORM_CHANNELS)[number], string> = {
    email: tc.channelEmail,
    sms: tc.channelSms,
    work_email: tc.channelEmail,
  };
  return (
    <StaffFrame t={t} roles={props.roles} current="campaigns">
      <ErrorSummary t={t} errors={errors} />
      <h1>{tc.newTitle}</h1>
      <p class="lead">{tc.newLead}</p>
      <form method="post" action={NEW_PATH} enctype="multipart/form-data" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        {values.replaces === '' ? null : <input type="hidden" name="replaces" value={values.replaces} />}
        <InputField
          t={t}
          id="title"
          type="text"
          label={tc.titleLabel}
          hint={tc.titleHint}
          value={values.title}
          maxlength={TITLE_MAX}
          errors={errors}
        />
        <InputField
          t={t}
          id="deadline"
          // A text field with the format in the hint: date pickers differ between browsers and
          // screen readers, and their part order doesn't follow the page's language.
          type="text"
          label={tc.deadlineLabel}
          hint={tc.deadlineHint}
          value={values.deadline}
          short
          errors={errors}
        />
        <ChoiceField
          t={t}
          name="target"
          legend={tc.targetLegend}
          kind="radio"
          selected={[values.target]}
          errors={errors}
          choices={TARGET_KINDS.map((kind) => ({
            value: kind,
            label: targetLabels[kind],
            detail:
              kind === 'department' ? (
                <InputField
                  t={t}
                  id="department"
                  type="text"
                  label={tc.departmentLabel}
                  hint={tc.departmentHint}
                  value={values.department}
                  errors={errors}
                />
              ) : kind === 'group' ? (
                <InputField t={t} id="group" type="text" label={tc.groupLabel} hint={tc.groupHint} value={values.group} errors={errors} />
              ) : kind === 'list' ? (
                <InputField
                  t={t}
                  id="upload"
                  type="file"
                  label={tc.listLabel}
                  hint={
                    props.askFileAgain
                      ? `${tc.listHint(formatKiB(t, props.uploadLimitBytes))} ${tc.listChooseAgain}`
                      : tc.listHint(formatKiB(t, props.uploadLimitBytes))
                  }
                  accept=".txt,.csv,text/plain,text/csv"
                  errors={errors}
                />
              ) : undefined,
          }))}
        />
        <TextAreaField
          t={t}
          id="message"
          label={tc.messageLabel}
          hint={tc.messageHint(MESSAGE_MAX)}
          value={values.message}
          maxlength={MESSAGE_MAX}
          errors={errors}
        />
        <ChoiceField
          t={t}
          name="channels"
          legend={tc.channelsLegend}
          hint={tc.channelsHint}
          kind="checkbox"
          selected={values.channels}
          errors={errors}
          choices={FORM_CHANNELS.map((channel) => ({ value: channel, label: channelLabels[channel] }))}
        />
        <InputField
          t={t}
          id="reminders"
          type="text"
          label={tc.remindersLabel}
          hint={tc.remindersHint}
          value={values.reminders}
          short
          errors={errors}
        />
        <ChoiceField
          t={t}
          name="deadlineAction"
          legend={tc.deadlineActionLegend}
          {...(props.deadlineActions.includes('lock') ? {} : { hint: tc.lockUnavailableHint })}
          kind="radio"
          selected={[values.deadlineAction]}
          errors={errors}
          choices={props.deadlineActions.map((action) => ({ value: action, label: actionLabels[action] }))}
        />
        <div class="actions">
          <button type="submit" class="button">
            {tc.next}
          </button>
          <a href={CAMPAIGNS_BASE}>{tc.cancelLink}</a>
        </div>
      </form>
    </StaffFrame>
  );
}
