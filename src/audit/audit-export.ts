// Reads the audit chain out of the store page by page — to export it as JSON lines, or to verify
// it — and verifies an exported file. Memory stays flat however long the chain is.

import type { Store } from '../store/store.ts';
import type { ChainedEvent, ChainVerdict } from './audit-chain.ts';
import { ChainVerifier, GENESIS_HASH, parseExportLine } from './audit-chain.ts';

export const AUDIT_PAGE_SIZE = 1000;

/** The chain's events in order, fetched `pageSize` at a time; with `since`, only events at or after it. */
export async function* readAuditChain(
  store: Pick<Store, 'listAuditChain'>,
  options: { since?: Date | undefined; upToId?: number | null | undefined; pageSize?: number } = {},
): AsyncGenerator<ChainedEvent> {
  const pageSize = options.pageSize ?? AUDIT_PAGE_SIZE;
  let afterId: number | undefined;
  for (;;) {
    const page = await store.listAuditChain({
      limit: pageSize,
      ...(afterId === undefined ? {} : { afterId }),
      ...(options.since === undefined ? {} : { since: options.since }),
    });
    for (const event of page) {
      if (options.upToId !== undefined && options.upToId !== null && event.id > options.upToId) return;
      yield event;
    }
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    afterId = last.id;
  }
}

/**
 * Verifies the whole chain in the store against its recorded head. The head is read first, so
 * events appended while this runs are left for the next verification.
 */
export async function verifyStoredChain(
  store: Pick<Store, 'listAuditChain' | 'getAuditChainHead'>,
  pageSize = AUDIT_PAGE_SIZE,
): Promise<ChainVerdict> {
  const head = await store.getAuditChainHead();
  const verifier = new ChainVerifier(GENESIS_HASH);
  if (head.lastId !== null) {
    for await (const event of readAuditChain(store, { upToId: head.lastId, pageSize })) {
      if (!verifier.add(event)) break;
    }
  }
  return verifier.finish(head);
}

export interface FileVerdict {
  verdict: ChainVerdict;
  /** False when the file starts after the first event (an export made with --since). */
  fromGenesis: boolean;
}

/** Thrown for a line that is not an exported event: bad input, not evidence of tampering. */
export class ExportFormatError extends Error {
  constructor(
    readonly lineNumber: number,
    reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}`);
    this.name = 'ExportFormatError';
  }
}

/** Verifies exported JSON lines. A partial export is checked from its first event's prevHash on. */
export async function verifyExportLines(lines: AsyncIterable<string> | Iterable<string>): Promise<FileVerdict> {
  let verifier: ChainVerifier | null = null;
  let fromGenesis = true;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let event: ChainedEvent;
    try {
      event = parseExportLine(line);
    } catch (error) {
      throw new ExportFormatError(lineNumber, (error as Error).message);
    }
    if (verifier === null) {
      fromGenesis = event.prevHash === GENESIS_HASH;
      verifier = new ChainVerifier(event.prevHash);
    }
    if (!verifier.add(event)) break;
  }
  return { verdict: (verifier ?? new ChainVerifier()).finish(), fromGenesis };
}
