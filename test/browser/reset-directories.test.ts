// The self-service reset journey in Chromium, keyboard only, against each real directory: slapd
// with the ppolicy overlay (test/support/slapd.ts) and Samba as an AD domain controller
// (test/support/samba.ts). A user with an authenticator app, locked out by wrong binds against
// the directory itself, unlocks only — or sets a new password — and the directory is then asked
// directly (a bind of its own, not through Nyckel) whether the right password works. A password
// the directory refuses shows its reason in plain words and changes nothing; a privileged account
// is refused. A missing server fails the test: nothing here is ever skipped.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Client } from 'ldapts';
import type { Browser, Page } from 'playwright-core';
import { createServices, type Services } from '../../src/app/services.ts';
import { configSchema } from '../../src/config/schema.ts';
import { catalogs } from '../../src/i18n/catalog.ts';
import { startServer } from '../../src/web/server.ts';
import { axeViolationReport, launchBrowser } from '../support/browser.ts';
import { oathtool } from '../support/oathtool.ts';
import { mainHeading, type TestPortal, withPortalPage } from '../support/portal.ts';
import { activate, passHumanCheck, typeInto } from '../support/reset-journey.ts';
import { SAMBA_POLICY, type SambaDc, useSambaDc } from '../support/samba.ts';
import { defaultSlapdPolicy, type Slapd, slapdDirectoryConfig, startSlapd } from '../support/slapd.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const t = catalogs.en;
const PASSWORD_1 = 'Korrekt-Häst-42-batteri';
const PASSWORD_2 = 'Andra-Lösenordet-77-ok';
const NEW_PASSWORD = 'Seven seasick sailors near Sjöbo hospital 7';
const WRONG = 'Fel-lösenord-00-nej';
const run = Math.random().toString(36).slice(2, 7);
let serial = 0;

let browser: Browser;
const axeReports: string[] = [];

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** How a test reaches one real directory: its portal, its users and a bind of its own. */
interface DirectoryUnderTest {
  portal: TestPortal;
  createUser(spec: { username: string; email: string; password: string; privileged?: boolean }): Promise<string>;
  /** A simple bind as `dn` straight against the directory (LDAPS, CA verified): true when it succeeds. */
  binds(dn: string, password: string): Promise<boolean>;
  lockoutThreshold: number;
}

/** The whole portal (SQLite store, real HTTP server) with its directory pointed at a real server. */
async function startDirectoryPortal(name: string, directory: Record<string, unknown>): Promise<TestPortal> {
  const dataDir = await makeTempDir(`browser-reset-${name}`);
  let services: Services | null = null;
  try {
    const config = configSchema.parse({
      dataDir: dataDir.path,
      demo: true,
      log: { level: 'silent' },
      directory,
      // A light check: the proof of work is not what these journeys are about.
      reset: { captcha: { maxCounter: 2_000 } },
      securityInfo: { registrationRequired: false, resendCooldownSeconds: 0 },
    });
    services = await createServices(config);
    const server = await startServer(services, { host: '127.0.0.1', port: 0 });
    const url = server.url.replace(/\/$/, '');
    const started = services;
    return {
      url,
      origin: new URL(url).origin,
      services: started,
      async close() {
        try {
          await server.close();
          await started.close();
        } finally {
          await dataDir.cleanup();
        }
      },
    };
  } catch (error) {
    await services?.close().catch(() => {});
    await dataDir.cleanup();
    throw error;
  }
}

