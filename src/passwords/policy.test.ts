// Tests for the password policy: every rule with real examples (Swedish passwords, Unicode, long
// input), the checklist's shape, the breached-password callback, the configuration it reads, and
// that every message key it produces has a text in Swedish and English.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../config/schema.ts';
import { catalogs, languages } from '../i18n/catalog.ts';
import { normaliseWord, wordForms } from './normalise.ts';
import {
  countCharacterKinds,
  createPasswordPolicy,
  describePolicyCheck,
  evaluatePassword,
  evaluatePasswordRules,
  failedChecks,
  type IsBreached,
  loadPasswordPolicy,
  type PasswordContext,
  type PolicyResult,
  personalWords,
} from './policy.ts';
import { strengthEstimateCount } from './strength.ts';

const settingsFrom = (passwordPolicy: Record<string, unknown> = {}) => configSchema.parse({ passwordPolicy }).passwordPolicy;
const policy = createPasswordPolicy(settingsFrom());

const anna: PasswordContext = {
  username: 'anna.andersson',
  displayName: 'Anna Andersson',
  email: 'anna.andersson@eslov.se',
  organisationName: 'Eslövs kommun',
  otherAttributes: ['Socialförvaltningen', 'Handläggare', '0701234567'],
};
const nobody: PasswordContext = {};

const failedRules = (result: PolicyResult) => failedChecks(result).map((c) => c.rule);
const rules = (password: string, context = anna, p = policy) => evaluatePasswordRules(password, context, p);

describe('length (NIST SP 800-63B)', () => {
  it('asks for 12 characters by default, counted in code points after NFC', () => {
    assert.deepEqual(failedRules(rules('Kort-ord-9x', nobody)), ['minLength']);
    assert.deepEqual(failedRules(rules('Kort-ord-9xy', nobody)), []);
    const emoji = rules('🐸🦊🐻🐼🐨🐯🦁🐮🐷🐸🦊🐻', nobody);
    assert.equal(emoji.length, 12);
    assert.equal(emoji.checks.find((c) => c.rule === 'minLength')?.passed, true);
    const decomposed = rules('sma\u030A gro\u0308na sjo\u0308ar', nobody);
    assert.equal(decomposed.length, 15);
  });
  it('reports the length and the minimum for the message', () => {
    const check = rules('abc', nobody).checks.find((c) => c.rule === 'minLength');
    assert.deepEqual(check?.params, { min: 12, length: 3 });
    assert.equal(check?.messageKey, 'passwordPolicy.refusals.minLength');
  });
  it('takes the minimum and maximum from the configuration', () => {
    const strict = createPasswordPolicy(settingsFrom({ minLength: 16, maxLength: 64 }));
    assert.deepEqual(failedRules(rules('Gul-Cykel-Under-7', nobody, strict)), []);
    assert.deepEqual(failedRules(rules('Gul-Cykel-Under', nobody, strict)), ['minLength']);
    assert.deepEqual(failedRules(rules(`Gul-Cykel-${'x9Q#'.repeat(14)}`, nobody, strict)), ['maxLength']);
  });
  it('allows every Unicode character: spaces, å ä ö, emoji, other scripts', () => {
    for (const password of [
      'korrekt häst batteri häftklammer',
      'Ölkorv på Åre-fjället 🎿',
      '日本語のパスワードはとても長い',
      'Привет мир как дела у тебя',
      '   mellanslag   tre gånger   ',
      'ΑΒΓΔ-ελληνικά-γράμματα',
    ]) {
      assert.deepEqual(failedRules(rules(password, nobody)), [], password);
    }
  });
  it('has no composition rules unless configured', () => {
    assert.equal(
      rules('bara små bokstäver här hela tiden', nobody).checks.some((c) => c.rule === 'complexity'),
      false,
    );
  });
  it('handles 1000 characters without trouble and refuses them by length only', () => {
    const long = 'Tre gröna grodor hoppar i en bäck. '.repeat(30).slice(0, 1000);
    const result = rules(long, nobody);
    assert.equal(result.length, 1000);
    assert.deepEqual(failedRules(result), ['maxLength']);
    assert.deepEqual(result.checks.find((c) => c.rule === 'maxLength')?.params, { max: 256, length: 1000 });
  });
});

