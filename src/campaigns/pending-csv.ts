// The CSV of a campaign's members who have still to change: the admin page's download and
// `nyckel campaigns pending` write the same lines. Read from the store a page at a time (the
// engine's pending()), so a list of any length streams in flat memory.

import type { Directory } from '../directory/directory.ts';
import { csvCell } from '../reports/csv.ts';
import type { CampaignService } from './campaign.ts';

const csvLine = (cells: readonly (string | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;

/**
 * The lines of the file, each ending CRLF: first a UTF-8 byte-order mark (so spreadsheets read
 * å, ä and ö right) with the header, then username, name, department and e-mail per member.
 */
export async function* pendingCsvLines(
  campaigns: Pick<CampaignService, 'pending'>,
  directory: Pick<Directory, 'getAccount'>,
  campaignId: string,
  header: readonly [string, string, string, string],
): AsyncGenerator<string> {
  yield `\uFEFF${csvLine(header)}`;
  for await (const member of campaigns.pending(campaignId)) {
    // PendingMember has no e-mail address: read it from the directory (current at export time).
    const account = await directory.getAccount(member.accountId);
    yield csvLine([member.username, member.displayName, member.department, account?.email ?? null]);
  }
}
