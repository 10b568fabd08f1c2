// Passkey ceremonies against a software authenticator written from the WebAuthn spec
// (soft-authenticator.test-support.ts), so every failure case can be produced on purpose: wrong
// challenge, wrong origin, replay, no UV flag, another rpId, a counter that goes backwards, a
// credential registered to another account. Challenges live in a real SQLite and PostgreSQL.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { usePostgres } from '../../test/support/postgres.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { configSchema } from '../config/schema.ts';
import { ManualClock } from '../domain/clock.ts';
import { migrateToLatest, type OpenDatabase, openDatabase, type StoreTarget } from '../store/database.ts';
import type { AuditEventInput } from '../store/store.ts';
import {
  type CeremonyContext,
  classifyVerifierError,
  defaultPasskeyName,
  expectedOrigins,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  MAX_PASSKEY_NAME_LENGTH,
  normalisePasskeyName,
  type PasskeyDeps,
  relyingPartyFor,
  SecurityMethodsPasskeyStore,
  startPasskeyRegistration,
  startPasskeySignIn,
  WebauthnChallengeStore,
} from './passkey.ts';
import { listPasskeys, type PasskeyRecord } from './passkey-store.ts';
import { listMethodRecords, purgeExpired } from './security-info-store.ts';
import { b64url, type Gesture, SoftAuthenticator } from './soft-authenticator.test-support.ts';

/** The account's passkeys as the security-info store keeps them. */
function rows(f: Fixture): Promise<PasskeyRecord[]> {
  return listPasskeys(f.db.db, f.account.accountId);
}

// ---- fixtures ---------------------------------------------------------------------------------

const ORIGIN = 'https://nyckel.kommun.example';
const RP_ID = 'nyckel.kommun.example';
const ctx: CeremonyContext = { sessionKey: 'a'.repeat(64), requestOrigin: ORIGIN, ip: '192.0.2.10' };

/** Ceremonies the portal must refuse, with the reason: another challenge, another origin, another rpId, no UV flag. */
function refusedGestures(
  wrongOrigin: string,
  wrongRpId: string,
): { name: string; reason: string; gesture: (challenge: string) => Gesture }[] {
  return [
    {
      name: 'a wrong challenge',
      reason: 'wrong_challenge',
      gesture: () => ({ challenge: 'b3RoZXItY2hhbGxlbmdl', origin: ORIGIN, rpId: RP_ID }),
    },
    { name: 'a wrong origin', reason: 'wrong_origin', gesture: (challenge) => ({ challenge, origin: wrongOrigin, rpId: RP_ID }) },
    { name: 'another rpId', reason: 'wrong_rp', gesture: (challenge) => ({ challenge, origin: ORIGIN, rpId: wrongRpId }) },
    {
      name: 'no UV flag',
      reason: 'user_not_verified',
      gesture: (challenge) => ({ challenge, origin: ORIGIN, rpId: RP_ID, userVerified: false }),
    },
  ];
}

interface Fixture {
  deps: PasskeyDeps;
  account: { accountId: string; userName: string; displayName: string };
  db: OpenDatabase;
  audit: AuditEventInput[];
  clock: ManualClock;
}

function backends(): { name: string; open(): Promise<{ db: OpenDatabase; cleanup(): Promise<void> }> }[] {
  return [
    {
      name: 'SQLite',
      async open() {
        const dir = await makeTempDir('passkey-sqlite');
        const target: StoreTarget = { driver: 'sqlite', path: join(dir.path, 'nyckel.db') };
        const db = openDatabase(target);
        await migrateToLatest(db);
        const cleanup = async () => {
          await db.db.destroy();
          await dir.cleanup();
        };
        return { db, cleanup };
      },
    },
    {
      name: 'PostgreSQL',
      async open() {
        const database = await usePostgres();
        const db = openDatabase({ driver: 'postgres', url: database.url, poolSize: 4 });
        await migrateToLatest(db);
        const cleanup = async () => {
          await db.db.destroy();
          await database.cleanup();
        };
        return { db, cleanup };
      },
    },
  ];
}

