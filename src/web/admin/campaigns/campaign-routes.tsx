// The campaign pages of the staff area (/admin/campaigns, role admin): the list, the new-campaign
// form (multipart, with an uploaded list), the confirmation step with the number of accounts and
// a required reason, the campaign's progress page, the CSV export of who is pending, and
// cancelling. Every handler is wrapped in staffOnly('admin'); every POST carries the CSRF token
// (checked by the middleware before the handler runs). The engine (services.campaigns) does the
// work; these pages check input at the edge, show its answers, and audit the admin's reason.

import type { Context } from 'hono';
import type { Services } from '../../../app/services.ts';
import type {
  Campaign,
  CampaignActor,
  CampaignService,
  CampaignTarget,
  CreateCampaignInput,
  StoredCampaignTarget,
  UploadReport,
} from '../../../campaigns/campaign.ts';
import { pendingCsvLines } from '../../../campaigns/pending-csv.ts';
import { decodeUpload } from '../../../campaigns/upload-list.ts';
import { isNyckelError } from '../../../domain/errors.ts';
import type { FieldError } from '../../components/form-fields.tsx';
import type { WebEnv } from '../../context.ts';
import { field, readForm } from '../../form.ts';
import { renderPage } from '../../render.tsx';
import type { RouteTable } from '../../route-table.ts';
import { type Staff, staffOnly } from '../staff-access.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import { CampaignCancelPage } from './campaign-cancel-page.tsx';
import { CampaignConfirmPage } from './campaign-confirm-page.tsx';
import {
  type CampaignFormValues,
  emptyFormValues,
  engineErrors,
  offeredDeadlineActions,
  readSubmittedForm,
  todayIn,
  uploadLimitBytes,
  uploadProblemErrors,
  validateCampaignForm,
} from './campaign-form.ts';
import { CampaignListPage } from './campaign-list-page.tsx';
import { CampaignNewPage } from './campaign-new-page.tsx';
import {
  CAMPAIGN_PATH,
  CAMPAIGNS_BASE,
  CANCEL_PATH,
  CONFIRM_PATH,
  campaignHref,
  EXPORT_PATH,
  NEW_PATH,
  START_PATH,
} from './campaign-paths.ts';
import { type CampaignNotice, CampaignProgressPage } from './campaign-progress-page.tsx';

export const REASON_MAX = 500;
const LIST_LIMIT = 200;
const COUNT_PAGE_SIZE = 1000;
/** Ids are the engine's own; anything longer or stranger is not one (and is never looked up). */
const CAMPAIGN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The engine (services.campaigns). */
function campaignsOf(services: Services): CampaignService {
  return services.campaigns;
}

function actorOf(c: Context<WebEnv>, staff: Staff): CampaignActor {
  return { accountId: staff.session.accountId, username: staff.account.username, ip: c.var.clientIp };
}

function idFrom(value: string | undefined): string | null {
  return value !== undefined && CAMPAIGN_ID.test(value) ? value : null;
}

async function campaignFromQuery(c: Context<WebEnv>): Promise<Campaign | null> {
  const id = idFrom(c.req.query('id'));
  return id === null ? null : campaignsOf(c.var.services).get(id);
}

function notFound(c: Context<WebEnv>, staff: Staff): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: t.campaigns.notFoundTitle, status: 404 },
    <StaffFrame t={t} roles={staff.roles} current="campaigns">
      <h1>{t.campaigns.notFoundTitle}</h1>
      <p class="lead">{t.campaigns.notFound}</p>
      <p>
        <a href={CAMPAIGNS_BASE}>{t.campaigns.backToList}</a>
      </p>
    </StaffFrame>,
  );
}

/** The reason every staff action needs (house rule: audited with the agent's name and a reason). */
function checkReason(c: Context<WebEnv>, reason: string): FieldError[] {
  const { t } = c.var;
  if (reason === '') return [{ field: 'reason', message: t.admin.reasonMissing }];
  if ([...reason].length > REASON_MAX) return [{ field: 'reason', message: t.admin.reasonTooLong(REASON_MAX) }];
  if (/[\p{Cc}\u2028\u2029\uFFFD]/u.test(reason)) return [{ field: 'reason', message: t.form.unreadable }];
  return [];
}

