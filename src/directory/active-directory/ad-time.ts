// Active Directory's time values. Points in time (pwdLastSet, lockoutTime, accountExpires,
// msDS-UserPasswordExpiryTimeComputed) are FILETIMEs: 100-nanosecond intervals since
// 1601-01-01 UTC. Durations on the domain object (lockoutDuration, maxPwdAge) are negative
// 100-nanosecond intervals. Both are 64-bit integers sent as decimal strings, beyond what a
// JavaScript number holds exactly, so they are parsed as BigInt.

/** 100-ns intervals between 1601-01-01 and 1970-01-01 (MS-DTYP 2.3.3). */
const EPOCH_OFFSET = 116_444_736_000_000_000n;
const TICKS_PER_MS = 10_000n;
/** 0x7FFFFFFFFFFFFFFF: "never" in accountExpires and msDS-UserPasswordExpiryTimeComputed. */
export const FILETIME_NEVER = 0x7fff_ffff_ffff_ffffn;
/** 0x8000000000000000 read as signed: "forever" in lockoutDuration, "never" in maxPwdAge. */
const DURATION_FOREVER = -0x8000_0000_0000_0000n;

/** Parses a 64-bit integer attribute value; null when absent or not an integer. */
export function parseLargeInteger(value: string | readonly string[] | Buffer | undefined | null): bigint | null {
  const text = Array.isArray(value) ? value[0] : Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof text !== 'string' || !/^-?\d{1,20}$/.test(text.trim())) return null;
  return BigInt(text.trim());
}

/** A FILETIME as a Date; null for 0 (not set) and for "never". */
export function fileTimeToDate(fileTime: bigint | null): Date | null {
  if (fileTime === null || fileTime <= 0n || fileTime >= FILETIME_NEVER) return null;
  return new Date(Number((fileTime - EPOCH_OFFSET) / TICKS_PER_MS));
}

/** A Date as a FILETIME. */
export function dateToFileTime(date: Date): bigint {
  return BigInt(date.getTime()) * TICKS_PER_MS + EPOCH_OFFSET;
}

/**
 * A domain duration (lockoutDuration, maxPwdAge) in milliseconds; null for "forever"/"never"
 * (0x8000000000000000, and 0, which AD also treats as no limit).
 */
export function intervalToMs(interval: bigint | null): number | null {
  if (interval === null || interval === 0n || interval === DURATION_FOREVER) return null;
  const magnitude = interval < 0n ? -interval : interval;
  return Number(magnitude / TICKS_PER_MS);
}

/** The account's lock as AD sees it: lockoutTime plus the domain's lockoutDuration. */
export function lockEnd(
  lockoutTime: bigint | null,
  lockoutDuration: bigint | null,
): { isLockedAt: (now: Date) => boolean; lockedUntil: Date | null } {
  const lockedAt = fileTimeToDate(lockoutTime);
  if (lockedAt === null) return { isLockedAt: () => false, lockedUntil: null };
  const durationMs = intervalToMs(lockoutDuration);
  // A lockoutDuration of "forever" keeps the account locked until someone unlocks it.
  if (durationMs === null) return { isLockedAt: () => true, lockedUntil: null };
  const until = new Date(lockedAt.getTime() + durationMs);
  return { isLockedAt: (now) => now.getTime() < until.getTime(), lockedUntil: until };
}
