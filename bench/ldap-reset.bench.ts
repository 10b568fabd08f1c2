// Benchmark of password resets against a real slapd (ppolicy, LDAPS on loopback, started by
// test/support/slapd.ts), in two configurations side by side: slapd hashing new passwords with its
// default salted SHA-1 ({SSHA}), and with argon2 ({ARGON2}, the module Debian's slapd ships; what
// docs/directory-openldap.md recommends). For each: (a) the bound — raw Password Modify extended
// operations per second from this machine over one ldapts connection bound as the service account;
// (b) whole reset flows per second through Nyckel's own reset service (the production wiring of
// src/web/routes/reset-routes.tsx, in-process: identify with a solved captcha, choose the
// authenticator app, verify a TOTP code, set the password through the OpenLDAP adapter), with
// enough flows in flight to saturate. Every user's password history is filled first, so each
// modification in (a) and in (b) checks the same number of old hashes. Prints both, the ratio
// and the target (≥ 0.8 of the bound). slapd hashes the passwords, so Nyckel's argon2 settings
// play no part. Not a test: `npm run bench`.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { createServices } from '../src/app/services.ts';
import { configSchema } from '../src/config/schema.ts';
import { PASSWORD_MODIFY_OID, passwordModifyRequestValue } from '../src/directory/ldap/password-modify.ts';
import { ManualClock } from '../src/domain/clock.ts';
import { generateTotp, TOTP_PERIOD_SECONDS } from '../src/methods/totp.ts';
import { createLogger } from '../src/observability/logger.ts';
import { solveCaptchaChallenge } from '../src/security/captcha.ts';
import { resetRuntime } from '../src/web/routes/reset-routes.tsx';
import { type Slapd, type SlapdPasswordHash, slapdDirectoryConfig, startSlapd } from '../test/support/slapd.ts';

/** Users in the {SSHA} run; the {ARGON2} run uses fewer (each of its modifications costs several argon2 computations). */
const USERS = Number(process.env.BENCH_LDAP_USERS ?? 256);
const ARGON2_USERS = Number(process.env.BENCH_LDAP_ARGON2_USERS ?? 64);
/** Operations (raw) or flows kept in flight at once. */
const CONCURRENCY = Number(process.env.BENCH_LDAP_CONCURRENCY ?? 32);
const RAW_SECONDS = Number(process.env.BENCH_LDAP_RAW_SECONDS ?? 6);
const FLOW_ROUNDS = Number(process.env.BENCH_LDAP_FLOW_ROUNDS ?? 8);
const ARGON2_FLOW_ROUNDS = Number(process.env.BENCH_LDAP_ARGON2_FLOW_ROUNDS ?? 3);
/** The argon2 parameters slapd is given: OWASP's minimum (m=19 MiB, t=2, p=1), what docs/directory-openldap.md asks for at least. */
const SLAPD_ARGON2 = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
/** Service connections of the OpenLDAP adapter (directory.ldap.poolSize). */
const POOL_SIZE = Number(process.env.BENCH_LDAP_POOL ?? 8);
const TARGET_RATIO = 0.8;

const line = (text: string) => process.stdout.write(`${text}\n`);
const perSecond = (count: number, ms: number) => (count * 1000) / ms;

