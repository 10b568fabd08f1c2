// The caller-verification code's challenge id, carried in the agent's form between "send" and
// "check". The session data has no room for it, so the id travels sealed: an HMAC (the secret
// box's key) binds it to this staff session, this user and this method, so a form can't be
// replayed from another session or pointed at another account's challenge.

import type { SecretBox } from '../../../security/secret-box.ts';
import { constantTimeEqual } from '../../../security/tokens.ts';

/** Challenge ids are UUIDs (randomId); anything else was not sealed by us. */
const CHALLENGE_ID = /^[0-9a-f-]{36}$/;

interface Binding {
  sessionIdHash: string;
  accountId: string;
  methodId: string;
}

function macOf(box: SecretBox, challengeId: string, binding: Binding): string {
  // JSON keeps the parts apart: no value can smuggle a separator into another (a DN has commas).
  return box.hmac(`helpdesk-caller:${JSON.stringify([binding.sessionIdHash, binding.accountId, binding.methodId, challengeId])}`);
}

/** `challengeId.mac`, for a hidden form field. */
export function sealCallerChallenge(box: SecretBox, challengeId: string, binding: Binding): string {
  return `${challengeId}.${macOf(box, challengeId, binding)}`;
}

/** The challenge id when the sealed value is ours and bound to the same session, account and method; else null. */
export function openCallerChallenge(box: SecretBox, sealed: string, binding: Binding): string | null {
  if (sealed.length > 200) return null;
  const dot = sealed.indexOf('.');
  if (dot === -1) return null;
  const challengeId = sealed.slice(0, dot);
  const mac = sealed.slice(dot + 1);
  if (!CHALLENGE_ID.test(challengeId)) return null;
  // Constant-time: the MAC must not be guessable byte by byte from response times.
  return constantTimeEqual(mac, macOf(box, challengeId, binding)) ? challengeId : null;
}
