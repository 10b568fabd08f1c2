// Security info in Chromium, as a person would do it, in Swedish and in English: signed in from
// the office network, asked to register, add an authenticator app (secret read off the page,
// code from Debian's oathtool), a mobile phone (code read from the outbox), a private e-mail
// address, print recovery codes, change the default, start removing one; axe-core finds no
// WCAG 2.1 AA violation on any of these pages, with or without errors showing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Catalog, catalogs, type Language } from '../../src/i18n/catalog.ts';
import { axeViolationReport, launchBrowser } from '../support/browser.ts';
import { oathtool } from '../support/oathtool.ts';
import { lastOutboxCode } from '../support/outbox.ts';
import { mainHeading, startTestPortal, submitSignIn, type TestPortal, withPortalPage } from '../support/portal.ts';

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let portal: TestPortal;

/** Two-step sign-in on; the browser comes from 127.0.0.1, a trusted zone where a first method may be added. */
export const twoStepOverrides = {
  networkZones: { office: ['127.0.0.0/8', '::1/128'] },
  // No resend cooldown: the journeys sign in with SMS right after registering the phone.
  securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'] }, resendCooldownSeconds: 0 },
};

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startTestPortal('security-info', twoStepOverrides)]);
});

after(async () => {
  await browser?.close();
  await portal?.close();
});

const locales = { sv: 'sv-SE', en: 'en-GB' } as const;

/** Collects axe reports over a journey so one run shows every problem. */
class Scanner {
  readonly reports: string[] = [];
  count = 0;
  constructor(
    readonly page: Page,
    readonly lang: Language,
  ) {}
  async scan(label: string, heading: string): Promise<void> {
    assert.equal(await mainHeading(this.page), heading, `expected to be on ${label}`);
    assert.equal(await this.page.locator('html').getAttribute('lang'), this.lang);
    this.count++;
    const report = await axeViolationReport(this.page, `${label} (${this.lang})`);
    if (report !== null) this.reports.push(report);
  }
  assertClean(): void {
    assert.deepEqual(this.reports, [], this.reports.join('\n'));
  }
}

async function click(page: Page, role: 'button' | 'link', name: string): Promise<void> {
  await page.getByRole(role, { name, exact: true }).first().click();
  await page.waitForLoadState('load');
}

