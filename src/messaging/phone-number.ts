// Phone number input for SMS methods: what a person types ("070-123 45 67", "+46 70 123 45 67",
// "0046701234567") becomes one E.164 number, or a reason the number can't be used.
// Parsing is libphonenumber-js with its `max` metadata: the `min` set can't tell a mobile
// number from a landline (getType() answers undefined there), and an SMS code sent to a
// landline never arrives.

import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type { CountryCode };

/** Longer input is refused before parsing: no real number needs more, and it caps parsing work. */
export const MAX_PHONE_INPUT_LENGTH = 32;

export type PhoneNumberProblem = 'invalid' | 'not_mobile' | 'country_not_allowed' | 'too_long';

export type ParsedPhoneNumber =
  | {
      ok: true;
      /** +46701234567 */
      e164: string;
      /** ISO 3166-1 alpha-2, for example SE. */
      country: CountryCode;
      /** As written in the country itself, for example 070-123 45 67. */
      national: string;
    }
  | { ok: false; reason: PhoneNumberProblem };

export interface PhoneNumberRules {
  /** The country assumed when the number has no country code (the form's preselected country). */
  defaultCountry: string;
  /** ISO codes of the countries whose numbers are accepted (SMS pumping goes to expensive foreign ranges). */
  allowedCountries: readonly string[];
}

// What people type into a phone field: digits, spaces, hyphens, dots, slashes, brackets, a
// leading +. Anything else (letters, "ext.") is refused rather than silently dropped, as the
// library's text extraction would do.
const acceptedCharacters = /^[+]?[\d\s\-./()\u00A0]+$/u;

// Number types an SMS reaches. FIXED_LINE_OR_MOBILE is what the metadata says for countries
// that don't separate the ranges (USA, Canada).
const textableTypes = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** True when `code` is an ISO 3166-1 alpha-2 code that libphonenumber knows (used by the config schema). */
export function isKnownCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/**
 * Parses what a person typed into an E.164 mobile number.
 * Refuses input over 32 characters, anything that isn't a valid number, numbers outside
 * `allowedCountries`, and numbers that aren't mobile numbers (landlines, shared-cost, premium).
 */
export function parsePhoneNumberInput(input: string, rules: PhoneNumberRules): ParsedPhoneNumber {
  if (typeof input !== 'string') return { ok: false, reason: 'invalid' };
  if (input.length > MAX_PHONE_INPUT_LENGTH) return { ok: false, reason: 'too_long' };
  const trimmed = input.trim();
  if (trimmed === '' || !acceptedCharacters.test(trimmed)) return { ok: false, reason: 'invalid' };
  const defaultCountry = isKnownCountry(rules.defaultCountry) ? (rules.defaultCountry as CountryCode) : undefined;
  const phone = parsePhoneNumberFromString(trimmed, defaultCountry === undefined ? {} : { defaultCountry });
  if (phone === undefined || !phone.isValid()) return { ok: false, reason: 'invalid' };
  const country = phone.country;
  if (country === undefined || !rules.allowedCountries.includes(country)) return { ok: false, reason: 'country_not_allowed' };
  const type = phone.getType();
  if (type === undefined || !textableTypes.has(type)) return { ok: false, reason: 'not_mobile' };
  return { ok: true, e164: phone.number, country, national: phone.formatNational() };
}

/**
 * A number for display on pages: the country code, the first two national digits and the
 * last two, the rest as stars (`+46701234567` → `+46 70 *** ** 67`), so a person recognises
 * their phone and an onlooker learns little.
 */
export function maskPhoneNumber(e164: string): string {
  const phone = /^\+[1-9]\d{6,14}$/.test(e164) ? parsePhoneNumberFromString(e164) : undefined;
  if (phone === undefined) return '***';
  const national = String(phone.nationalNumber);
  const head = national.slice(0, 2);
  const tail = national.slice(-2);
  const hidden = national.length - 4;
  // Group the hidden digits like Swedish numbers are written (3 + 2), whatever the country.
  const stars = hidden > 2 ? `${'*'.repeat(hidden - 2)} **` : '*'.repeat(Math.max(hidden, 1));
  return `+${phone.countryCallingCode} ${head} ${stars} ${tail}`;
}

/** For logs: only the last two digits (`…67`), so a log line can be matched to a support call without holding the number. */
export function phoneNumberForLog(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  return digits.length < 4 ? '…' : `…${digits.slice(-2)}`;
}