/** A posted start or cancel: the campaign named by the form's id (null if none) and the reason typed, checked. */
async function postedAction(c: Context<WebEnv>): Promise<{ campaign: Campaign | null; reason: string; errors: FieldError[] }> {
  const form = await readForm(c);
  const id = idFrom(field(form, 'id'));
  const campaign = id === null ? null : await campaignsOf(c.var.services).get(id);
  const reason = field(form, 'reason').trim();
  return { campaign, reason, errors: checkReason(c, reason) };
}

/**
 * How many accounts a target reaches, for the confirmation step: a list's members were found
 * when it was created; the others are counted through the directory's paged listing.
 */
async function countAffected(c: Context<WebEnv>, campaign: Campaign): Promise<number> {
  const service = campaignsOf(c.var.services);
  if (campaign.target.kind === 'list') return (await service.progress(campaign.id)).total;
  return countTarget(c.var.services, campaign.target);
}

export async function countTarget(services: Services, target: Exclude<StoredCampaignTarget, { kind: 'list' }>): Promise<number> {
  const filter = target.kind === 'department' ? { department: target.department } : target.kind === 'group' ? { group: target.group } : {};
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await services.directory.listAccounts({ pageSize: COUNT_PAGE_SIZE, cursor, ...filter });
    count += page.accounts.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

/** A draft's choices back in the form (for "change the details"); the file must be chosen again. */
function valuesFromDraft(campaign: Campaign): CampaignFormValues {
  const target = campaign.target;
  return {
    title: campaign.title,
    deadline: todayIn(campaign.deadline),
    target: target.kind,
    department: target.kind === 'department' ? target.department : '',
    group: target.kind === 'group' ? target.group : '',
    message: campaign.message ?? '',
    channels: [...campaign.channels],
    reminders: campaign.reminderDaysBefore.join(', '),
    deadlineAction: campaign.deadlineAction,
    replaces: campaign.id,
  };
}

function renderNewForm(
  c: Context<WebEnv>,
  staff: Staff,
  values: CampaignFormValues,
  errors: readonly FieldError[],
  options: { status?: number; askFileAgain?: boolean } = {},
): Promise<Response> {
  const { t } = c.var;
  return renderPage(
    c,
    { title: t.campaigns.newTitle, hasErrors: errors.length > 0, status: options.status ?? (errors.length > 0 ? 400 : 200) },
    <CampaignNewPage
      t={t}
      roles={staff.roles}
      csrfToken={staff.session.data.csrf}
      values={values}
      errors={errors}
      uploadLimitBytes={uploadLimitBytes(c.var.services.config.server.bodyLimitBytes)}
      askFileAgain={options.askFileAgain ?? false}
      deadlineActions={offeredDeadlineActions(c.var.services.directory.canLock)}
    />,
  );
}

async function renderConfirm(
  c: Context<WebEnv>,
  staff: Staff,
  campaign: Campaign,
  view: { upload: UploadReport | null; affected?: number; reason?: string; errors?: FieldError[] },
): Promise<Response> {
  const { t } = c.var;
  const errors = view.errors ?? [];
  const affected = view.affected ?? (await countAffected(c, campaign));
  return renderPage(
    c,
    { title: t.campaigns.confirmTitle, hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200 },
    <CampaignConfirmPage
      t={t}
      roles={staff.roles}
      csrfToken={staff.session.data.csrf}
      campaign={campaign}
      affected={affected}
      upload={view.upload}
      reason={view.reason ?? ''}
      errors={errors}
    />,
  );
}

/** Hono's parsed body (cached: the CSRF check read the same body before). */
async function parsedBody(c: Context<WebEnv>): Promise<Record<string, string | File | (string | File)[]>> {
  try {
    return (await c.req.parseBody({ all: true })) as Record<string, string | File | (string | File)[]>;
  } catch (error) {
    c.var.log.info({ err: { message: (error as Error).message } }, 'unreadable campaign form body');
    return {};
  }
}

async function createCampaign(c: Context<WebEnv>, staff: Staff): Promise<Response> {
  const { t } = c.var;
  const { clock, config, directory } = c.var.services;
  const service = campaignsOf(c.var.services);
  const submitted = readSubmittedForm(await parsedBody(c));
  const values = submitted.values;
  const limit = uploadLimitBytes(config.server.bodyLimitBytes);
  const askFileAgain = values.target === 'list' && submitted.file !== null;

  const checked = validateCampaignForm(t, submitted, clock.now(), limit, { canLock: directory.canLock });
  if (!checked.ok) return renderNewForm(c, staff, values, checked.errors, { askFileAgain });

  let target: CampaignTarget;
  if (checked.input.target.kind === 'list') {
    // The engine parses the list; malformed lines stop here, before anything is stored.
    const decoded = decodeUpload(new Uint8Array(await (submitted.file as File).arrayBuffer()));
    if (typeof decoded !== 'string') return renderNewForm(c, staff, values, engineErrors(t, [decoded.error], limit), { askFileAgain });
    const report = service.checkUpload(decoded);
    if ('error' in report) return renderNewForm(c, staff, values, engineErrors(t, [report.error], limit), { askFileAgain });
    if (report.malformed > 0) {
      const malformedOnly: UploadReport = {
        ...report,
        duplicates: 0,
        unknown: 0,
        problems: report.problems.filter((p) => p.kind === 'malformed'),
      };
      return renderNewForm(c, staff, values, uploadProblemErrors(t, malformedOnly), { askFileAgain });
    }
    target = { kind: 'list', text: decoded };
  } else {
    target = checked.input.target;
  }

  const input: CreateCampaignInput = { ...checked.input, target };
  const actor = actorOf(c, staff);
  let result: Awaited<ReturnType<CampaignService['create']>>;
  try {
    result = await service.create(input, actor);
  } catch (error) {
    if (isNyckelError(error, 'directory_unavailable')) {
      return renderNewForm(c, staff, values, [{ field: 'title', message: t.campaigns.unavailable }], { status: 503, askFileAgain });
    }
    throw error;
  }
  if (!result.ok) {
    const errors = engineErrors(t, result.errors, limit);
    if (result.upload !== null && result.errors.some((e) => e.code === 'no_members')) errors.push(...uploadProblemErrors(t, result.upload));
    return renderNewForm(c, staff, values, errors, { askFileAgain });
  }

  // "Change the details" made a new draft: the one it replaces goes, so drafts don't pile up.
  const replaces = idFrom(values.replaces);
  if (replaces !== null && replaces !== result.campaign.id) {
    const old = await service.get(replaces);
    if (old !== null && old.status === 'draft') await service.cancel(old.id, actor);
  }
  const affected = result.upload === null ? undefined : result.upload.accounts;
  return renderConfirm(c, staff, result.campaign, { upload: result.upload, ...(affected === undefined ? {} : { affected }) });
}

/** The CSV of who is still pending, streamed from the store a page at a time. */
async function exportPending(c: Context<WebEnv>, staff: Staff): Promise<Response> {
  const campaign = await campaignFromQuery(c);
  if (campaign === null) return notFound(c, staff);
  const { t } = c.var;
  const { directory, store, clock } = c.var.services;
  const service = campaignsOf(c.var.services);
  // Personal data leaves the system: who took it is in the event log (GDPR art. 30 record of processing).
  await store.appendAudit(
    {
      type: 'campaign.pending_exported',
      actor: staff.session.accountId,
      subject: campaign.id,
      ip: c.var.clientIp,
      outcome: 'success',
      detail: { agent: staff.account.username, campaign: campaign.id },
    },
    clock.now(),
  );
  const lines = pendingCsvLines(service, directory, campaign.id, [
    t.campaigns.csvUsername,
    t.campaigns.csvName,
    t.campaigns.csvDepartment,
    t.campaigns.csvEmail,
  ])[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const log = c.var.log;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done === true) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        log.error({ err: { message: (error as Error).message } }, 'campaign pending export failed');
        controller.error(error);
      }
    },
  });
  const fileName = `pending-${campaign.id}-${todayIn(clock.now())}.csv`.replace(/[^A-Za-z0-9._-]/g, '-');
  return new Response(stream, {
    status: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${fileName}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

export function registerCampaignRoutes(routes: RouteTable): void {
  routes.get(
    CAMPAIGNS_BASE,
    staffOnly('admin', async (c, staff) => {
      const { t } = c.var;
      const service = campaignsOf(c.var.services);
      const campaigns = await service.list({ limit: LIST_LIMIT });
      const items = await Promise.all(campaigns.map(async (campaign) => ({ campaign, progress: await service.progress(campaign.id) })));
      return renderPage(c, { title: t.campaigns.title }, <CampaignListPage t={t} roles={staff.roles} items={items} />);
    }),
  );

  routes.get(
    NEW_PATH,
    staffOnly('admin', async (c, staff) => {
      const from = idFrom(c.req.query('from'));
      const draft = from === null ? null : await campaignsOf(c.var.services).get(from);
      const values = draft !== null && draft.status === 'draft' ? valuesFromDraft(draft) : emptyFormValues;
      return renderNewForm(c, staff, values, [], { askFileAgain: draft?.target.kind === 'list' });
    }),
  );

  routes.post(NEW_PATH, staffOnly('admin', createCampaign));

  routes.get(
    CONFIRM_PATH,
    staffOnly('admin', async (c, staff) => {
      const campaign = await campaignFromQuery(c);
      if (campaign === null) return notFound(c, staff);
      if (campaign.status !== 'draft') return c.redirect(campaignHref(campaign.id), 303);
      return renderConfirm(c, staff, campaign, { upload: null });
    }),
  );

  routes.post(
    START_PATH,
    staffOnly('admin', async (c, staff) => {
      const { campaign, reason, errors } = await postedAction(c);
      if (campaign === null) return notFound(c, staff);
      if (campaign.status !== 'draft') return c.redirect(campaignHref(campaign.id), 303);
      if (errors.length > 0) return renderConfirm(c, staff, campaign, { upload: null, reason, errors });
      // The reason goes into the campaign.started event itself.
      const started = await campaignsOf(c.var.services).start(campaign.id, { ...actorOf(c, staff), reason });
      return c.redirect(`${campaignHref(campaign.id)}${started ? '&notice=started' : ''}`, 303);
    }),
  );

  routes.get(
    CAMPAIGN_PATH,
    staffOnly('admin', async (c, staff) => {
      const campaign = await campaignFromQuery(c);
      if (campaign === null) return notFound(c, staff);
      const { t } = c.var;
      const service = campaignsOf(c.var.services);
      const [progress, overTime, byDepartment] = await Promise.all([
        service.progress(campaign.id),
        service.progressOverTime(campaign.id),
        service.progressByDepartment(campaign.id),
      ]);
      const asked = c.req.query('notice');
      const notice: CampaignNotice = asked === 'started' || asked === 'cancelled' ? asked : null;
      return renderPage(
        c,
        { title: campaign.title },
        <CampaignProgressPage
          t={t}
          roles={staff.roles}
          campaign={campaign}
          progress={progress}
          overTime={overTime}
          byDepartment={byDepartment}
          notice={notice}
        />,
      );
    }),
  );

  routes.get(EXPORT_PATH, staffOnly('admin', exportPending));

  routes.get(
    CANCEL_PATH,
    staffOnly('admin', async (c, staff) => {
      const campaign = await campaignFromQuery(c);
      if (campaign === null) return notFound(c, staff);
      if (campaign.status !== 'draft' && campaign.status !== 'running') return c.redirect(campaignHref(campaign.id), 303);
      const { t } = c.var;
      return renderPage(
        c,
        { title: t.campaigns.cancelTitle },
        <CampaignCancelPage t={t} roles={staff.roles} csrfToken={staff.session.data.csrf} campaign={campaign} reason="" errors={[]} />,
      );
    }),
  );

  routes.post(
    CANCEL_PATH,
    staffOnly('admin', async (c, staff) => {
      const { campaign, reason, errors } = await postedAction(c);
      if (campaign === null) return notFound(c, staff);
      const { t } = c.var;
      if (errors.length > 0) {
        return renderPage(
          c,
          { title: t.campaigns.cancelTitle, hasErrors: true, status: 400 },
          <CampaignCancelPage
            t={t}
            roles={staff.roles}
            csrfToken={staff.session.data.csrf}
            campaign={campaign}
            reason={reason}
            errors={errors}
          />,
        );
      }
      const cancelled = await campaignsOf(c.var.services).cancel(campaign.id, { ...actorOf(c, staff), reason });
      return c.redirect(`${campaignHref(campaign.id)}${cancelled ? '&notice=cancelled' : ''}`, 303);
    }),
  );
}
