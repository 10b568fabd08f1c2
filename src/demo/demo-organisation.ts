// The demo organisation, "Demo kommun": a small Swedish municipality whose staff show every
// state the portal handles (an ordinary employee, a privileged administrator, one who must
// change password, one whose account is disabled). Everything here is fictional and reserved:
// e-mail at demo.example (RFC 2606 reserves .example) and mobile numbers from the range the
// Swedish Post and Telecom Authority (PTS) keeps for fiction, +46 70 1740 605 … 699.

export interface DemoEmployee {
  username: string;
  displayName: string;
  department: string;
  email: string;
  /** E.164, from PTS's fiction range. */
  mobile: string;
  /**
   * A fixed demo password, printed on the console: this data is public by design. It passes every
   * rule of the default password policy, the account's own words included (demo-organisation.test.ts).
   */
  password: string;
  privileged?: boolean;
  mustChange?: boolean;
  disabled?: boolean;
  /** Groups in the embedded directory (everyone is in DEMO_ALL_STAFF_GROUP); staff roles can be granted by group. */
  groups: readonly string[];
  /** What this account shows in the demo, for the console. */
  role: string;
}

export const DEMO_ORGANISATION_NAME = 'Demo kommun';
export const DEMO_EMAIL_DOMAIN = 'demo.example';

/** Every demo employee is a member. */
export const DEMO_ALL_STAFF_GROUP = 'Alla anställda';
/** The helpdesk (leila.ahmadi). */
export const DEMO_HELPDESK_GROUP = 'IT-support';
/** Nyckel's administrators (karin.holm). */
export const DEMO_ADMIN_GROUP = 'Nyckel-administratörer';

/** Groups besides DEMO_ALL_STAFF_GROUP, by username. */
const extraGroups: Readonly<Record<string, readonly string[]>> = {
  'leila.ahmadi': [DEMO_HELPDESK_GROUP],
  'karin.holm': [DEMO_ADMIN_GROUP],
};

/** The first and last numbers of PTS's range for fiction (+46 70 1740 605 … 699). */
export const FICTION_MOBILE_FIRST = '+46701740605';
export const FICTION_MOBILE_LAST = '+46701740699';

const employee = (
  n: number,
  username: string,
  displayName: string,
  department: string,
  password: string,
  role: string,
  flags: Pick<DemoEmployee, 'privileged' | 'mustChange' | 'disabled'> = {},
): DemoEmployee => ({
  username,
  displayName,
  department,
  email: `${username}@${DEMO_EMAIL_DOMAIN}`,
  mobile: `+46701740${605 + n}`,
  password,
  groups: [DEMO_ALL_STAFF_GROUP, ...(extraGroups[username] ?? [])],
  role,
  ...flags,
});

export const demoEmployees: readonly DemoEmployee[] = [
  employee(
    0,
    'anna.lindqvist',
    'Anna Lindqvist',
    'Socialtjänsten',
    'Kanelbulle-Sommar-42',
    'employee: try sign-in, security info and reset',
  ),
  employee(1, 'erik.johansson', 'Erik Johansson', 'Socialtjänsten', 'Lingonsylt-Vinter-17', 'employee'),
  employee(2, 'fatima.hassan', 'Fatima Hassan', 'Socialtjänsten', 'Blabarsskog-Host-58', 'employee'),
  employee(3, 'asa.oberg', 'Åsa Öberg', 'Skola och förskola', 'Kritteckning-Gungbrada-26', 'employee'),
  employee(4, 'lars.nilsson', 'Lars Nilsson', 'Skola och förskola', 'Kladdkaka-Fredag-31', 'must change password at next sign-in', {
    mustChange: true,
  }),
  employee(5, 'maja.karlsson', 'Maja Karlsson', 'Skola och förskola', 'Midsommar-Stang-64', 'employee'),
  employee(6, 'johan.berg', 'Johan Berg', 'Samhällsbyggnad', 'Detaljplan-Karta-23', 'employee'),
  employee(7, 'sara.ekstrom', 'Sara Ekström', 'Samhällsbyggnad', 'Bygglov-Ritning-85', 'disabled (has left): sign-in is refused', {
    disabled: true,
  }),
  employee(8, 'leila.ahmadi', 'Leila Ahmadi', 'IT-avdelningen', 'Servicedesk-Kaffe-19', 'helpdesk: /admin, verify callers, unlock'),
  employee(9, 'mikael.svensson', 'Mikael Svensson', 'IT-avdelningen', 'Natverkskabel-Bla-77', 'employee'),
  employee(
    10,
    'adm.mikael.svensson',
    'Mikael Svensson (admin)',
    'IT-avdelningen',
    'Domankontroll-Logg-903',
    'privileged: self-service refuses it',
    {
      privileged: true,
    },
  ),
  employee(11, 'karin.holm', 'Karin Holm', 'Kommunledningskontoret', 'Kommunfullmaktige-88', 'administrator: /admin, campaigns, reports'),
  employee(12, 'per.wikstrom', 'Per Wikström', 'Kommunledningskontoret', 'Budgetar-Prognos-46', 'employee'),
];
