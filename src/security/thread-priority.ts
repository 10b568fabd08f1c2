// The scheduling priority of libuv's thread pool on Linux. argon2id runs there (and file reads,
// DNS, zlib): batch work that keeps every core busy on a day of many resets. The event loop
// answers every page; when both want a core, the page should win, or every request waits behind
// a hash (tens of milliseconds) for its turn on a core. Lowering the pool threads' priority
// (nice 10) changes only who goes first: idle cores still run hashes at full speed.
//
// On Linux setpriority(PRIO_PROCESS, tid) applies to the one thread, which os.setPriority
// passes through; libuv names its pool threads "libuv-worker" (/proc/self/task/TID/comm).
// Raising a thread's niceness needs no privilege. Elsewhere this does nothing.

import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** How much lower than the event loop: CFS gives a nice-10 thread about a tenth of a contended core. */
export const THREAD_POOL_NICENESS = 10;

const POOL_THREAD_NAME = 'libuv-worker';

/** The thread ids of this process's libuv pool threads (empty before the pool starts, and outside Linux). */
export function threadPoolThreadIds(): number[] {
  if (process.platform !== 'linux') return [];
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  const ids: number[] = [];
  for (const tid of tasks) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === POOL_THREAD_NAME) ids.push(Number(tid));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ids;
}

/**
 * Lowers the priority of libuv's pool threads to `niceness` (once started; libuv starts them all
 * at its first job). Returns how many threads were changed. Never throws: a kernel that refuses
 * leaves the pool as it was, which is only slower under load.
 */
export function lowerThreadPoolPriority(niceness: number = THREAD_POOL_NICENESS): number {
  let changed = 0;
  for (const tid of threadPoolThreadIds()) {
    try {
      setPriority(tid, niceness);
      changed++;
    } catch {
      // Not allowed here (a seccomp profile, say): the pool keeps the event loop's priority.
    }
  }
  return changed;
}
