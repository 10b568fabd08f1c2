// A software WebAuthn authenticator written from the spec (ES256 key in WebCrypto, "none"
// attestation, CBOR via the library's encoder), so tests can produce every answer on purpose:
// wrong challenge, wrong origin, replay, no UV flag, another rpId, a counter that goes backwards.
// Used by the passkey ceremony tests and the passkey page tests.

import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

const subtle = globalThis.crypto.subtle;
const utf8 = (text: string) => new TextEncoder().encode(text);
export const b64url = (bytes: Uint8Array) => isoBase64URL.fromBuffer(new Uint8Array(bytes));

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', new Uint8Array(bytes)));
}

/** WebCrypto signs ECDSA as r‖s; WebAuthn carries an ASN.1 DER SEQUENCE of two INTEGERs. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let body = bytes.slice(i);
    if ((body[0] as number) & 0x80) body = concat(new Uint8Array([0]), body);
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

/** WebCrypto's key pair (the project compiles without the DOM typings). */
type WebCryptoKey = InstanceType<typeof CryptoKey>;
interface KeyPair {
  publicKey: WebCryptoKey;
  privateKey: WebCryptoKey;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface Gesture {
  challenge: string;
  origin: string;
  rpId: string;
  /** Whether the authenticator verified the user (PIN or biometric). Default true. */
  userVerified?: boolean;
}

export class SoftAuthenticator {
  readonly credentialId = globalThis.crypto.getRandomValues(new Uint8Array(16));
  counter = 0;
  #keys: KeyPair | undefined;

  async #keyPair(): Promise<KeyPair> {
    this.#keys ??= (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as KeyPair;
    return this.#keys;
  }

  #clientData(type: string, gesture: Gesture): Uint8Array {
    return utf8(JSON.stringify({ type, challenge: gesture.challenge, origin: gesture.origin, crossOrigin: false }));
  }

  async #authData(gesture: Gesture, extra: Uint8Array, attested: boolean): Promise<Uint8Array> {
    const flags = FLAG_UP | (gesture.userVerified === false ? 0 : FLAG_UV) | (attested ? FLAG_AT : 0);
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, this.counter);
    return concat(await sha256(utf8(gesture.rpId)), new Uint8Array([flags]), counter, extra);
  }

  /** navigator.credentials.create(), as @simplewebauthn/browser would post it. */
  async register(gesture: Gesture): Promise<string> {
    const jwk = await subtle.exportKey('jwk', (await this.#keyPair()).publicKey);
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, isoBase64URL.toBuffer(jwk.x as string)],
        [-3, isoBase64URL.toBuffer(jwk.y as string)],
      ]),
    );
    const idLength = new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 0xff]);
    const attested = concat(new Uint8Array(16), idLength, this.credentialId, cose);
    const authData = await this.#authData(gesture, attested, true);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]) as never,
    );
    return JSON.stringify({
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(this.#clientData('webauthn.create', gesture)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    });
  }

  /** navigator.credentials.get(): counts up once per use, like a real authenticator. */
  async assert(gesture: Gesture, options: { userHandle?: string; countUp?: boolean } = {}): Promise<string> {
    if (options.countUp !== false) this.counter++;
    const authData = await this.#authData(gesture, new Uint8Array(0), false);
    const clientData = this.#clientData('webauthn.get', gesture);
    const signed = concat(authData, await sha256(clientData));
    const raw = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, (await this.#keyPair()).privateKey, signed));
    const response: Record<string, string> = {
      clientDataJSON: b64url(clientData),
      authenticatorData: b64url(authData),
      signature: b64url(derSignature(raw)),
    };
    if (options.userHandle !== undefined) response.userHandle = options.userHandle;
    return JSON.stringify({
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response,
      clientExtensionResults: {},
    });
  }
}
