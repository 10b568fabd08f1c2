// The accessibility statement required by the Swedish DOS law (lagen om tillgänglighet till
// digital offentlig service), following the structure of Digg's template. The organisation
// completes the known issues and testing sections and updates the dates below.

import type { Catalog } from '../../i18n/catalog.ts';
import { formatDate } from '../format.ts';

/** When the statement was last reviewed; the organisation updates this with its own review. */
export const STATEMENT_UPDATED = new Date('2026-11-22T12:00:00Z');
export const SERVICE_PUBLISHED = new Date('2026-11-22T12:00:00Z');
const DIGG_REPORT_URL = 'https://www.digg.se/tdosanmalan';

export function AccessibilityPage(props: {
  t: Catalog;
  organisation: string;
  contactEmail?: string | undefined;
  contactPhone?: string | undefined;
}) {
  const { t } = props;
  const a = t.accessibility;
  const hasContact = props.contactEmail !== undefined || props.contactPhone !== undefined;
  return (
    <>
      <h1>{a.title}</h1>
      <p class="lead">{a.intro(props.organisation)}</p>
      <p>{a.templateNote(props.organisation)}</p>

      <h2>{a.statusHeading}</h2>
      <p>{a.status}</p>

      <h2>{a.alternativeHeading}</h2>
      <p>{a.alternative}</p>
      <ContactList t={t} email={props.contactEmail} phone={props.contactPhone} hasContact={hasContact} />

      <h2>{a.reportHeading}</h2>
      <p>{a.report}</p>
      <ContactList t={t} email={props.contactEmail} phone={props.contactPhone} hasContact={hasContact} />

      <h2>{a.enforcementHeading}</h2>
      <p>{a.enforcement}</p>
      <p>
        <a href={DIGG_REPORT_URL}>{a.enforcementLink}</a>
      </p>

      <h2>{a.technicalHeading}</h2>
      <p>{a.technical}</p>
      <h3>{a.knownIssuesHeading}</h3>
      <p>{a.knownIssues}</p>

      <h2>{a.testingHeading}</h2>
      <p>{a.testing}</p>
      <p>{a.published(formatDate(t, SERVICE_PUBLISHED))}</p>
      <p>{a.updated(formatDate(t, STATEMENT_UPDATED))}</p>
    </>
  );
}

function ContactList(props: { t: Catalog; email: string | undefined; phone: string | undefined; hasContact: boolean }) {
  const a = props.t.accessibility;
  if (!props.hasContact) return <p>{a.contactMissing}</p>;
  return (
    <ul>
      {props.email === undefined ? null : (
        <li>
          {a.contactEmail}: <a href={`mailto:${props.email}`}>{props.email}</a>
        </li>
      )}
      {props.phone === undefined ? null : (
        <li>
          {a.contactPhone}: <a href={`tel:${props.phone.replace(/[^+\d]/g, '')}`}>{props.phone}</a>
        </li>
      )}
    </ul>
  );
}
