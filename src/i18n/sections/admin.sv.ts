// Swedish texts of the staff area frame: the administration start page, its navigation, and the
// pages that keep people out (wrong network, no staff role, no second step yet).

export const adminSv = {
  title: 'Administration',
  navLabel: 'Administration',
  navHome: 'Översikt',
  navHelpdesk: 'IT-support',
  navCampaigns: 'Lösenordsbyten',
  navReports: 'Rapporter',
  navAudit: 'Händelselogg',
  staffLead: 'Du arbetar med IT-support eller administration av Nyckel.',
  staffLink: 'Administration',
  intro: 'Här arbetar IT-supporten och administratörerna. Allt du gör här loggas med ditt namn.',
  signedInAs: (name: string, roles: string) => `Inloggad som ${name} (${roles}).`,
  roleHelpdesk: 'IT-support',
  roleAdmin: 'administratör',
  homeHelpdesk: 'Hitta en användare, kontrollera en uppringare, lås upp konton och utfärda tillfälliga koder.',
  homeCampaigns: 'Kräv att alla, en förvaltning eller en lista med konton byter lösenord före ett datum, och följ hur det går.',
  homeReports: 'Hur många som har registrerat säkerhetsinformation, och återställningar, upplåsningar och fel per dag.',
  homeAudit: 'Alla händelser i tjänsten, filtrerade på typ, användare och tid.',
  zoneRefusedTitle: 'Sidan kan inte nås från ditt nätverk',
  zoneRefused:
    'Den här sidan kan inte nås från det nätverk du använder nu. Den är bara tillgänglig över en säker, godkänd anslutning: på kontoret eller via VPN.',
  zoneRefusedHelp: 'Anslut till kontorets nätverk eller till VPN och försök igen. Kontakta IT-supporten om det inte fungerar.',
  forbiddenTitle: 'Du har inte behörighet till sidan',
  forbidden: 'Sidan är bara till för IT-supporten och administratörer. Ditt konto har inte den behörigheten.',
  forbiddenHelp: 'Tror du att du borde ha behörighet? Kontakta din chef eller IT-avdelningen.',
  needsMethodTitle: 'Lägg till säkerhetsinformation först',
  needsMethod:
    'Administrationen kräver alltid ett andra steg vid inloggningen. Lägg till en metod (till exempel en autentiseringsapp) och kom sedan tillbaka.',
  needsMethodLink: 'Lägg till säkerhetsinformation',
  reasonLabel: 'Anledning',
  reasonHint: 'Skriv kort varför, till exempel ärendenummer. Det sparas i händelseloggen.',
  reasonMissing: 'Skriv en anledning. Den sparas i händelseloggen.',
  reasonTooLong: (max: number) => `Anledningen får vara högst ${max} tecken.`,
};