for (const lang of ['sv', 'en'] as const) {
  const t: Catalog = catalogs[lang];

  test(`register every kind of method through the pages (${lang}), axe-clean`, async () => {
    const directory = portal.services.embeddedDirectory;
    assert.ok(directory);
    const password = `Säkerhetsinfo-${lang}-2026`;
    const mobile = lang === 'sv' ? '+46701740611' : '+46701740612';
    const account = await directory.createAccount(
      { username: `si.${lang}`, email: `si.${lang}@example.se`, displayName: `Säker ${lang}` },
      password,
    );
    await withPortalPage(browser, portal, { locale: locales[lang], phone: lang === 'sv' }, async ({ page }) => {
      const s = new Scanner(page, lang);
      await page.goto(`${portal.url}/sign-in`);
      await submitSignIn(page, t, account.username, password);
      await s.scan('registration prompt', t.registration.title);
      await click(page, 'link', t.registration.addNow);
      await s.scan('add a method', t.securityInfo.addTitle);

      // Authenticator app: the secret read off the page, the code from oathtool.
      await click(page, 'link', t.securityInfo.kindTotp);
      await s.scan('authenticator app', t.securityInfo.totpTitle);
      assert.equal(await page.getByRole('img', { name: t.securityInfo.totpQrAlt }).count(), 1, 'the QR code has a text alternative');
      const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
      assert.match(secret, /^[A-Z2-7 ]{16,}$/);
      const code = page.getByLabel(t.securityInfo.totpCodeLabel);
      assert.equal(await code.getAttribute('inputmode'), 'numeric');
      assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
      await code.fill('12');
      await click(page, 'button', t.securityInfo.next);
      await s.scan('authenticator app with an error', t.securityInfo.totpTitle);
      await page.getByLabel(t.securityInfo.totpCodeLabel).fill(oathtool(secret));
      await click(page, 'button', t.securityInfo.next);
      await s.scan('verification complete', t.securityInfo.doneTitle);
      await click(page, 'link', t.securityInfo.continue);
      await s.scan('security info', t.securityInfo.title);

      // Mobile phone: Sverige preselected, a landline refused, the code from the outbox.
      await click(page, 'link', t.securityInfo.addMethod);
      await click(page, 'link', t.securityInfo.kindSms);
      await s.scan('mobile phone', t.securityInfo.phoneTitle);
      assert.equal(await page.getByLabel(t.securityInfo.countryLabel).inputValue(), 'SE');
      await page.getByLabel(t.securityInfo.numberLabel, { exact: true }).fill('08-123 456 78');
      await click(page, 'button', t.securityInfo.next);
      await s.scan('mobile phone with an error', t.securityInfo.phoneTitle);
      assert.ok((await page.locator('.error-summary').textContent())?.includes(t.securityInfo.numberNotMobile));
      await page.getByLabel(t.securityInfo.numberLabel, { exact: true }).fill(`0${mobile.slice(3)}`);
      await click(page, 'button', t.securityInfo.next);
      await s.scan('code sent by SMS', t.securityInfo.codeTitle);
      assert.ok((await page.locator('.lead').textContent())?.includes('+46 70 *** ** '));
      await page.getByLabel(t.securityInfo.codeLabel, { exact: true }).fill('000');
      await click(page, 'button', t.securityInfo.verify);
      await s.scan('code sent by SMS, with an error', t.securityInfo.codeTitle);
      await page.getByLabel(t.securityInfo.codeLabel, { exact: true }).fill(await lastOutboxCode(portal, 'sms', mobile));
      await click(page, 'button', t.securityInfo.verify);
      await s.scan('phone verified', t.securityInfo.doneTitle);
      await click(page, 'link', t.securityInfo.continue);

      // Private e-mail: the work address refused.
      await click(page, 'link', t.securityInfo.addMethod);
      await click(page, 'link', t.securityInfo.kindEmail);
      await s.scan('private e-mail', t.securityInfo.emailTitle);
      await page.getByLabel(t.securityInfo.emailLabel, { exact: true }).fill(account.email ?? '');
      await click(page, 'button', t.securityInfo.next);
      await s.scan('private e-mail with an error', t.securityInfo.emailTitle);
      assert.ok((await page.locator('.error-summary').textContent())?.includes(t.securityInfo.emailWorkAddress));
      const privateAddress = `privat.${lang}@example.org`;
      await page.getByLabel(t.securityInfo.emailLabel, { exact: true }).fill(privateAddress);
      await click(page, 'button', t.securityInfo.next);
      await page.getByLabel(t.securityInfo.codeLabel, { exact: true }).fill(await lastOutboxCode(portal, 'email', privateAddress));
      await click(page, 'button', t.securityInfo.verify);
      await s.scan('e-mail verified', t.securityInfo.doneTitle);
      await click(page, 'link', t.securityInfo.continue);

      // Recovery codes, shown once.
      await click(page, 'button', t.securityInfo.recoveryGenerate);
      await s.scan('recovery codes', t.securityInfo.recoveryTitle);
      assert.equal(await page.locator('.recovery-codes__code').count(), 10);
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('.site-header').isVisible(), false, 'the header is not printed');
      assert.equal(await page.locator('.recovery-codes').isVisible(), true, 'the codes are printed');
      await page.emulateMedia({ media: 'screen' });
      await click(page, 'link', t.securityInfo.recoverySaved);
      await s.scan('security info after recovery codes', t.securityInfo.title);
      assert.equal(await page.getByRole('status').count(), 1);

      // The default method, and removing one (stopping at the confirmation).
      const select = page.getByLabel(t.securityInfo.defaultLabel, { exact: true });
      const smsOption = page.locator('#default-method option', { hasText: t.securityInfo.kindSms });
      await select.selectOption(await smsOption.getAttribute('value'));
      await click(page, 'button', t.securityInfo.defaultSubmit);
      assert.ok((await page.locator('.method-list').textContent())?.includes(`${t.securityInfo.kindSms} ${t.securityInfo.defaultMarker}`));
      await page.locator('.method-list a').first().click();
      await page.waitForLoadState('load');
      await s.scan('remove a method', t.securityInfo.removeTitle);
      await click(page, 'link', t.securityInfo.cancel);
      assert.equal(await page.locator('.method-list__item').count(), 4);

      // And My account says so.
      await page.goto(`${portal.url}/account`);
      assert.ok((await page.locator('main').textContent())?.includes(t.securityInfo.accountCount(4)));
      s.assertClean();
      assert.ok(s.count >= 17, `scanned ${s.count} pages`);
    });
  });
}

test('outside the trusted networks: the helpdesk-pass page, axe-clean in both languages', async () => {
  const outside = await startTestPortal('security-info-outside', {
    securityInfo: { registrationRequired: true, firstRegistration: { zones: ['office'] } },
    networkZones: { office: ['10.0.0.0/8'] },
  });
  try {
    const directory = outside.services.embeddedDirectory;
    assert.ok(directory);
    await directory.createAccount({ username: 'utanfor', displayName: 'Utanför' }, 'Utanför-nätet-2026');
    for (const lang of ['sv', 'en'] as const) {
      const t = catalogs[lang];
      await withPortalPage(browser, outside, { locale: locales[lang] }, async ({ page }) => {
        const s = new Scanner(page, lang);
        await page.goto(`${outside.url}/sign-in`);
        await submitSignIn(page, t, 'utanfor', 'Utanför-nätet-2026');
        await click(page, 'link', t.registration.addNow);
        await s.scan('needs a pass', t.registration.needsPassTitle);
        await page.getByLabel(t.registration.passLabel, { exact: true }).fill('FEL-PASS-123');
        await click(page, 'button', t.registration.passSubmit);
        await s.scan('needs a pass, wrong pass', t.registration.needsPassTitle);
        assert.ok((await page.locator('.error-summary').textContent())?.includes(t.registration.passWrong));
        s.assertClean();
      });
    }
  } finally {
    await outside.close();
  }
});
