// English texts of the staff area frame; must match admin.sv.ts key for key.

import type { Widen } from '../catalog.ts';
import type { adminSv } from './admin.sv.ts';

export const adminEn: Widen<typeof adminSv> = {
  title: 'Administration',
  navLabel: 'Administration',
  navHome: 'Overview',
  navHelpdesk: 'Helpdesk',
  navCampaigns: 'Password changes',
  navReports: 'Reports',
  navAudit: 'Event log',
  staffLead: 'You work with the helpdesk or the administration of Nyckel.',
  staffLink: 'Administration',
  intro: 'This is where the helpdesk and the administrators work. Everything you do here is logged with your name.',
  signedInAs: (name: string, roles: string) => `Signed in as ${name} (${roles}).`,
  roleHelpdesk: 'helpdesk',
  roleAdmin: 'administrator',
  homeHelpdesk: 'Find a user, verify a caller, unlock accounts and issue temporary passes.',
  homeCampaigns: 'Require everyone, a department or a list of accounts to change password by a date, and follow the progress.',
  homeReports: 'How many have registered security info, and resets, unlocks and failures per day.',
  homeAudit: 'Every event in the service, filtered by type, user and time.',
  zoneRefusedTitle: "This page can't be reached from your network",
  zoneRefused:
    "This page can't be reached from your current network. It is only available over a secure, authorised connection: at the office, or through VPN.",
  zoneRefusedHelp: "Connect to the office network or to VPN and try again. Contact the helpdesk if it doesn't work.",
  forbiddenTitle: "You don't have access to this page",
  forbidden: 'This page is only for the helpdesk and administrators. Your account does not have that access.',
  forbiddenHelp: 'Think you should have access? Contact your manager or the IT department.',
  needsMethodTitle: 'Add security info first',
  needsMethod:
    'The administration always requires a second step at sign-in. Add a method (an authenticator app, for example) and then come back.',
  needsMethodLink: 'Add security info',
  reasonLabel: 'Reason',
  reasonHint: 'Say briefly why, for example a ticket number. It is saved in the event log.',
  reasonMissing: 'Enter a reason. It is saved in the event log.',
  reasonTooLong: (max: number) => `The reason can be at most ${max} characters.`,
};
