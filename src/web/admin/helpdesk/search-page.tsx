// The helpdesk start page: find a user by username or e-mail address.

import type { Catalog } from '../../../i18n/catalog.ts';
import { CsrfField, ErrorSummary, type FieldError, TextField } from '../../components/form-fields.tsx';
import { StaffFrame } from '../staff-pages.tsx';
import type { StaffRole } from '../staff-roles.ts';
import { HELPDESK_PATH } from './helpdesk-paths.ts';

export function HelpdeskSearchPage(props: {
  t: Catalog;
  roles: ReadonlySet<StaffRole>;
  csrfToken: string;
  value: string;
  errors: readonly FieldError[];
}) {
  const { t } = props;
  return (
    <StaffFrame t={t} roles={props.roles} current="helpdesk">
      <ErrorSummary t={t} errors={props.errors} />
      <h1>{t.helpdesk.title}</h1>
      <p class="lead">{t.helpdesk.lead}</p>
      <h2>{t.helpdesk.searchHeading}</h2>
      <form method="post" action={HELPDESK_PATH} class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <TextField
          t={t}
          id="identifier"
          label={t.helpdesk.searchLabel}
          hint={t.helpdesk.searchHint}
          autocomplete="off"
          value={props.value}
          errors={props.errors}
          isIdentifier
        />
        <button type="submit" class="button">
          {t.helpdesk.searchSubmit}
        </button>
      </form>
    </StaffFrame>
  );
}
