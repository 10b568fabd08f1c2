// Progress of a breached-password import, on standard error: on a terminal one line rewritten
// in place (entries, rate, time left); elsewhere (a log file, systemd) a plain line now and
// then, so a long import still shows it is alive without filling the log.

export interface ImportProgress {
  /** Reading the input: entries so far, and bytes read of the total. */
  reading(entries: number, bytesDone: number, bytesTotal: number): void;
  /** Building the filter: shards done of the total. */
  building(shardsDone: number, shardsTotal: number): void;
  /** Ends the progress display (a final newline on a terminal). */
  done(): void;
}

export const silentProgress: ImportProgress = { reading() {}, building() {}, done() {} };

export interface ProgressOptions {
  stream: NodeJS.WritableStream;
  /** Defaults to the stream's own isTTY. */
  isTerminal?: boolean;
  /** Milliseconds between plain lines when not on a terminal. */
  plainIntervalMs?: number;
  now?: () => number;
}

const TERMINAL_INTERVAL_MS = 200;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${Math.round(perSecond)}/s`;
}

export function createImportProgress(options: ProgressOptions): ImportProgress {
  const { stream } = options;
  const isTerminal = options.isTerminal ?? (stream as { isTTY?: boolean }).isTTY === true;
  const plainInterval = options.plainIntervalMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let phaseStarted = started;
  let phase: 'reading' | 'building' | null = null;
  let lastShown = -Infinity;
  let dirty = false;
  let finalShown = false;

  const show = (text: string, force: boolean) => {
    const t = now();
    if (!force && t - lastShown < (isTerminal ? TERMINAL_INTERVAL_MS : plainInterval)) return;
    lastShown = t;
    if (isTerminal) {
      // \r and "erase to end of line": rewrite the same line instead of scrolling.
      stream.write(`\r${text}\x1b[K`);
      dirty = true;
    } else {
      stream.write(`${text}\n`);
    }
  };
  const enter = (next: 'reading' | 'building') => {
    if (phase === next) return;
    if (dirty) stream.write('\n');
    dirty = false;
    phase = next;
    phaseStarted = now();
    // On a terminal show at once; in a log, the first line after one interval (a short import logs only its result).
    lastShown = isTerminal ? -Infinity : phaseStarted;
    finalShown = false;
  };

  return {
    reading(entries, bytesDone, bytesTotal) {
      enter('reading');
      const elapsed = (now() - phaseStarted) / 1000;
      const fraction = bytesTotal > 0 ? bytesDone / bytesTotal : 1;
      const left = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.NaN;
      const rate = elapsed > 0.5 ? formatRate(entries / elapsed) : '…';
      const isFinal = bytesDone >= bytesTotal;
      if (isFinal && finalShown) return;
      finalShown ||= isFinal;
      show(
        `reading: ${formatCount(entries)} entries, ${rate}, ${Math.floor(fraction * 100)}%, about ${formatDuration(left)} left`,
        isFinal,
      );
    },
    building(shardsDone, shardsTotal) {
      enter('building');
      const elapsed = (now() - phaseStarted) / 1000;
      const left = shardsDone > 0 && elapsed > 0.5 ? (elapsed * (shardsTotal - shardsDone)) / shardsDone : Number.NaN;
      show(`building: ${shardsDone} of ${shardsTotal} shards, about ${formatDuration(left)} left`, shardsDone === shardsTotal);
    },
    done() {
      if (dirty) stream.write('\n');
      dirty = false;
    },
  };
}
