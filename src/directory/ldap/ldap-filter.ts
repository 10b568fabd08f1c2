// Building LDAP search filters from untrusted values (RFC 4515). Every value that reaches a filter
// goes through escapeFilterValue, so input such as `*)(uid=*` is matched literally and can never
// change the filter's structure (OWASP LDAP Injection Prevention Cheat Sheet).

/** Longest identifier looked up (an e-mail address is at most 254 characters, RFC 5321). */
export const MAX_IDENTIFIER_LENGTH = 256;

const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;

/**
 * Escapes a value for use inside a filter (RFC 4515 section 3): `*`, `(`, `)`, `\` and NUL must be
 * written as `\2a`, `\28`, `\29`, `\5c`, `\00`. Other control characters are escaped too, so logs
 * and servers never see raw control bytes. Non-ASCII text stays UTF-8, which RFC 4515 allows.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (char === '*' || char === '(' || char === ')' || char === '\\' || code < 0x20 || code === 0x7f) {
      out += `\\${code.toString(16).padStart(2, '0')}`;
    } else {
      out += char;
    }
  }
  return out;
}

/** Throws for anything that isn't an attribute description (names come from configuration, but are checked anyway). */
export function assertAttributeName(name: string): string {
  if (!ATTRIBUTE_NAME.test(name) || name.length > 128) throw new Error(`not an LDAP attribute name: ${JSON.stringify(name)}`);
  return name;
}

/** `(attr=value)` with the value escaped. */
export function equalityFilter(attribute: string, value: string): string {
  return `(${assertAttributeName(attribute)}=${escapeFilterValue(value)})`;
}

/** `(attr=*)`: the attribute is present. */
export function presenceFilter(attribute: string): string {
  return `(${assertAttributeName(attribute)}=*)`;
}

/** `(&…)` of already-built filters; a single filter is returned as it is. */
export function andFilter(filters: readonly string[]): string {
  if (filters.length === 0) throw new Error('andFilter needs at least one filter');
  return filters.length === 1 ? (filters[0] as string) : `(&${filters.join('')})`;
}

/** `(|…)` of already-built filters; a single filter is returned as it is. */
export function orFilter(filters: readonly string[]): string {
  if (filters.length === 0) throw new Error('orFilter needs at least one filter');
  return filters.length === 1 ? (filters[0] as string) : `(|${filters.join('')})`;
}

/**
 * A filter from the configuration (trusted, but possibly written without the outer parentheses).
 * Checks that the parentheses balance, so a typo can't silently widen a search.
 */
export function configuredFilter(filter: string): string {
  const trimmed = filter.trim();
  const wrapped = trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
  let depth = 0;
  for (let i = 0; i < wrapped.length; i++) {
    const char = wrapped[i];
    if (char === '\\') {
      i += 2;
      continue;
    }
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (depth < 0 || (depth === 0 && i < wrapped.length - 1)) throw new Error(`unbalanced LDAP filter in configuration: ${filter}`);
  }
  if (depth !== 0) throw new Error(`unbalanced LDAP filter in configuration: ${filter}`);
  return wrapped;
}

/**
 * Cleans what a person typed as a username or e-mail address before it is looked up: trims spaces;
 * null for empty, overlong or NUL-containing input (no account can have such a name, so no query is sent).
 */
export function normaliseIdentifier(input: string): string | null {
  const trimmed = input.normalize('NFC').trim();
  if (trimmed === '' || trimmed.length > MAX_IDENTIFIER_LENGTH || trimmed.includes('\u0000')) return null;
  return trimmed;
}

/** The search for an account by any of its identifier attributes, within the configured user filter. */
export function identifierFilter(identifier: string, attributes: readonly string[], userFilter: string | null): string {
  const byIdentifier = orFilter(attributes.map((attribute) => equalityFilter(attribute, identifier)));
  return userFilter === null ? byIdentifier : andFilter([configuredFilter(userFilter), byIdentifier]);
}
