// The passkey check of the self-service reset. The options (challenge) are the same for every
// account: no allowCredentials, so the browser offers whichever passkey the person has for this
// site (discoverable credentials) and the answer says nothing about whether the account exists
// or has passkeys. The assertion is then verified by the passkey method's own checklist
// (src/methods/passkey.ts: shape, credential of *this* account, user handle, origin, rpId, UP
// and UV flags, signature, counter), with the challenge bound to the flow's current row instead
// of a session.

import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import {
  CHALLENGE_MINUTES,
  type ChallengeStore,
  finishPasskeySignIn,
  type PasskeyDeps,
  type PasskeyFailure,
} from '../../methods/passkey.ts';

const MINUTE = 60_000;
/** The browser gives up a minute before the challenge expires, so a slow answer gets the browser's message, not ours. */
const CEREMONY_TIMEOUT_MS = (CHALLENGE_MINUTES - 1) * MINUTE;

export type ResetPasskeyResult = { ok: true; methodId: string } | { ok: false; reason: PasskeyFailure; detail: Record<string, unknown> };

/** The port the reset flow uses for passkeys. */
export interface ResetPasskeys {
  /**
   * Options for navigator.credentials.get(), the same for every account; the challenge is kept
   * under `bindingKey` (single use, CHALLENGE_MINUTES), replacing any earlier one for that key.
   */
  startAuthentication(bindingKey: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** Consumes the challenge under `bindingKey` and verifies the answer against `accountId`'s passkeys only. */
  verifyAuthentication(
    input: { accountId: string; bindingKey: string; responseJson: string },
    ctx: { requestOrigin: string; ip: string },
  ): Promise<ResetPasskeyResult>;
}

/** The challenge's binding key for a flow row: every step writes a new row, so a challenge serves one page of one flow. */
export function resetPasskeyBindingKey(flowId: string): string {
  return `passkey.challenge.reset.${flowId}`;
}

export function createResetPasskeys(deps: Omit<PasskeyDeps, 'audit'>): ResetPasskeys {
  return {
    async startAuthentication(bindingKey) {
      const options = await generateAuthenticationOptions({
        rpID: deps.rp.id,
        // No allowCredentials: listing the account's passkeys would tell anyone whether it exists and has some.
        allowCredentials: [],
        // UV required: the passkey alone (possession) must not reset a password; it needs the PIN or biometric too.
        userVerification: 'required',
        timeout: CEREMONY_TIMEOUT_MS,
      });
      const now = deps.clock.now();
      await deps.challenges.saveChallenge(bindingKey, options.challenge, new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE), now);
      return options;
    },

    async verifyAuthentication(input, ctx) {
      // The verifier asks for its sign-in key; the reset's challenge lives under the flow's key instead.
      const bound: ChallengeStore = {
        saveChallenge: (_key, challenge, expiresAt, now) => deps.challenges.saveChallenge(input.bindingKey, challenge, expiresAt, now),
        consumeChallenge: (_key, now) => deps.challenges.consumeChallenge(input.bindingKey, now),
      };
      // The reset writes its own `reset.verify` event; the verifier's detail (reason, method id) goes into it.
      let detail: Record<string, unknown> = {};
      const audit = {
        appendAudit: async (event: { detail?: Record<string, unknown> | null }) => {
          detail = event.detail ?? {};
        },
      };
      const result = await finishPasskeySignIn(
        { ...deps, challenges: bound, audit },
        { accountId: input.accountId, responseJson: input.responseJson },
        { sessionKey: input.bindingKey, requestOrigin: ctx.requestOrigin, ip: ctx.ip },
      );
      return result.ok ? { ok: true, methodId: result.methodId } : { ok: false, reason: result.reason, detail };
    },
  };
}
