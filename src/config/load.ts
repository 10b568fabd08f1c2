// Loads the configuration: an optional YAML file, then NYCKEL_* environment overrides,
// then the schema. Every problem is reported with the key's path and what is expected,
// all at once, so an administrator fixes the file in one go.
//
// Environment overrides: NYCKEL_<PATH> where the path's parts are joined by "__" and matched
// case-insensitively, underscores ignored: NYCKEL_STORE__POSTGRES__URL, NYCKEL_SESSIONS__IDLE_MINUTES.
// A variable ending in _FILE names a file whose contents are the value (for secrets).
// PORT and HOST are shortcuts for server.port and server.host. NYCKEL_TEST_* is ignored.

import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './schema.ts';

export interface ConfigProblem {
  /** Dotted key path, for example "store.postgres.url"; "" for the file as a whole. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  readonly source: string;
  constructor(source: string, problems: ConfigProblem[]) {
    super(`${source}: ${problems.length} problem(s) in the configuration`);
    this.name = 'ConfigError';
    this.problems = problems;
    this.source = source;
  }
  /** The text printed by `nyckel config check` and by a server that refuses to start. */
  format(): string {
    const lines = this.problems.map((p) => `  - ${p.path === '' ? '(file)' : p.path}: ${p.message}`);
    return `Configuration ${this.source} is not valid:\n${lines.join('\n')}\nFix these and run \`nyckel config check\` again.`;
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined for the built-in embedded default. */
  file: string | undefined;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadConfigOptions {
  file?: string | undefined;
  env?: Record<string, string | undefined>;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? (env.NYCKEL_CONFIG || undefined);
  const source = file ?? 'built-in defaults and environment';
  const problems: ConfigProblem[] = [];

  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    raw = readYamlFile(file, problems);
  } else {
    // With no file at all, Nyckel is the trial set-up: demo organisation on, and this machine
    // is the trusted network where a first sign-in method may be registered (in production a
    // first method needs an office/VPN zone or a helpdesk pass, so a leaked password isn't enough).
    raw.demo = true;
    raw.networkZones = { 'this-machine': ['127.0.0.0/8', '::1/128'] };
    raw.securityInfo = { firstRegistration: { zones: ['this-machine'] } };
    // The demo's helpdesk employee and administrator, and staff pages reachable from this machine only.
    raw.admin = { zones: ['this-machine'], roles: { helpdesk: { users: ['leila.ahmadi'] }, admin: { users: ['karin.holm'] } } };
  }
  if (problems.length > 0) throw new ConfigError(source, problems);

  applyEnvironment(raw, env, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  return { config: parsed.data, file };
}

function readYamlFile(file: string, problems: ConfigProblem[]): Record<string, unknown> {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) {
      problems.push({ path: '', message: `the file is ${size} bytes; a configuration file may be at most 1 MiB` });
      return {};
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    problems.push({ path: '', message: `cannot read ${file}: ${why}` });
    return {};
  }
  if (text.includes('\uFFFD')) {
    problems.push({ path: '', message: 'the file is not valid UTF-8; save it as UTF-8' });
    return {};
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      problems.push({ path: '', message: `YAML syntax error, ${where}${e.message.split('\n')[0]}` });
    }
    return {};
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: '', message: 'expected a mapping of keys to values at the top level' });
    return {};
  }
  return value as Record<string, unknown>;
}

function applyEnvironment(raw: Record<string, unknown>, env: Record<string, string | undefined>, problems: ConfigProblem[]): void {
  const entries = Object.entries(env).filter(([k, v]) => v !== undefined && (k === 'PORT' || k === 'HOST' || k.startsWith('NYCKEL_')));
  for (const [name, rawValue] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    // NYCKEL_CONFIG names the file; NYCKEL_TEST_* is reserved for the test suite's own settings.
    if (name === 'NYCKEL_CONFIG' || name.startsWith('NYCKEL_TEST_')) continue;
    let key = name;
    let value = rawValue as string;
    if (key.endsWith('_FILE')) {
      key = key.slice(0, -'_FILE'.length);
      try {
        value = readFileSync(value, 'utf8').trim();
      } catch {
        problems.push({ path: key, message: `${name} names a file that cannot be read: ${value}` });
        continue;
      }
    }
    const parts = key === 'PORT' ? ['port'] : key === 'HOST' ? ['host'] : key.slice('NYCKEL_'.length).split('__');
    const path = key === 'PORT' || key === 'HOST' ? ['server', ...parts] : parts;
    const resolved = resolveSchemaPath(path);
    if (resolved === undefined) {
      problems.push({ path: name, message: 'this environment variable does not name a configuration key' });
      continue;
    }
    setPath(raw, resolved, parseEnvValue(value));
  }
}

/** Values from the environment are read as YAML scalars: "8080" is a number, "true" a boolean, "[a, b]" a list. */
function parseEnvValue(value: string): unknown {
  try {
    const parsed: unknown = YAML.parse(value);
    return parsed === null ? value : parsed;
  } catch {
    return value;
  }
}

const normalise = (s: string) => s.replaceAll('_', '').toLowerCase();

/** Maps NYCKEL_ path parts onto the schema's real key names, or undefined if there is no such key. */
function resolveSchemaPath(parts: string[]): string[] | undefined {
  let shape: Record<string, z.ZodType> | undefined = objectShape(configSchema);
  const out: string[] = [];
  for (const part of parts) {
    if (shape === undefined) return undefined;
    const match = Object.keys(shape).find((k) => normalise(k) === normalise(part));
    if (match === undefined) return undefined;
    out.push(match);
    shape = objectShape(shape[match] as z.ZodType);
  }
  return out;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  // Unwrap defaults, prefaults, optionals and refinements down to an object, if there is one.
  let current: unknown = schema;
  for (let i = 0; i < 10 && current !== undefined; i++) {
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return undefined;
    if (def.type === 'object') return def.shape as Record<string, z.ZodType>;
    current = def.innerType ?? def.in ?? def.schema;
  }
  return undefined;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeIssues(issues: z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          path: path === '' ? key : `${path}.${key}`,
          message: 'unknown key; check its spelling against the configuration reference in the README',
        });
      }
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return problems;
}