describe('not your own words', () => {
  it('refuses the username, name parts, e-mail name and organisation name', () => {
    for (const password of [
      'anna.andersson2025',
      'Andersson-2025!!',
      'AnnaSolrosVind!',
      'Eslövs-Sol-och-Vind',
      'socialforvaltningen!',
      'Handläggare-2025',
    ]) {
      assert.ok(failedRules(rules(password)).includes('notPersonal'), password);
    }
  });
  it('refuses simple variations: case, leetspeak, reversed, digits around, one edit', () => {
    for (const password of [
      'ANDERSSON-grön-bil',
      '4nd3rss0n-grön-bil',
      'nossrednA-grön-bil',
      '1234Andersson5678',
      'Anderssen-grön-bil',
      'Anderson-grön-bil',
      'Anndersson-grön-bil',
      '€$l0v$ kommun är bäst',
    ]) {
      assert.ok(failedRules(rules(password)).includes('notPersonal'), password);
    }
  });
  it('refuses a phone number from the attributes', () => {
    assert.ok(failedRules(rules('Ring mig 0701234567!')).includes('notPersonal'));
  });
  it('does not refuse other people or the generic part of the organisation name', () => {
    assert.deepEqual(failedRules(rules('Gul-Cykel-Under-Bron-7')), []);
    assert.deepEqual(failedRules(rules('korrekt häst batteri häftklammer')), []);
    assert.equal(failedRules(rules('min stad har gula bussar')).includes('notPersonal'), false);
  });
  it('can be turned off', () => {
    const off = createPasswordPolicy(settingsFrom({ rejectContextWords: false }));
    assert.equal(
      rules('Andersson-grön-bil-på-väg', anna, off).checks.some((c) => c.rule === 'notPersonal'),
      false,
    );
  });
  it('collects the words from every field', () => {
    const words = personalWords({
      username: 'kalle.k2@kommun.se',
      displayName: 'Karl-Erik Öberg',
      email: 'karl.erik.oberg@kommun.se',
      organisationName: 'Region Skåne',
    });
    for (const word of ['kallek2', 'kalle', 'karl', 'erik', 'oberg', 'karlerikoberg', 'skane']) assert.ok(words.includes(word), word);
    assert.equal(words.includes('region'), false);
  });
});