for (const backend of backends()) {
  describe(`passkey ceremonies (challenges in ${backend.name})`, () => {
    let opened: { db: OpenDatabase; cleanup(): Promise<void> };
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      await opened?.cleanup();
    });

    let accountSeq = 0;
    function fixture(): Fixture {
      const clock = new ManualClock('2026-03-02T08:00:00Z');
      const audit: AuditEventInput[] = [];
      accountSeq++;
      const account = { accountId: `acct-${accountSeq}`, userName: 'anna.berg', displayName: 'Anna Berg' };
      const deps: PasskeyDeps = {
        passkeys: new SecurityMethodsPasskeyStore(opened.db.db, opened.db.dialect, clock),
        challenges: new WebauthnChallengeStore(opened.db.db),
        clock,
        audit: { appendAudit: async (event) => void audit.push(event) },
        rp: { id: RP_ID, name: 'Demo kommun', origins: [ORIGIN] },
      };
      return { deps, account, db: opened.db, audit, clock };
    }

    /** A fresh session key per test, so tests on one database don't share challenges. */
    let sessionSeq = 0;
    function session(): CeremonyContext {
      sessionSeq++;
      return { ...ctx, sessionKey: `${backend.name}-${sessionSeq}`.padEnd(64, '0') };
    }

    async function registered(f: Fixture, c: CeremonyContext): Promise<SoftAuthenticator> {
      const authenticator = new SoftAuthenticator();
      const options = await startPasskeyRegistration(f.deps, f.account, c);
      const responseJson = await authenticator.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
      const result = await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'Min telefon', responseJson }, c);
      assert.equal(result.ok, true, JSON.stringify(result));
      return authenticator;
    }

    describe('registration', () => {
      it('asks for a discoverable credential with user verification, no attestation, ES256 or RS256, excluding existing ones', async () => {
        const f = fixture();
        const c = session();
        const first = await registered(f, c);
        const options = await startPasskeyRegistration(f.deps, f.account, c);
        assert.deepEqual(options.rp, { name: 'Demo kommun', id: RP_ID });
        assert.equal(options.user.name, 'anna.berg');
        assert.equal(options.user.displayName, 'Anna Berg');
        // The user handle is the opaque account id, not a name or address.
        assert.equal(isoBase64URL.toUTF8String(options.user.id), f.account.accountId);
        assert.equal(options.authenticatorSelection?.userVerification, 'required');
        assert.equal(options.authenticatorSelection?.residentKey, 'preferred');
        assert.equal(options.attestation, 'none');
        assert.deepEqual(
          options.pubKeyCredParams.map((p) => p.alg),
          [-7, -257],
        );
        assert.deepEqual(
          options.excludeCredentials?.map((cred) => cred.id),
          [b64url(first.credentialId)],
        );
        assert.ok(options.challenge.length >= 43, 'at least 32 random bytes');
      });

      it('stores the credential id, public key, counter, transports and name, and audits it', async () => {
        const f = fixture();
        const authenticator = await registered(f, session());
        const [row] = await rows(f);
        assert.ok(row);
        assert.equal(row.credentialId, b64url(authenticator.credentialId));
        assert.equal(row.label, 'Min telefon');
        assert.equal(row.counter, 0);
        assert.deepEqual(row.transports, ['internal']);
        assert.ok(row.publicKey.length > 60, 'a COSE key');
        assert.deepEqual(row.data, { deviceType: 'singleDevice', backedUp: false });
        // A passkey is a security method like the others, listed with its name.
        const [method] = await listMethodRecords(f.db.db, f.account.accountId);
        assert.equal(method?.kind, 'passkey');
        assert.equal(method?.label, 'Min telefon');
        assert.deepEqual(
          f.audit.map((e) => [e.type, e.outcome]),
          [['passkey_registration', 'success']],
        );
      });

      const failures = refusedGestures('https://nyckel.evil.example', 'evil.example');
      for (const failure of failures) {
        it(`refuses ${failure.name}, stores nothing and audits the reason`, async () => {
          const f = fixture();
          const c = session();
          const options = await startPasskeyRegistration(f.deps, f.account, c);
          const responseJson = await new SoftAuthenticator().register(failure.gesture(options.challenge));
          const result = await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'x', responseJson }, c);
          assert.deepEqual(result, { ok: false, reason: failure.reason });
          assert.equal((await rows(f)).length, 0);
          assert.equal(f.audit[0]?.outcome, 'failure');
          assert.equal((f.audit[0]?.detail as { reason: string } | undefined)?.reason, failure.reason);
        });
      }

      it('refuses a replayed response: the challenge is answered once', async () => {
        const f = fixture();
        const c = session();
        const options = await startPasskeyRegistration(f.deps, f.account, c);
        const responseJson = await new SoftAuthenticator().register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        const first = await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'a', responseJson }, c);
        assert.equal(first.ok, true);
        const replay = await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'a', responseJson }, c);
        assert.deepEqual(replay, { ok: false, reason: 'challenge_missing' });
        assert.equal((await rows(f)).length, 1);
      });

      it('refuses an answer after 5 minutes, and from another session', async () => {
        const f = fixture();
        const c = session();
        const authenticator = new SoftAuthenticator();
        let options = await startPasskeyRegistration(f.deps, f.account, c);
        let responseJson = await authenticator.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        f.clock.advance(5 * 60_000 + 1);
        assert.deepEqual(await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'a', responseJson }, c), {
          ok: false,
          reason: 'challenge_missing',
        });

        options = await startPasskeyRegistration(f.deps, f.account, c);
        responseJson = await authenticator.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        const other = session();
        assert.deepEqual(await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'a', responseJson }, other), {
          ok: false,
          reason: 'challenge_missing',
        });
        // The right session still can (the stranger's attempt consumed nothing of it).
        assert.equal((await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'a', responseJson }, c)).ok, true);
      });

      it('refuses something that is not a registration response, and a credential registered twice', async () => {
        const f = fixture();
        const c = session();
        await startPasskeyRegistration(f.deps, f.account, c);
        for (const junk of ['', 'not json', '{"id":"x"}', JSON.stringify({ id: '!!', rawId: '!!', type: 'public-key', response: {} })]) {
          await startPasskeyRegistration(f.deps, f.account, c);
          assert.deepEqual(await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'a', responseJson: junk }, c), {
            ok: false,
            reason: 'malformed',
          });
        }
        const authenticator = await registered(f, c);
        // A browser that ignores excludeCredentials registers the same credential again.
        const options = await startPasskeyRegistration(f.deps, f.account, c);
        const responseJson = await authenticator.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        assert.deepEqual(await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'b', responseJson }, c), {
          ok: false,
          reason: 'already_registered',
        });
        assert.equal((await rows(f)).length, 1);
      });

      it('refuses a passkey already registered to another account, without a uniqueness error', async () => {
        const f = fixture();
        const c = session();
        const authenticator = new SoftAuthenticator();
        const other = `${f.account.accountId}-holder`;
        const held = await f.deps.passkeys.savePasskey(other, {
          credentialId: b64url(authenticator.credentialId),
          publicKey: new Uint8Array(77),
          counter: 0,
          transports: [],
          name: 'Someone else',
          deviceType: 'singleDevice',
          backedUp: false,
        });
        assert.equal(held.ok, true);
        const options = await startPasskeyRegistration(f.deps, f.account, c);
        const responseJson = await authenticator.register({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        assert.deepEqual(
          await finishPasskeyRegistration(f.deps, { accountId: f.account.accountId, name: 'Min telefon', responseJson }, c),
          { ok: false, reason: 'credential_in_use' },
        );
        assert.deepEqual(await rows(f), []);
        assert.deepEqual(
          f.audit.map((e) => [e.type, e.outcome, e.detail?.reason]),
          [['passkey_registration', 'failure', 'credential_in_use']],
        );
      });
    });

    describe('sign-in as a second step', () => {
      it('has no options for an account without passkeys', async () => {
        const f = fixture();
        assert.equal(await startPasskeySignIn(f.deps, 'acct-without', session()), null);
      });

      it('lists the account passkeys, requires UV, and accepts a good assertion, storing the counter', async () => {
        const f = fixture();
        const c = session();
        const authenticator = await registered(f, c);
        const options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        assert.equal(options.userVerification, 'required');
        assert.equal(options.rpId, RP_ID);
        assert.deepEqual(
          options.allowCredentials?.map((cred) => cred.id),
          [b64url(authenticator.credentialId)],
        );
        const responseJson = await authenticator.assert(
          { challenge: options.challenge, origin: ORIGIN, rpId: RP_ID },
          { userHandle: isoBase64URL.fromUTF8String(f.account.accountId) },
        );
        const result = await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c);
        const methodId = (await rows(f))[0]?.id;
        assert.ok(methodId);
        assert.deepEqual(result, { ok: true, methodId });
        assert.equal((await rows(f))[0]?.counter, 1);
        assert.deepEqual((await rows(f))[0]?.lastUsedAt, f.clock.now());
        assert.deepEqual(f.audit.at(-1), {
          type: 'passkey_sign_in',
          actor: f.account.accountId,
          subject: f.account.accountId,
          ip: ctx.ip,
          outcome: 'success',
          detail: { methodId },
        });
      });

      const failures = refusedGestures('http://nyckel.kommun.example', 'kommun.example');
      for (const failure of failures) {
        it(`refuses ${failure.name} and leaves the counter alone`, async () => {
          const f = fixture();
          const c = session();
          const authenticator = await registered(f, c);
          const options = await startPasskeySignIn(f.deps, f.account.accountId, c);
          assert.ok(options);
          const responseJson = await authenticator.assert(failure.gesture(options.challenge));
          assert.deepEqual(await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c), {
            ok: false,
            reason: failure.reason,
          });
          assert.equal((await rows(f))[0]?.counter, 0);
          assert.equal((await rows(f))[0]?.lastUsedAt, null);
          assert.equal(f.audit.at(-1)?.outcome, 'failure');
        });
      }

      it('refuses a replayed assertion (the challenge was used)', async () => {
        const f = fixture();
        const c = session();
        const authenticator = await registered(f, c);
        const options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        const responseJson = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        assert.equal((await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c)).ok, true);
        assert.deepEqual(await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c), {
          ok: false,
          reason: 'challenge_missing',
        });
        // Even with a new challenge issued, the old answer (signed over the old challenge) fails.
        await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.deepEqual(await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c), {
          ok: false,
          reason: 'wrong_challenge',
        });
      });

      it('refuses and audits a counter that does not go up (a cloned authenticator, WebAuthn §6.1.1)', async () => {
        const f = fixture();
        const c = session();
        const authenticator = await registered(f, c);
        authenticator.counter = 7;
        let options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        let responseJson = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        assert.equal((await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c)).ok, true);
        assert.equal((await rows(f))[0]?.counter, 8);

        authenticator.counter = 3; // the clone is behind
        options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        responseJson = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        assert.deepEqual(await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c), {
          ok: false,
          reason: 'counter_regressed',
        });
        assert.equal((await rows(f))[0]?.counter, 8, 'the stored counter is kept');
        assert.deepEqual(f.audit.at(-1), {
          type: 'passkey_sign_in',
          actor: f.account.accountId,
          subject: f.account.accountId,
          ip: ctx.ip,
          outcome: 'refused',
          detail: { reason: 'counter_regressed', methodId: (await rows(f))[0]?.id, stored: 8, received: 4 },
        });

        // Equal is not greater either.
        authenticator.counter = 8;
        options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        responseJson = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID }, { countUp: false });
        assert.equal((await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c)).ok, false);
      });

      it("accepts authenticators that don't count (counter stays 0), as the spec allows", async () => {
        const f = fixture();
        const c = session();
        const authenticator = await registered(f, c);
        for (let i = 0; i < 2; i++) {
          const options = await startPasskeySignIn(f.deps, f.account.accountId, c);
          assert.ok(options);
          const responseJson = await authenticator.assert(
            { challenge: options.challenge, origin: ORIGIN, rpId: RP_ID },
            { countUp: false },
          );
          assert.equal((await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c)).ok, true);
        }
      });

      it("refuses another account's passkey, and a user handle naming someone else", async () => {
        const f = fixture();
        const c = session();
        const authenticator = await registered(f, c);
        const stranger = new SoftAuthenticator();
        await f.deps.passkeys.savePasskey(`${f.account.accountId}-other`, {
          credentialId: b64url(stranger.credentialId),
          publicKey: new Uint8Array(77),
          counter: 0,
          transports: [],
          name: 'x',
          deviceType: 'singleDevice',
          backedUp: false,
        });
        let options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        let responseJson = await stranger.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
        assert.deepEqual(await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c), {
          ok: false,
          reason: 'unknown_credential',
        });
        options = await startPasskeySignIn(f.deps, f.account.accountId, c);
        assert.ok(options);
        responseJson = await authenticator.assert(
          { challenge: options.challenge, origin: ORIGIN, rpId: RP_ID },
          { userHandle: isoBase64URL.fromUTF8String(`${f.account.accountId}-other`) },
        );
        assert.deepEqual(await finishPasskeySignIn(f.deps, { accountId: f.account.accountId, responseJson }, c), {
          ok: false,
          reason: 'unknown_credential',
        });
      });
    });

    describe('challenge store', () => {
      it('hands a challenge to exactly one of two concurrent answers', async () => {
        const store = new WebauthnChallengeStore(opened.db.db);
        const now = new Date('2026-03-02T08:00:00Z');
        const key = `passkey.challenge.sign_in.${'c'.repeat(64)}`;
        await store.saveChallenge(key, 'the-challenge', new Date(now.getTime() + 60_000), now);
        const answers = await Promise.all([
          store.consumeChallenge(key, now),
          store.consumeChallenge(key, now),
          store.consumeChallenge(key, now),
        ]);
        assert.deepEqual(
          answers.filter((a) => a !== null),
          ['the-challenge'],
        );
      });

      it('keeps only the newest challenge per session, and refuses an expired one', async () => {
        const store = new WebauthnChallengeStore(opened.db.db);
        const now = new Date('2026-03-02T08:00:00Z');
        const key = `passkey.challenge.register.${'d'.repeat(64)}`;
        await store.saveChallenge(key, 'first', new Date(now.getTime() + 60_000), now);
        await store.saveChallenge(key, 'second', new Date(now.getTime() + 60_000), now);
        assert.equal(await store.consumeChallenge(key, now), 'second');
        assert.equal(await store.consumeChallenge(key, now), null, 'used once');
        const expiring = `passkey.challenge.sign_in.${'e'.repeat(64)}`;
        await store.saveChallenge(expiring, 'late', new Date(now.getTime() + 1000), now);
        assert.equal(await store.consumeChallenge(expiring, new Date(now.getTime() + 1000)), null, 'expired at its expiry time');
        await assert.rejects(store.saveChallenge('', 'x', now, now), /1 to 200 characters/);
        await assert.rejects(store.saveChallenge('k'.repeat(201), 'x', now, now), /1 to 200 characters/);
      });

      it('lives in its own table (not settings); the purge removes used and expired challenges only', async () => {
        const store = new WebauthnChallengeStore(opened.db.db);
        const now = new Date('2031-01-01T08:00:00Z');
        const key = (name: string) => `passkey.challenge.purge.${backend.name}.${name}`;
        await store.saveChallenge(key('used'), 'used', new Date(now.getTime() + 60_000), now);
        await store.saveChallenge(key('expired'), 'expired', new Date(now.getTime() + 1000), now);
        await store.saveChallenge(key('live'), 'live', new Date(now.getTime() + 60_000), now);
        assert.equal(await store.consumeChallenge(key('used'), now), 'used');
        const inSettings = await opened.db.db.selectFrom('settings').select('key').where('key', 'like', 'passkey.challenge.%').execute();
        assert.deepEqual(inSettings, []);
        const purged = await purgeExpired(opened.db.db, new Date(now.getTime() + 2000));
        assert.ok(purged.webauthnChallenges >= 2, `purged ${purged.webauthnChallenges}`);
        const left = await opened.db.db
          .selectFrom('webauthn_challenges')
          .select('binding_key')
          .where('binding_key', 'like', key('%'))
          .execute();
        assert.deepEqual(
          left.map((r) => r.binding_key),
          [key('live')],
        );
        assert.equal(await store.consumeChallenge(key('live'), new Date(now.getTime() + 2000)), 'live');
      });
    });
  });
}

