// Tests for configuration loading: defaults, YAML files, environment overrides, secrets from
// files, and the messages for every kind of bad input.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'nyckel-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('loadConfig', () => {
  test('no file gives the embedded default with demo on', () => {
    const { config, file: source } = loadConfig({ env: {} });
    assert.equal(source, undefined);
    assert.equal(config.demo, true);
    assert.equal(config.store.driver, 'sqlite');
    assert.equal(config.directory.type, 'embedded');
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.dataDir, './data');
    assert.equal(config.i18n.defaultLanguage, 'sv');
    // The trial's first-method registration is allowed from this machine only.
    assert.deepEqual(config.securityInfo.firstRegistration.zones, ['this-machine']);
    assert.deepEqual(config.networkZones['this-machine'], ['127.0.0.0/8', '::1/128']);
  });

  test('a file turns demo off unless it says otherwise', () => {
    const path = file('prod.yaml', 'organisation:\n  name: Eslövs kommun\nserver:\n  port: 9000\n');
    const { config } = loadConfig({ file: path, env: {} });
    assert.equal(config.demo, false);
    assert.equal(config.organisation.name, 'Eslövs kommun');
    assert.equal(config.server.port, 9000);
    assert.deepEqual(config.securityInfo.firstRegistration.zones, []);
    assert.deepEqual(config.networkZones, {});
  });

  test('NYCKEL_CONFIG names the file', () => {
    const path = file('env.yaml', 'demo: true\n');
    assert.equal(loadConfig({ env: { NYCKEL_CONFIG: path } }).config.demo, true);
  });

  test('environment overrides, PORT and HOST shortcuts, values read as YAML scalars', () => {
    const { config } = loadConfig({
      env: {
        PORT: '8181',
        HOST: '0.0.0.0',
        NYCKEL_SESSIONS__IDLE_MINUTES: '45',
        NYCKEL_SERVER__TRUSTED_PROXIES: '[10.0.0.0/8, "2001:db8::/32"]',
        NYCKEL_DEMO: 'false',
      },
    });
    assert.equal(config.server.port, 8181);
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.sessions.idleMinutes, 45);
    assert.deepEqual(config.server.trustedProxies, ['10.0.0.0/8', '2001:db8::/32']);
    assert.equal(config.demo, false);
  });

  test('a secret can come from a file named by a _FILE variable', () => {
    const secret = file('pg-url', 'postgres://nyckel:s3cret@db.example:5432/nyckel\n');
    const { config } = loadConfig({ env: { NYCKEL_STORE__DRIVER: 'postgres', NYCKEL_STORE__POSTGRES__URL_FILE: secret } });
    assert.equal(config.store.postgres.url, 'postgres://nyckel:s3cret@db.example:5432/nyckel');
  });

  test('an unreadable _FILE is reported by variable name', () => {
    const problems = problemsOf(() => loadConfig({ env: { NYCKEL_STORE__POSTGRES__URL_FILE: join(dir, 'missing') } }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /NYCKEL_STORE__POSTGRES__URL_FILE names a file that cannot be read/);
  });

  test('an environment variable that names no key is refused', () => {
    const problems = problemsOf(() => loadConfig({ env: { NYCKEL_SERVR__PORT: '1' } }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['NYCKEL_SERVR__PORT'],
    );
  });

  test('NYCKEL_TEST_* variables belong to the test suite and are ignored', () => {
    assert.equal(loadConfig({ env: { NYCKEL_TEST_POSTGRES_URL: 'postgres://x' } }).config.store.driver, 'sqlite');
  });

  test('malformed YAML is reported with line and column', () => {
    const path = file('bad.yaml', 'server:\n  port: 8080\n   host: x\n');
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    assert.match(problems[0]?.message ?? '', /YAML syntax error, line \d+, column \d+/);
  });

  test('duplicate keys are an error, not a silent override', () => {
    const path = file('dup.yaml', 'demo: true\ndemo: false\n');
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    assert.match(problems[0]?.message ?? '', /YAML syntax error/);
  });

  test('unknown keys and wrong types are all reported with their paths', () => {
    const path = file(
      'types.yaml',
      'server:\n  port: "eighty"\n  prot: 1\nsessions:\n  idleMinutes: -5\nstore:\n  driver: mysql\nlog:\n  level: loud\n',
    );
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ['log.level', 'server.port', 'server.prot', 'sessions.idleMinutes', 'store.driver']);
    const unknown = problems.find((p) => p.path === 'server.prot');
    assert.match(unknown?.message ?? '', /unknown key/);
  });

  test('postgres without a URL is refused with the key to set', () => {
    const problems = problemsOf(() => loadConfig({ env: { NYCKEL_STORE__DRIVER: 'postgres' } }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['store.postgres.url'],
    );
  });

  test('a missing file, a non-mapping document, a non-UTF-8 file and an oversized file are clear errors', () => {
    assert.match(problemsOf(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} }))[0]?.message ?? '', /does not exist/);
    assert.match(problemsOf(() => loadConfig({ file: file('list.yaml', '- a\n- b\n'), env: {} }))[0]?.message ?? '', /mapping/);
    assert.match(
      problemsOf(() => loadConfig({ file: file('latin1.yaml', Buffer.from('organisation:\n  name: Esl\xf6v\n', 'latin1')), env: {} }))[0]
        ?.message ?? '',
      /not valid UTF-8/,
    );
    assert.match(
      problemsOf(() => loadConfig({ file: file('big.yaml', `# ${'x'.repeat(1024 * 1024 + 10)}\n`), env: {} }))[0]?.message ?? '',
      /at most 1 MiB/,
    );
  });

  test('an empty file is the defaults (demo off)', () => {
    const { config } = loadConfig({ file: file('empty.yaml', ''), env: {} });
    assert.equal(config.demo, false);
    assert.equal(config.server.port, 8080);
  });

  test('format() lists every problem with its path and how to check again', () => {
    const path = file('fmt.yaml', 'server:\n  port: 70000\nfoo: 1\n');
    try {
      loadConfig({ file: path, env: {} });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.format();
      assert.match(text, /server\.port: /);
      assert.match(text, /foo: unknown key/);
      assert.match(text, /nyckel config check/);
    }
  });
});
