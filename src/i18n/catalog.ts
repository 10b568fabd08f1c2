// The message catalogs and their type. Swedish (sv.ts) is the source; `Catalog` is its shape
// with literal strings widened, so a catalog missing a key, or with a function where a string
// belongs, is a type error.

import { en } from './en.ts';
import { sv } from './sv.ts';

export type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Widen<T[K]> };

export type Catalog = Widen<typeof sv>;

export const languages = ['sv', 'en'] as const;
export type Language = (typeof languages)[number];

export const catalogs: Readonly<Record<Language, Catalog>> = { sv, en };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

export function catalogFor(language: Language): Catalog {
  return catalogs[language];
}
