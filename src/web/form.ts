// Reads a submitted form as plain strings. A malformed body is an empty form (the handler then
// reports missing fields), never an exception: bad input gets a clear answer, not a 500.

import type { Context } from 'hono';
import type { WebEnv } from './context.ts';

export type FormFields = Readonly<Record<string, string>>;

const cache = new WeakMap<Request, FormFields>();

export async function readForm(c: Context<WebEnv>): Promise<FormFields> {
  const cached = cache.get(c.req.raw);
  if (cached !== undefined) return cached;
  const fields: Record<string, string> = {};
  try {
    const body = await c.req.parseBody({ all: true });
    for (const [name, value] of Object.entries(body)) {
      const first = Array.isArray(value) ? value[0] : value;
      // Files are never expected; only text fields count.
      if (typeof first === 'string') fields[name] = first;
    }
  } catch (error) {
    c.get('log').info({ err: { message: (error as Error).message } }, 'unreadable form body');
  }
  cache.set(c.req.raw, fields);
  return fields;
}

/** A field's value, or '' when absent. */
export function field(form: FormFields, name: string): string {
  return Object.hasOwn(form, name) ? (form[name] as string) : '';
}