describe('banned words (Entra-style)', () => {
  it('refuses the classic Swedish passwords and names the word', () => {
    const cases: [string, string][] = [
      ['Sommar2025!!', 'sommar'],
      ['Välkommen123', 'välkommen'],
      ['Eslöv2026!!!', 'Eslöv'],
      ['P@ssw0rd123456', 'password'],
      ['Lösenord1234', 'lösenord'],
      ['Vinter2024!!', 'vinter'],
      ['Hösten2025!!', 'hösten'],
      ['Hejsan123456', 'hejsan'],
      ['Qwertyuiopå12', 'qwertyuiopå'],
      ['Hammarby1897!', 'hammarby'],
      ['Helsingborg2025', 'Helsingborg'],
      ['Övertorneå1234', 'Övertorneå'],
      ['Kommun2025!!!', 'kommun'],
      ['Region1234!!', 'region'],
      ['Augusti2025!', 'augusti'],
      ['Måndag123456', 'måndag'],
    ];
    for (const [password, word] of cases) {
      const check = rules(password, nobody).checks.find((c) => c.rule === 'notCommon');
      assert.equal(check?.passed, false, password);
      assert.ok(wordForms(String(check?.params.word)).includes(normaliseWord(word)), `${password}: ${check?.params.word}`);
      assert.equal(check?.messageKey, 'passwordPolicy.refusals.notCommon');
    }
  });
  it('refuses the five examples of the brief at their own length', () => {
    for (const password of ['Sommar2025!', 'Välkommen1', 'Eslöv2026!!', 'P@ssw0rd123456', 'Lösenord1234']) {
      const result = rules(password, nobody);
      assert.equal(result.ok, false, password);
      assert.ok(failedRules(result).includes('notCommon'), password);
    }
  });
  it('refuses predictable passwords without a word as a pattern', () => {
    for (const password of ['121314151617', 'abcdefghijklmn', '!!!!!!!!!!!!!!', '839201746512', 'zzzzzzzzzzzzzzzzzzzzzzzz']) {
      const check = rules(password, nobody).checks.find((c) => c.rule === 'notCommon');
      assert.equal(check?.passed, false, password);
      assert.equal(check?.messageKey, 'passwordPolicy.refusals.notCommonPattern', password);
    }
  });
  it('refuses the most used passwords worldwide, not only Swedish ones', () => {
    for (const password of ['iloveyouiloveyou', 'monkeydragon12', 'Trustno1Trustno1', 'Sunshine2025!']) {
      assert.ok(failedRules(rules(password, nobody)).includes('notCommon'), password);
    }
  });
  it('accepts passphrases, also ones containing a banned word among others', () => {
    for (const password of [
      'korrekt häst batteri häftklammer',
      'Gul-Cykel-Under-Bron-7',
      'Sommar-i-Vadstena-med-glass',
      'Min katt heter Sixten och är grå',
      'K8#vQ2!mZp4&Lw',
      'blåbärspaj med vaniljsås',
    ]) {
      const result = rules(password, nobody);
      assert.deepEqual(failedRules(result), [], password);
      assert.equal(result.ok, true, password);
    }
  });
  it("refuses the organisation's own banned words from the configuration and from a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nyckel-policy-'));
    try {
      await writeFile(join(dir, 'banned.txt'), '# Our words\nKvarnbyskolan\n');
      const own = await loadPasswordPolicy(settingsFrom({ bannedWords: ['Nyckelbolaget'], bannedWordsFile: 'banned.txt' }), {
        dataDir: dir,
      });
      assert.ok(failedRules(rules('Nyckelb0laget2025', nobody, own)).includes('notCommon'));
      assert.ok(failedRules(rules('Kvarnbysk0lan2025', nobody, own)).includes('notCommon'));
      assert.deepEqual(failedRules(rules('Kvarnbysk0lan2025', nobody)), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Active Directory complexity (when configured)', () => {
  const ad = createPasswordPolicy(settingsFrom({ requireComplexity: true }));
  it('counts the kinds of characters as Active Directory does', () => {
    assert.equal(countCharacterKinds(Array.from('abc')), 1);
    assert.equal(countCharacterKinds(Array.from('Abc1')), 3);
    assert.equal(countCharacterKinds(Array.from('Åäö!')), 3);
    assert.equal(countCharacterKinds(Array.from('abc€')), 1, 'currency symbols do not count');
    assert.equal(countCharacterKinds(Array.from('日本a')), 2, 'letters without case are a kind of their own');
  });
  it('asks for 3 of 4 kinds and explains it', () => {
    const weak = rules('korrekt häst batteri häftklammer', nobody, ad);
    const check = weak.checks.find((c) => c.rule === 'complexity');
    assert.deepEqual(check?.params, { required: 3, found: 1 });
    assert.equal(weak.ok, false);
    assert.equal(rules('Korrekt häst batteri 7', nobody, ad).ok, true);
    assert.equal(rules('Gul-Cykel-Under-Bron-7', nobody, ad).ok, true);
    assert.match(describePolicyCheck(catalogs.sv, check!), /minst 3 olika slag.*har 1/);
  });
});

describe('breached passwords (a callback)', () => {
  const leaked = new Set(['Gul-Cykel-Under-Bron-7']);
  it('refuses a password the callback knows, sync or async', async () => {
    for (const isBreached of [(p: string) => leaked.has(p), async (p: string) => leaked.has(p)] as IsBreached[]) {
      const withIndex = createPasswordPolicy(settingsFrom(), { isBreached });
      const refused = await evaluatePassword('Gul-Cykel-Under-Bron-7', nobody, withIndex);
      assert.equal(refused.ok, false);
      assert.deepEqual(failedRules(refused), ['notBreached']);
      const accepted = await evaluatePassword('korrekt häst batteri häftklammer', nobody, withIndex);
      assert.equal(accepted.ok, true);
      assert.equal(accepted.checks.find((c) => c.rule === 'notBreached')?.messageKey, 'passwordPolicy.rules.notBreached');
    }
  });
  it('gives the callback the NFC password and asks only once the length is met', async () => {
    const asked: string[] = [];
    const withIndex = createPasswordPolicy(settingsFrom(), {
      isBreached: (p) => {
        asked.push(p);
        return false;
      },
    });
    await evaluatePassword('kort', nobody, withIndex);
    await evaluatePassword('sma\u030A gro\u0308na sjo\u0308ar', nobody, withIndex);
    assert.deepEqual(asked, ['små gröna sjöar']);
  });
  it('leaves the rule out when no check is configured', async () => {
    const result = await evaluatePassword('korrekt häst batteri häftklammer', nobody, policy);
    assert.equal(
      result.checks.some((c) => c.rule === 'notBreached'),
      false,
    );
    const disabled = await loadPasswordPolicy(settingsFrom({ breached: { enabled: false } }), { dataDir: '.', isBreached: () => true });
    assert.equal((await evaluatePassword('korrekt häst batteri häftklammer', nobody, disabled)).ok, true);
  });
  it('lets a failing callback fail the evaluation instead of passing silently', async () => {
    const broken = createPasswordPolicy(settingsFrom(), {
      isBreached: async () => {
        throw new Error('index unreadable');
      },
    });
    await assert.rejects(evaluatePassword('korrekt häst batteri häftklammer', nobody, broken), /index unreadable/);
  });
});

describe('strength', () => {
  it('is guidance only by default', () => {
    const result = rules('Kort-ord-9xy', nobody);
    assert.equal(
      result.checks.some((c) => c.rule === 'strength'),
      false,
    );
    assert.match(result.strength.scoreKey, /^passwordPolicy\.strength\.scores\.score[0-4]$/);
  });
  it('is a rule when minScore is above 0', () => {
    const demanding = createPasswordPolicy(settingsFrom({ strength: { minScore: 4 } }));
    // Three everyday Swedish words from the custom dictionary: no banned word, but guessable.
    const weak = rules('mammapappabarn', nobody, demanding);
    assert.ok(weak.strength.score < 4);
    assert.deepEqual(failedRules(weak), ['strength']);
    assert.equal(rules('korrekt häst batteri häftklammer', nobody, demanding).ok, true);
  });
  it('gives translated feedback keys', () => {
    const result = rules('aaaaaaaaaaaaaaaa', nobody);
    assert.equal(result.strength.warningKey, 'passwordPolicy.strength.warnings.simpleRepeat');
    assert.ok(result.strength.suggestionKeys.length > 0);
  });
  it('is estimated only when read, and once, while it is guidance (the submit and the checklist never read it)', async () => {
    const before = strengthEstimateCount();
    const checked = rules('Lingonsylt i fjällen vid Storsjön', nobody);
    const submitted = await evaluatePassword(
      'Lingonsylt i fjällen vid Storsjön',
      nobody,
      createPasswordPolicy(settingsFrom(), { isBreached: () => false }),
    );
    assert.equal(checked.ok && submitted.ok, true);
    assert.equal(strengthEstimateCount(), before, 'no estimate was made');
    const first = submitted.strength;
    assert.equal(strengthEstimateCount(), before + 1);
    assert.equal(submitted.strength, first, 'a second read gives the same estimate without working it out again');
    assert.equal(strengthEstimateCount(), before + 1);
    assert.deepEqual(first, checked.strength, 'the same estimate whichever way it was evaluated');
  });
  it('is estimated on every evaluation when it is a rule', () => {
    const demanding = createPasswordPolicy(settingsFrom({ strength: { minScore: 3 } }));
    const before = strengthEstimateCount();
    const result = rules('Lingonsylt i fjällen vid Storsjön', nobody, demanding);
    assert.equal(strengthEstimateCount(), before + 1);
    assert.equal(result.checks.find((c) => c.rule === 'strength')?.params.score, result.strength.score);
    assert.equal(strengthEstimateCount(), before + 1, 'the rule and the guidance share one estimate');
  });
});

describe('the checklist', () => {
  it('lists every rule in order, passed or not, for every keystroke', () => {
    const ad = createPasswordPolicy(settingsFrom({ requireComplexity: true, strength: { minScore: 2 } }), { isBreached: () => false });
    const empty = rules('', anna, ad);
    assert.deepEqual(
      empty.checks.map((c) => c.rule),
      ['minLength', 'maxLength', 'complexity', 'notPersonal', 'notCommon', 'strength'],
    );
    const typed = 'Korrekt häst batteri 7';
    for (let end = 0; end <= typed.length; end += 1) {
      const result = rules(typed.slice(0, end), anna, ad);
      assert.equal(result.checks.length, 6);
      assert.equal(
        result.ok,
        result.checks.every((c) => c.passed),
      );
    }
  });
  it('never puts the password in the result', async () => {
    const password = 'Sommar2025!!';
    const result = await evaluatePassword(password, anna, createPasswordPolicy(settingsFrom(), { isBreached: () => true }));
    assert.equal(JSON.stringify(result).includes(password), false);
    assert.equal(JSON.stringify(result).toLowerCase().includes('2025'), false);
  });
});

describe('messages', () => {
  // Many passwords and settings, so that every rule, passed and failed, produces its key.
  async function everyCheck() {
    const policies = [
      createPasswordPolicy(settingsFrom({ requireComplexity: true, strength: { minScore: 3 } }), {
        isBreached: (p) => p.startsWith('Läckt'),
      }),
      createPasswordPolicy(settingsFrom({ maxLength: 64 })),
    ];
    const passwords = [
      '',
      'abc',
      'Sommar2025!',
      '111111111111',
      'Andersson-grön-bil',
      'Läckt-men-lång-fras-7',
      'Korrekt häst batteri 7',
      'x'.repeat(70),
    ];
    const checks = [];
    for (const p of policies) for (const password of passwords) checks.push(...(await evaluatePassword(password, anna, p)).checks);
    return checks;
  }
  it('produces every message key the catalog has, and only those', async () => {
    const checks = await everyCheck();
    const keys = new Set(checks.map((c) => c.messageKey));
    const sv = catalogs.sv.passwordPolicy;
    const expected = [
      ...Object.keys(sv.rules).map((k) => `passwordPolicy.rules.${k}`),
      ...Object.keys(sv.refusals).map((k) => `passwordPolicy.refusals.${k}`),
    ];
    assert.deepEqual([...keys].sort(), expected.sort());
  });
  it('has a text for every key in Swedish and English, with the values filled in', async () => {
    const checks = await everyCheck();
    for (const language of languages) {
      for (const check of checks) {
        const text = describePolicyCheck(catalogs[language], check);
        assert.ok(text.trim().length > 0, `${language} ${check.messageKey}`);
        assert.equal(/undefined|NaN|\$\{/.test(text), false, `${language} ${check.messageKey}: ${text}`);
        const [, section, key] = check.messageKey.split('.') as [string, 'rules' | 'refusals', string];
        const entry = (catalogs[language].passwordPolicy[section] as Record<string, unknown>)[key];
        assert.ok(typeof entry === 'string' || typeof entry === 'function', `${language} ${check.messageKey}`);
      }
      for (const score of [0, 1, 2, 3, 4] as const)
        assert.ok(catalogs[language].passwordPolicy.strength.scores[`score${score}`].length > 0);
    }
  });
  it('says it in plain Swedish and English', () => {
    const minLength = rules('abc', nobody).checks.find((c) => c.rule === 'minLength')!;
    assert.equal(
      describePolicyCheck(catalogs.sv, { ...minLength, passed: true, messageKey: 'passwordPolicy.rules.minLength' }),
      'Minst 12 tecken',
    );
    assert.equal(
      describePolicyCheck(catalogs.en, { ...minLength, passed: true, messageKey: 'passwordPolicy.rules.minLength' }),
      'At least 12 characters',
    );
    const common = rules('Sommar2025!!', nobody).checks.find((c) => c.rule === 'notCommon')!;
    assert.match(describePolicyCheck(catalogs.sv, common), /^För likt ett vanligt ord \(sommar\)/);
    assert.match(describePolicyCheck(catalogs.en, common), /^Too similar to a common word \(sommar\)/);
    assert.equal(catalogs.sv.passwordPolicy.rules.notPersonal, 'Får inte innehålla ditt namn eller användarnamn');
    assert.match(catalogs.sv.passwordPolicy.refusals.notBreached, /^Lösenordet finns i listor över läckta lösenord/);
  });
});

describe('configuration', () => {
  it('has safe defaults', () => {
    const settings = settingsFrom();
    assert.equal(settings.minLength, 12);
    assert.ok(settings.maxLength >= 64);
    assert.deepEqual(settings.bannedWords, []);
    assert.equal(settings.bannedWordsFile, undefined);
    assert.equal(settings.requireComplexity, false);
    assert.equal(settings.rejectContextWords, true);
    assert.equal(settings.breached.enabled, true);
    assert.deepEqual(settings.breached.online, { enabled: false, padding: true, apiUrl: 'https://api.pwnedpasswords.com/range/' });
    assert.deepEqual(settings.strength, { minScore: 0 });
  });
  it('refuses bad values with the path', () => {
    for (const bad of [
      { maxLength: 32 },
      { strength: { minScore: 5 } },
      { breached: { online: { apiUrl: 'http://example.com/range/' } } },
      { bannedWords: [''] },
      { requireComplexity: 'yes' },
      { breached: { onlin: {} } },
    ]) {
      const parsed = configSchema.safeParse({ passwordPolicy: bad });
      assert.equal(parsed.success, false, JSON.stringify(bad));
      assert.equal(parsed.error?.issues[0]?.path[0], 'passwordPolicy');
    }
  });
});