describe('passkey names', () => {
  const fallback = defaultPasskeyName('Nyckel (passkey)', new Date('2026-11-22T10:00:00Z'));
  it('defaults to "Nyckel (passkey)" with the date', () => {
    assert.equal(fallback, 'Nyckel (passkey) 2026-11-22');
    assert.deepEqual(normalisePasskeyName('   ', fallback), { ok: true, name: fallback });
  });
  it('trims, keeps up to 64 characters as the user sees them, refuses more and control characters', () => {
    assert.deepEqual(normalisePasskeyName('  Jobbtelefon ', fallback), { ok: true, name: 'Jobbtelefon' });
    const emoji = '🔑'.repeat(MAX_PASSKEY_NAME_LENGTH);
    assert.deepEqual(normalisePasskeyName(emoji, fallback), { ok: true, name: emoji });
    assert.deepEqual(normalisePasskeyName('x'.repeat(MAX_PASSKEY_NAME_LENGTH + 1), fallback), { ok: false, problem: 'too_long' });
    assert.deepEqual(normalisePasskeyName('a\u0000b', fallback), { ok: false, problem: 'unreadable' });
    assert.deepEqual(normalisePasskeyName('a\uFFFDb', fallback), { ok: false, problem: 'unreadable' });
  });
});

describe('relying party', () => {
  it('takes rpId from server.publicUrl, else localhost, and rpName from the organisation', () => {
    const bare = relyingPartyFor(configSchema.parse({}));
    assert.deepEqual(bare, { id: 'localhost', name: 'Demo kommun', origins: [] });
    const withUrl = relyingPartyFor(
      configSchema.parse({ server: { publicUrl: 'https://nyckel.eslov.example/' }, organisation: { name: 'Eslövs kommun' } }),
    );
    assert.deepEqual(withUrl, { id: 'nyckel.eslov.example', name: 'Eslövs kommun', origins: ['https://nyckel.eslov.example'] });
    const explicit = relyingPartyFor(
      configSchema.parse({
        webauthn: { rpId: 'eslov.example', rpName: 'Eslöv', origins: ['https://a.eslov.example'] },
        server: { publicUrl: 'https://b.eslov.example' },
      }),
    );
    assert.deepEqual(explicit, { id: 'eslov.example', name: 'Eslöv', origins: ['https://a.eslov.example', 'https://b.eslov.example'] });
  });
  it('refuses an rpId with a scheme or port', () => {
    assert.equal(configSchema.safeParse({ webauthn: { rpId: 'https://x.example' } }).success, false);
    assert.equal(configSchema.safeParse({ webauthn: { rpId: 'x.example:8443' } }).success, false);
  });
  it('without configured origins accepts the request origin only when its host is the rpId', () => {
    const rp = { id: 'localhost', name: 'x', origins: [] };
    assert.deepEqual(expectedOrigins(rp, 'http://localhost:8080'), ['http://localhost:8080']);
    assert.deepEqual(expectedOrigins(rp, 'http://127.0.0.1:8080'), []);
    assert.deepEqual(expectedOrigins(rp, 'garbage'), []);
    assert.deepEqual(expectedOrigins({ ...rp, origins: ['https://a.example'] }, 'http://localhost:8080'), ['https://a.example']);
  });
  it('classifies verifier errors without showing their text', () => {
    assert.equal(classifyVerifierError(new Error('User verification required, but user could not be verified')), 'user_not_verified');
    assert.equal(classifyVerifierError(new Error('Unexpected registration response challenge "a", expected "b"')), 'wrong_challenge');
    assert.equal(classifyVerifierError(new Error('Unexpected RP ID hash')), 'wrong_rp');
    assert.equal(classifyVerifierError('boom'), 'invalid');
  });
});
