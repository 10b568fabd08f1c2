// The port for where reset flows live. They are kept in the store's database (SQLite or
// PostgreSQL), so a flow survives a restart and works across instances: `KyselyResetFlowStore`
// in src/store/kysely-reset-flow-store.ts implements this port.

import type { CaptchaReplayGuard } from '../../security/captcha.ts';
import type { ResetState } from './states.ts';

export interface ResetFlowRecord {
  id: string;
  /** SHA-256 of the secret half of the cookie token. */
  secretHash: string;
  /** Null when the identifier matched no account (the flow runs anyway; nothing can verify). */
  accountId: string | null;
  state: ResetState;
  language: 'sv' | 'en';
  /** When the user started (the first row of the flow); expiry counts from here. */
  startedAt: Date;
  createdAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

export interface ResetFlowStore extends CaptchaReplayGuard {
  insertFlow(record: Omit<ResetFlowRecord, 'consumedAt'>): Promise<void>;
  getFlow(id: string): Promise<ResetFlowRecord | null>;
  /** Marks the row used; false when it already was (a replay or a race lost). */
  consumeFlow(id: string, at: Date): Promise<boolean>;
  /** Remembers which code challenge a background send created (null: nothing was sent). */
  recordSend(sendId: string, challengeId: string | null, at: Date, expiresAt: Date): Promise<void>;
  sendChallenge(sendId: string): Promise<string | null>;
  /** Removes flows, sends and captcha records past their expiry. */
  purgeExpired(now: Date): Promise<number>;
}
