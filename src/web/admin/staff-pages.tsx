// The staff area's frame and its refusal pages: the sub-navigation every staff page starts with,
// the start page, and the pages for "wrong network", "no staff role" and "add a method first".

import type { Child } from 'hono/jsx';
import type { Catalog } from '../../i18n/catalog.ts';
import type { StaffRole } from './staff-roles.ts';

export type StaffSection = 'home' | 'helpdesk' | 'campaigns' | 'reports' | 'audit';

const sections: { id: StaffSection; href: string; role: StaffRole }[] = [
  { id: 'home', href: '/admin', role: 'helpdesk' },
  { id: 'helpdesk', href: '/admin/helpdesk', role: 'helpdesk' },
  { id: 'campaigns', href: '/admin/campaigns', role: 'admin' },
  { id: 'reports', href: '/admin/reports', role: 'admin' },
  { id: 'audit', href: '/admin/audit', role: 'admin' },
];

function sectionLabel(t: Catalog, id: StaffSection): string {
  switch (id) {
    case 'home':
      return t.admin.navHome;
    case 'helpdesk':
      return t.admin.navHelpdesk;
    case 'campaigns':
      return t.admin.navCampaigns;
    case 'reports':
      return t.admin.navReports;
    case 'audit':
      return t.admin.navAudit;
  }
}

/** The staff sections this member may open, the current one marked with aria-current. */
export function StaffNav(props: { t: Catalog; roles: ReadonlySet<StaffRole>; current: StaffSection }) {
  const { t } = props;
  return (
    <nav class="staff-nav" aria-label={t.admin.navLabel}>
      <ul class="staff-nav__list">
        {sections
          .filter((s) => props.roles.has(s.role))
          .map((s) => (
            <li>
              <a href={s.href} aria-current={s.id === props.current ? 'page' : undefined}>
                {sectionLabel(t, s.id)}
              </a>
            </li>
          ))}
      </ul>
    </nav>
  );
}

/** Every staff page: the sub-navigation, then the page's own content. */
export function StaffFrame(props: { t: Catalog; roles: ReadonlySet<StaffRole>; current: StaffSection; children?: Child }) {
  return (
    <>
      <StaffNav t={props.t} roles={props.roles} current={props.current} />
      {props.children}
    </>
  );
}

export function StaffHomePage(props: { t: Catalog; roles: ReadonlySet<StaffRole>; displayName: string }) {
  const { t, roles } = props;
  const roleNames = roles.has('admin') ? t.admin.roleAdmin : t.admin.roleHelpdesk;
  const cards: { href: string; title: string; text: string; role: StaffRole }[] = [
    { href: '/admin/helpdesk', title: t.admin.navHelpdesk, text: t.admin.homeHelpdesk, role: 'helpdesk' },
    { href: '/admin/campaigns', title: t.admin.navCampaigns, text: t.admin.homeCampaigns, role: 'admin' },
    { href: '/admin/reports', title: t.admin.navReports, text: t.admin.homeReports, role: 'admin' },
    { href: '/admin/audit', title: t.admin.navAudit, text: t.admin.homeAudit, role: 'admin' },
  ];
  return (
    <StaffFrame t={t} roles={roles} current="home">
      <h1>{t.admin.title}</h1>
      <p class="lead">{t.admin.intro}</p>
      <p>{t.admin.signedInAs(props.displayName, roleNames)}</p>
      <ul class="card-list">
        {cards
          .filter((card) => roles.has(card.role))
          .map((card) => (
            <li class="card">
              <h2>
                <a href={card.href}>{card.title}</a>
              </h2>
              <p>{card.text}</p>
            </li>
          ))}
      </ul>
    </StaffFrame>
  );
}

export function ZoneRefusedPage(props: { t: Catalog }) {
  const { t } = props;
  return (
    <>
      <h1>{t.admin.zoneRefusedTitle}</h1>
      <p class="lead">{t.admin.zoneRefused}</p>
      <p>{t.admin.zoneRefusedHelp}</p>
    </>
  );
}

export function StaffForbiddenPage(props: { t: Catalog }) {
  const { t } = props;
  return (
    <>
      <h1>{t.admin.forbiddenTitle}</h1>
      <p class="lead">{t.admin.forbidden}</p>
      <p>{t.admin.forbiddenHelp}</p>
      <p>
        <a href="/account">{t.nav.account}</a>
      </p>
    </>
  );
}

export function StaffNeedsMethodPage(props: { t: Catalog }) {
  const { t } = props;
  return (
    <>
      <h1>{t.admin.needsMethodTitle}</h1>
      <p class="lead">{t.admin.needsMethod}</p>
      <p>
        <a href="/account/security-info/add">{t.admin.needsMethodLink}</a>
      </p>
    </>
  );
}