/** Runs `work(i)` for i in 0..count-1 with at most `limit` running at once. */
async function inParallel(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

interface Scenario {
  label: string;
  passwordHash: SlapdPasswordHash;
  users: number;
  flowRounds: number;
}

interface Figures {
  label: string;
  bound: number;
  flows: number;
  ratio: number;
}

const scenarios: Scenario[] = [
  { label: "{SSHA} (slapd's default: salted SHA-1)", passwordHash: { scheme: '{SSHA}' }, users: USERS, flowRounds: FLOW_ROUNDS },
  {
    label: `{ARGON2} (argon2 module, m=${SLAPD_ARGON2.memoryKiB} KiB, t=${SLAPD_ARGON2.iterations}, p=${SLAPD_ARGON2.parallelism})`,
    passwordHash: { scheme: '{ARGON2}', ...SLAPD_ARGON2 },
    users: ARGON2_USERS,
    flowRounds: ARGON2_FLOW_ROUNDS,
  },
];

/** A raw Password Modify as the service account. */
const modify = (client: Client, dn: string, newPassword: string) =>
  client.exop(PASSWORD_MODIFY_OID, passwordModifyRequestValue({ userIdentity: dn, newPassword }));

async function runScenario(scenario: Scenario): Promise<Figures> {
  const slapd: Slapd = await startSlapd({ passwordHash: scenario.passwordHash });
  const dataDir = await mkdtemp(join(tmpdir(), 'nyckel-bench-ldap-'));
  const users = scenario.users;
  try {
    line('');
    line(`--- slapd hashing with ${scenario.label} ---`);
    line(`slapd ${slapd.ldapsUrl} (ppolicy: history ${slapd.policy.inHistory}); ${users} users; ${CONCURRENCY} in flight`);
    const dns: string[] = [];
    for (let i = 0; i < users; i++) {
      const username = `bench${i}`;
      dns.push(await slapd.createUser({ username, email: `${username}@example.se`, password: `Början-lösen-${i}-ok` }));
    }
    const client = new Client({ url: slapd.ldapsUrl, timeout: 60_000, tlsOptions: { ca: [readFileSync(slapd.caFile)] } });
    await client.bind(slapd.serviceDn, slapd.servicePassword);
    let serial = 0;
    // Untimed: fill every user's history, so every modification below checks as many old hashes.
    await inParallel(users, CONCURRENCY, async (i) => {
      for (let k = 0; k < slapd.policy.inHistory; k++) await modify(client, dns[i] as string, `Historik-${k}-${serial++}-ok`);
    });
    const stored = await slapd.asRoot(
      async (root) => (await root.search(dns[0] as string, { scope: 'base', attributes: ['userPassword'] })).searchEntries[0]?.userPassword,
    );
    line(`stored hashes look like ${String(stored).slice(0, 32)}…; every user's history filled (${slapd.policy.inHistory}) first`);

    // ---- (a) the bound: raw Password Modify over one connection, as the service account ----
    let rawDone = 0;
    const rawDeadline = performance.now() + RAW_SECONDS * 1000;
    const rawStart = performance.now();
    // Slot s only touches users s, s+C, s+2C …: never two writes to one entry at once (ppolicy races on those).
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, users) }, async (_, slot) => {
        for (let k = 0; performance.now() < rawDeadline; k++) {
          const dn = dns[(slot + k * CONCURRENCY) % users] as string;
          await modify(client, dn, `Rå-ändring-${serial++}-ok`);
          rawDone += 1;
        }
      }),
    );
    const rawMs = performance.now() - rawStart;
    await client.unbind();
    const bound = perSecond(rawDone, rawMs);
    line(`(a) raw Password Modify, one LDAPS connection: ${rawDone} in ${(rawMs / 1000).toFixed(1)} s = ${bound.toFixed(1)}/s`);

    // ---- (b) whole reset flows through Nyckel's reset service ----
    // A hand-moved clock: each round is a new 30-second TOTP step, so every user can verify once per round.
    const clock = new ManualClock(new Date());
    const config = configSchema.parse({
      dataDir,
      log: { level: 'silent' },
      directory: slapdDirectoryConfig(slapd, { timeoutMs: 60_000, poolSize: POOL_SIZE }),
      // A light proof of work: solving it is the browser's work, done here before the clock runs.
      reset: { captcha: { maxCounter: 1_000 }, rateLimits: { perIp: { limit: 1_000_000 }, perAccount: { limit: 1_000_000 } } },
    });
    const services = await createServices(config, { clock, logger: createLogger('silent') });
    try {
      const { service, captcha } = resetRuntime(services);
      const secrets: string[] = [];
      for (const dn of dns) {
        const enrollment = await services.securityInfo.startTotpEnrollment(dn, 'bench');
        const secret = enrollment.secretGrouped.replace(/\s+/g, '');
        const done = await services.securityInfo.completeTotpEnrollment(dn, enrollment.enrollmentId, generateTotp(secret, clock.now()));
        if (!done.ok) throw new Error(`TOTP enrolment failed for ${dn}`);
        secrets.push(secret);
      }
      const request = { ip: '127.0.0.1', language: 'sv' as const };
      let flowsDone = 0;
      let flowMs = 0;
      for (let round = 0; round < scenario.flowRounds; round++) {
        clock.advance(TOTP_PERIOD_SECONDS * 1000);
        // Untimed: the captcha solutions (the browser's work) and the codes (the phone's work).
        const solutions = await Promise.all(dns.map(async () => solveCaptchaChallenge(await captcha.createChallenge())));
        const codes = secrets.map((secret) => generateTotp(secret, clock.now()));
        const roundStart = performance.now();
        await inParallel(users, CONCURRENCY, async (i) => {
          const started = await service.startReset({ identifier: `bench${i}`, captcha: solutions[i] as string }, request);
          if (started.kind !== 'started') throw new Error(`start: ${started.kind}`);
          const chosen = await service.chooseMethod(started.flow.token, 'totp', request);
          if (chosen.kind !== 'advanced') throw new Error(`method: ${chosen.kind}`);
          const verified = await service.verifyResetCode(chosen.flow.token, codes[i] as string, request);
          if (verified.kind !== 'advanced' || verified.flow.state.step !== 'new_password') throw new Error(`verify: ${verified.kind}`);
          const password = `Vårflod i Klarälven ${round}-${i}`;
          const set = await service.setNewPassword(verified.flow.token, { password, confirm: password }, request);
          if (set.kind !== 'advanced' || set.flow.state.step !== 'done')
            throw new Error(`set: ${JSON.stringify(set.kind === 'password_problems' ? set.problems : set.kind)}`);
        });
        flowMs += performance.now() - roundStart;
        flowsDone += users;
      }
      const flows = perSecond(flowsDone, flowMs);
      const ratio = flows / bound;
      line(
        `(b) whole reset flows through Nyckel (pool ${POOL_SIZE}): ${flowsDone} in ${(flowMs / 1000).toFixed(1)} s = ${flows.toFixed(1)}/s`,
      );
      line(`ratio (b)/(a): ${ratio.toFixed(2)}   target ≥ ${TARGET_RATIO}   ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`);
      return { label: scenario.label, bound, flows, ratio };
    } finally {
      await services.close();
    }
  } finally {
    await slapd.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

let exitCode = 0;
try {
  line(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results: Figures[] = [];
  for (const scenario of scenarios) results.push(await runScenario(scenario));
  line('');
  line('summary (each configuration against its own bound):');
  for (const r of results) {
    line(
      `  slapd ${r.label}: raw ${r.bound.toFixed(1)}/s, flows ${r.flows.toFixed(1)}/s, ratio ${r.ratio.toFixed(2)} ` +
        `(target ≥ ${TARGET_RATIO}: ${r.ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`,
    );
  }
} catch (error) {
  process.stderr.write(`ldap-reset bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  exitCode = 1;
}
process.exit(exitCode);
