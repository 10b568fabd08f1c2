// Registration coverage: how many accounts have registered at least one, and at least two,
// sign-in methods, overall and by department. Walks the directory page by page and asks the
// store for the method counts of each page, so memory stays flat however many accounts there are.

import type { Directory } from '../directory/directory.ts';
import type { ReportQueries } from './report-queries.ts';

const PAGE_SIZE = 500;

/** The counts for one group of accounts (everyone, or one department). */
export interface CoverageCounts {
  accounts: number;
  /** Accounts with at least one method. */
  withOne: number;
  /** Accounts with at least two methods. */
  withTwo: number;
}

export interface DepartmentCoverage extends CoverageCounts {
  /** The department as the directory has it; null for accounts without one. */
  department: string | null;
}

export interface RegistrationCoverage {
  overall: CoverageCounts;
  /** By department name (case-insensitive groups, the first spelling seen), those without one last. */
  departments: DepartmentCoverage[];
}

/** A share in percent with one decimal (0 when there are no accounts). */
export function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}

export async function measureRegistrationCoverage(directory: Directory, queries: ReportQueries): Promise<RegistrationCoverage> {
  const overall: CoverageCounts = { accounts: 0, withOne: 0, withTwo: 0 };
  const byKey = new Map<string, DepartmentCoverage>();
  let cursor: string | null = null;
  do {
    const page = await directory.listAccounts({ pageSize: PAGE_SIZE, cursor });
    const counts = await queries.countMethods(page.accounts.map((a) => a.id));
    for (const account of page.accounts) {
      const department = account.department?.trim() || null;
      const key = department === null ? '' : department.toLocaleLowerCase('sv');
      let group = byKey.get(key);
      if (group === undefined) {
        group = { department, accounts: 0, withOne: 0, withTwo: 0 };
        byKey.set(key, group);
      }
      const methods = counts.get(account.id) ?? 0;
      for (const target of [overall, group]) {
        target.accounts++;
        if (methods >= 1) target.withOne++;
        if (methods >= 2) target.withTwo++;
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  const departments = [...byKey.values()].sort((a, b) => {
    if (a.department === null) return 1;
    if (b.department === null) return -1;
    return a.department.localeCompare(b.department, 'sv');
  });
  return { overall, departments };
}