async function bindsOver(url: string, caFile: string, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url, timeout: 5000, connectTimeout: 5000, tlsOptions: { ca: [readFileSync(caFile)] } });
  try {
    await client.bind(dn, password);
    return true;
  } catch (error) {
    // 49 is "invalid credentials" (wrong, locked, expired); anything else is a fault of the test set-up.
    if ((error as { code?: number }).code === 49) return false;
    throw error;
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** Registers an authenticator app for the account straight through the security-info backend; returns its secret. */
async function addAuthenticator(services: Services, accountId: string): Promise<string> {
  const enrollment = await services.securityInfo.startTotpEnrollment(accountId, 'test');
  const secret = enrollment.secretGrouped.replace(/\s+/g, '');
  // The previous time step: the journey's own code (the current step) is then not a replay.
  assert.ok((await services.securityInfo.completeTotpEnrollment(accountId, enrollment.enrollmentId, oathtool(secret, -30))).ok);
  return secret;
}

async function checkAxe(page: Page, label: string): Promise<void> {
  const report = await axeViolationReport(page, label);
  if (report !== null) axeReports.push(report);
}

async function errorSummary(page: Page): Promise<string> {
  return (await page.locator('.error-summary').count()) > 0 ? await page.locator('.error-summary').innerText() : '';
}

/** Sign-in page → reset link → identifier → the proof-of-work check (Space) → continue → authenticator code → verified. */
async function identifyAndVerify(page: Page, portal: TestPortal, identifier: string, secret: string, label: string): Promise<void> {
  await page.goto(`${portal.url}/sign-in?lang=en`);
  await activate(page, t.reset.link);
  assert.equal(await mainHeading(page), t.reset.startTitle);
  await typeInto(page, 'identifier', identifier);
  await passHumanCheck(page);
  await activate(page, t.reset.submit);
  assert.equal(await mainHeading(page), t.reset.methodTitle, `the method page follows ${await errorSummary(page)}`);
  await activate(page, t.reset.methods.totp);
  assert.equal(await mainHeading(page), t.reset.codeTitle);
  await typeInto(page, 'code', oathtool(secret));
  await activate(page, t.reset.verify);
  await checkAxe(page, `after verification (${label})`);
}

async function submitNewPassword(page: Page, password: string): Promise<void> {
  assert.equal(await mainHeading(page), t.reset.passwordTitle, await errorSummary(page));
  await typeInto(page, 'new-password', password);
  await typeInto(page, 'confirm-password', password);
  await activate(page, t.reset.submitPassword);
}

/** The journeys every real directory must pass; `refusedPassword` is one the directory (not Nyckel) refuses. */
function resetJourneys(
  label: string,
  setUp: () => Promise<DirectoryUnderTest>,
  refusal: {
    /** Puts the user into the state where `password` is refused; returns the password that still binds. */
    prepare(d: DirectoryUnderTest, dn: string): Promise<string>;
    password: string;
    message: string;
  },
  privileged: (d: DirectoryUnderTest) => Promise<{ identifier: string; dn: string; password: string }>,
): void {
  describe(`reset journey in Chromium against ${label}`, () => {
    let d: DirectoryUnderTest;
    before(async () => {
      d = await setUp();
    });
    after(async () => {
      await d?.portal.close();
    });

    async function lockedUserWithAuthenticator() {
      serial += 1;
      const username = `rj${run}u${serial}`;
      const dn = await d.createUser({ username, email: `${username}@example.se`, password: PASSWORD_1 });
      const secret = await addAuthenticator(d.portal.services, dn);
      for (let attempt = 0; attempt < d.lockoutThreshold; attempt++) assert.equal(await d.binds(dn, WRONG), false);
      assert.equal(await d.binds(dn, PASSWORD_1), false, 'the directory itself locked the account: even the right password fails');
      assert.equal((await d.portal.services.directory.readState(dn)).isLocked, true);
      return { username, dn, secret };
    }

    test('locked out by wrong binds → unlock only → the user binds again with the same password', async () => {
      const u = await lockedUserWithAuthenticator();
      await withPortalPage(browser, d.portal, { locale: 'en-GB' }, async ({ page }) => {
        await identifyAndVerify(page, d.portal, u.username, u.secret, `${label} unlock`);
        assert.equal(await mainHeading(page), t.reset.actionTitle, await errorSummary(page));
        await activate(page, t.reset.actions.unlock);
        assert.equal(await mainHeading(page), t.reset.doneTitles.unlocked);
        await checkAxe(page, `unlocked (${label})`);
      });
      assert.equal(await d.binds(u.dn, PASSWORD_1), true, 'the old password binds again');
      assert.equal((await d.portal.services.directory.readState(u.dn)).isLocked, false);
    });

    test('locked out → a new password → the new one binds and the old one does not', async () => {
      const u = await lockedUserWithAuthenticator();
      await withPortalPage(browser, d.portal, { locale: 'en-GB' }, async ({ page }) => {
        await identifyAndVerify(page, d.portal, u.username, u.secret, `${label} new password`);
        assert.equal(await mainHeading(page), t.reset.actionTitle, await errorSummary(page));
        await activate(page, t.reset.actions.password);
        await submitNewPassword(page, NEW_PASSWORD);
        assert.equal(await mainHeading(page), t.reset.doneTitles.password_changed, await errorSummary(page));
        await checkAxe(page, `password changed (${label})`);
      });
      assert.equal(await d.binds(u.dn, NEW_PASSWORD), true, 'the new password binds');
      assert.equal(await d.binds(u.dn, PASSWORD_1), false, 'the old password no longer binds');
    });

    test('a password the directory refuses: its reason in plain words on the page, nothing changed', async () => {
      serial += 1;
      const username = `rj${run}u${serial}`;
      const dn = await d.createUser({ username, email: `${username}@example.se`, password: PASSWORD_1 });
      const current = await refusal.prepare(d, dn);
      const secret = await addAuthenticator(d.portal.services, dn);
      await withPortalPage(browser, d.portal, { locale: 'en-GB' }, async ({ page }) => {
        await identifyAndVerify(page, d.portal, username, secret, `${label} refused password`);
        await submitNewPassword(page, refusal.password);
        assert.equal(await mainHeading(page), t.reset.passwordTitle, 'the form is shown again');
        const summary = await errorSummary(page);
        assert.ok(summary.includes(refusal.message), `the page says why: ${summary}`);
        assert.doesNotMatch(summary, /0000052D|LDAP|constraint|Error:/i, 'no technical text reaches the page');
        await checkAxe(page, `directory refused the password (${label})`);
      });
      assert.equal(await d.binds(dn, current), true, 'the password before the attempt still binds');
      assert.equal(await d.binds(dn, refusal.password), false, 'the refused password was not set');
    });

    test('a privileged account is refused by self-service', async () => {
      const p = await privileged(d);
      const secret = await addAuthenticator(d.portal.services, p.dn);
      try {
        await withPortalPage(browser, d.portal, { locale: 'en-GB' }, async ({ page }) => {
          await identifyAndVerify(page, d.portal, p.identifier, secret, `${label} privileged`);
          assert.equal(await mainHeading(page), t.reset.refusedTitle, await errorSummary(page));
          assert.equal(await page.locator('#new-password').count(), 0, 'no password form');
        });
      } finally {
        const methods = await d.portal.services.securityInfo.listMethods(p.dn);
        for (const method of methods) await d.portal.services.securityInfo.removeMethod(p.dn, method.id);
      }
      assert.equal(await d.binds(p.dn, p.password), true, 'the privileged account is as it was');
    });
  });
}

let slapd: Slapd | null = null;
after(async () => {
  await slapd?.destroy();
});

resetJourneys(
  'OpenLDAP (slapd 2.5, ppolicy)',
  async () => {
    slapd = await startSlapd();
    const s = slapd;
    const portal = await startDirectoryPortal('openldap', slapdDirectoryConfig(s, { timeoutMs: 5000 }));
    return {
      portal,
      createUser: (spec) => s.createUser(spec),
      binds: (dn, password) => bindsOver(s.ldapsUrl, s.caFile, dn, password),
      lockoutThreshold: s.policy.maxFailure,
    };
  },
  {
    // A reset by the service account puts PASSWORD_1 into ppolicy's history; the journey then tries it again.
    async prepare(d, dn) {
      await d.portal.services.directory.setPassword(dn, PASSWORD_2);
      return PASSWORD_2;
    },
    password: PASSWORD_1,
    message: t.directoryErrors.rejections.inHistory(defaultSlapdPolicy.inHistory),
  },
  async (d) => {
    serial += 1;
    const username = `rj${run}p${serial}`;
    const dn = await d.createUser({ username, email: `${username}@example.se`, password: PASSWORD_1, privileged: true });
    return { identifier: username, dn, password: PASSWORD_1 };
  },
);

let dc: SambaDc | null = null;
after(async () => {
  await dc?.stop();
});

resetJourneys(
  'Active Directory (Samba AD DC)',
  async () => {
    dc = await useSambaDc();
    const s = dc;
    const portal = await startDirectoryPortal('active-directory', {
      type: 'active-directory',
      privilegedGroups: [s.privilegedGroupDn],
      ldap: {
        urls: [s.url],
        bindDn: s.serviceDn,
        bindPassword: s.servicePassword,
        baseDn: s.baseDn,
        tls: { caFile: s.caFile },
        timeoutMs: 5000,
      },
      // Cheap hashing for Nyckel's own history of reset passwords; the cost doesn't change behaviour.
      embedded: { argon2: { memoryKiB: 8192, iterations: 1 } },
    });
    return {
      portal,
      createUser: (spec) => s.createUser(spec),
      binds: (dn, password) => bindsOver(s.url, s.caFile, dn, password),
      lockoutThreshold: SAMBA_POLICY.lockoutThreshold,
    };
  },
  {
    async prepare() {
      return PASSWORD_1;
    },
    // Long enough for Nyckel's own policy (no composition rule by default) but one kind of character
    // only: Samba refuses it with 0000052D "password does not meet the complexity rules".
    password: 'sjösjuka sjömän vid sjön',
    message: t.directoryErrors.rejections.complexity,
  },
  async (d) => {
    const s = dc as SambaDc;
    // The domain's Administrator: adminCount=1, whatever the service account's rights could do.
    const account = await d.portal.services.directory.findAccount('Administrator');
    assert.ok(account !== null, 'Administrator is found under the base DN');
    return { identifier: 'Administrator', dn: account.id, password: s.adminPassword };
  },
);

test('axe-core found nothing on any page of these journeys', () => {
  assert.deepEqual(axeReports, []);
});
