// The helpdesk in Chromium with the keyboard alone, in Swedish and English: a helpdesk member
// registers an authenticator app, proves it, opens /admin, finds a locked user, verifies the
// caller with an SMS code read from the outbox, unlocks with a reason, requires a change, issues
// a pass (which then gets the user past the second step), removes a method; the audit log has
// each with agent and reason; an ordinary employee gets the 403 page; axe-core finds no WCAG 2.1
// AA violation on any helpdesk page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { axeViolationReport, launchBrowser } from '../support/browser.ts';
import { oathtool } from '../support/oathtool.ts';
import { lastOutboxCode } from '../support/outbox.ts';
import { mainHeading, startTestPortal, type TestPortal, testAccounts, withPortalPage } from '../support/portal.ts';

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let portal: TestPortal;

const staffNames = { sv: 'hd.sv', en: 'hd.en' } as const;
const staffPassword = 'Servicedesk-Kaffe-19';

before(async () => {
  [browser, portal] = await Promise.all([
    launchBrowser(),
    startTestPortal('helpdesk', {
      networkZones: { office: ['127.0.0.0/8', '::1/128'] },
      admin: { zones: ['office'], roles: { helpdesk: { users: Object.values(staffNames) } } },
      securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'] }, resendCooldownSeconds: 0 },
    }),
  ]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Keyboard only: focus the control, then type or press Enter, as a keyboard user would. */
class Keyboard {
  readonly reports: string[] = [];
  constructor(
    readonly page: Page,
    readonly lang: Language,
  ) {}
  async type(label: string, text: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).focus();
    await this.page.keyboard.press('ControlOrMeta+a');
    await this.page.keyboard.type(text);
  }
  async activate(role: 'button' | 'link', name: string | RegExp): Promise<void> {
    await this.page
      .getByRole(role, { name, exact: typeof name === 'string' })
      .first()
      .focus();
    // Every control used here submits a form or follows a link: wait for the new page to load.
    await Promise.all([this.page.waitForEvent('load'), this.page.keyboard.press('Enter')]);
  }
  async scan(label: string, heading: string): Promise<void> {
    assert.equal(await mainHeading(this.page), heading, `expected to be on ${label}`);
    assert.equal(await this.page.locator('html').getAttribute('lang'), this.lang);
    const report = await axeViolationReport(this.page, `${label} (${this.lang})`);
    if (report !== null) this.reports.push(report);
  }
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];

  test(`the helpdesk verifies a caller and acts on the account with the keyboard (${lang}), axe-clean`, async () => {
    const directory = portal.services.embeddedDirectory;
    assert.ok(directory);
    const { securityInfo } = portal.services;
    const staff = await directory.createAccount(
      { username: staffNames[lang], email: `${staffNames[lang]}@example.se`, displayName: `Hanna ${lang}` },
      staffPassword,
    );
    const mobile = lang === 'sv' ? '+46701740621' : '+46701740622';
    const callerPassword = `Uppringare-${lang}-2026!`;
    const caller = await directory.createAccount(
      { username: `caller.${lang}`, email: `caller.${lang}@example.se`, displayName: `Cecilia ${lang}`, department: 'Kultur' },
      callerPassword,
    );
    const sent = await securityInfo.startPhoneEnrollment(caller.id, mobile, { ip: '127.0.0.1', language: lang });
    assert.ok(sent.ok);
    assert.ok((await securityInfo.completeCodeEnrollment(caller.id, sent.challengeId, await lastOutboxCode(portal, 'sms', mobile))).ok);
    const enrollment = await securityInfo.startTotpEnrollment(caller.id, caller.username);
    assert.ok((await securityInfo.completeTotpEnrollment(caller.id, enrollment.enrollmentId, oathtool(enrollment.secretGrouped))).ok);
    for (let i = 0; i < 5; i++) await directory.authenticate(caller.username, 'fel-lösenord-varje-gång');
    assert.equal((await directory.readState(caller.id)).isLocked, true);

    let pass = '';
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const k = new Keyboard(page, lang);
      // Sign in, register an authenticator app (required), prove it again for the staff area.
      await page.goto(`${portal.url}/sign-in`);
      await k.type(t.signIn.identifierLabel, staff.username);
      await k.type(t.signIn.passwordLabel, staffPassword);
      await k.activate('button', t.signIn.submit);
      await k.activate('link', t.registration.addNow);
      await k.activate('link', t.securityInfo.kindTotp);
      const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
      await k.type(t.securityInfo.totpCodeLabel, oathtool(secret));
      await k.activate('button', t.securityInfo.next);
      await page.goto(`${portal.url}/admin`);
      if ((await mainHeading(page)) !== t.admin.title) {
        await k.type(t.secondStep.codeLabel, oathtool(secret, 30));
        await k.activate('button', t.secondStep.submit);
      }
      await k.scan('staff start page', t.admin.title);
      await k.activate('link', t.admin.navHelpdesk);
      await k.scan('helpdesk search', t.helpdesk.title);
      await k.activate('button', t.helpdesk.searchSubmit);
      await k.scan('helpdesk search with an error', t.helpdesk.title);
      await k.type(t.helpdesk.searchLabel, caller.username);
      await k.activate('button', t.helpdesk.searchSubmit);
      await k.scan('user page', caller.displayName);
      assert.match(await page.locator('main').innerText(), new RegExp(escapeRegExp(t.helpdesk.lockedUntil('').slice(0, 4))));

      // Verify the caller with an SMS code read back.
      await k.activate('link', new RegExp(`^${escapeRegExp(t.helpdesk.methodVerifyLabel(t.securityInfo.kindSms))}`));
      await k.scan('verify the caller: send', t.helpdesk.verifyTitle);
      await k.activate('button', t.helpdesk.verifySend);
      await k.scan('verify the caller: code', t.helpdesk.verifyTitle);
      await k.type(t.helpdesk.codeLabel, '12');
      await k.activate('button', t.helpdesk.verifySubmit);
      await k.scan('verify the caller: code error', t.helpdesk.verifyTitle);
      await k.type(t.helpdesk.codeLabel, await lastOutboxCode(portal, 'sms', mobile));
      await k.activate('button', t.helpdesk.verifySubmit);
      await k.scan('caller verified', t.helpdesk.verifiedTitle);
      await k.activate('link', t.helpdesk.backToUser(caller.displayName));
      assert.match(await page.locator('main').innerText(), new RegExp(escapeRegExp(staff.username)));

      // Unlock, with the reason required.
      await k.activate('link', t.helpdesk.actionUnlock);
      await k.scan('unlock: confirm', t.helpdesk.unlockTitle);
      await k.activate('button', t.helpdesk.unlockConfirm);
      await k.scan('unlock: no reason', t.helpdesk.unlockTitle);
      await k.type(t.admin.reasonLabel, `Ärende ${lang}-1`);
      await k.activate('button', t.helpdesk.unlockConfirm);
      await k.scan('unlocked', t.helpdesk.unlockTitle);
      assert.equal((await directory.readState(caller.id)).isLocked, false);

      await k.activate('link', t.helpdesk.backToUser(caller.displayName));
      await k.activate('link', t.helpdesk.actionRequireChange);
      await k.scan('require a change: confirm', t.helpdesk.requireChangeTitle);
      await k.type(t.admin.reasonLabel, `Ärende ${lang}-2`);
      await k.activate('button', t.helpdesk.requireChangeConfirm);
      await k.scan('change required', t.helpdesk.requireChangeTitle);
      assert.equal((await directory.readState(caller.id)).mustChange, true);

      await k.activate('link', t.helpdesk.backToUser(caller.displayName));
      await k.activate('link', t.helpdesk.actionIssuePass);
      await k.scan('issue a pass: confirm', t.helpdesk.passTitle);
      await k.type(t.admin.reasonLabel, `Ärende ${lang}-3`);
      await k.activate('button', t.helpdesk.passConfirm);
      await k.scan('pass issued', t.helpdesk.passDoneTitle);
      pass = ((await page.locator('#issued-pass').textContent()) ?? '').trim();
      assert.ok(pass.length >= 8);

      await k.activate('link', t.helpdesk.backToUser(caller.displayName));
      await k.activate('link', new RegExp(`^${escapeRegExp(t.helpdesk.methodRemoveLabel(t.securityInfo.kindSms))}`));
      await k.scan('remove a method: confirm', t.helpdesk.removeTitle);
      await k.type(t.admin.reasonLabel, `Ärende ${lang}-4`);
      await k.activate('button', t.helpdesk.removeConfirm);
      await k.scan('method removed', t.helpdesk.removeTitle);
      assert.deepEqual(
        (await securityInfo.listMethods(caller.id)).map((m) => m.kind),
        ['totp'],
      );
      await k.activate('link', t.helpdesk.backToUser(caller.displayName));
      await k.scan('user page after the actions', caller.displayName);
      assert.deepEqual(k.reports, [], k.reports.join('\n'));
    });

    // Every action is in the audit log with the agent and the reason.
    const events = await portal.services.store.listAudit({ subject: caller.id, limit: 100 });
    for (const [type, reason] of [
      ['helpdesk.unlock', `Ärende ${lang}-1`],
      ['helpdesk.require_change', `Ärende ${lang}-2`],
      ['helpdesk.issue_pass', `Ärende ${lang}-3`],
      ['helpdesk.remove_method', `Ärende ${lang}-4`],
    ] as const) {
      const event = events.find((e) => e.type === type);
      assert.equal(event?.outcome, 'success', type);
      assert.equal(event?.detail.agent, staff.username, type);
      assert.equal(event?.detail.reason, reason, type);
    }
    assert.equal(events.find((e) => e.type === 'helpdesk.caller_verified')?.detail.agent, staff.username);
    assert.ok(!JSON.stringify(events).includes(pass), 'the pass is not in the audit log');

    // The pass gets the caller past the second step (then on to the required password change).
    await withPortalPage(browser, portal, { locale: locales[lang] }, async ({ page }) => {
      const k = new Keyboard(page, lang);
      await page.goto(`${portal.url}/sign-in`);
      await k.type(t.signIn.identifierLabel, caller.username);
      await k.type(t.signIn.passwordLabel, callerPassword);
      await k.activate('button', t.signIn.submit);
      await page.goto(`${portal.url}/sign-in/second-step/pass`);
      await k.type(t.registration.passLabel, pass);
      await k.activate('button', t.registration.passSubmit);
      assert.equal(await mainHeading(page), t.changePassword.title);
    });
  });
}

test('an ordinary employee gets the 403 page at /admin', async () => {
  const t = catalogs.sv;
  await withPortalPage(browser, portal, { locale: 'sv-SE' }, async ({ page }) => {
    const k = new Keyboard(page, 'sv');
    await page.goto(`${portal.url}/sign-in`);
    await k.type(t.signIn.identifierLabel, testAccounts.normal.username);
    await k.type(t.signIn.passwordLabel, testAccounts.normal.password);
    await k.activate('button', t.signIn.submit);
    await k.activate('button', t.registration.askLater);
    const response = await page.goto(`${portal.url}/admin`);
    assert.equal(response?.status(), 403);
    await k.scan('forbidden', t.admin.forbiddenTitle);
    assert.deepEqual(k.reports, [], k.reports.join('\n'));
  });
});
