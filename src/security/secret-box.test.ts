// Tests for the secret box: round trip, tampering, binding to account and method, key file
// creation and mode, rotation with old ciphertexts readable until the old keys are dropped.

import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { isNyckelError } from '../domain/errors.ts';
import { newKeyFileContent, SecretBox, SecretBoxError } from './secret-box.ts';

const binding = { accountId: 'acc-1', methodId: 'm-1' };

function flipByteOfBody(box: string): string {
  const parts = box.split('.');
  const body = Buffer.from(parts[3] as string, 'base64url');
  body[0] = (body[0] as number) ^ 0x01;
  parts[3] = body.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('encrypts to v1.<kid>.<iv>.<body> with a fresh IV each time and decrypts back', () => {
    const box = SecretBox.ephemeral();
    const a = box.encrypt('JBSWY3DPEHPK3PXP', binding);
    const b = box.encrypt('JBSWY3DPEHPK3PXP', binding);
    assert.match(a, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.notEqual(a, b, 'a random IV makes two encryptions of one seed differ');
    assert.equal(a.split('.')[1], box.currentKeyId);
    assert.equal(box.decrypt(a, binding), 'JBSWY3DPEHPK3PXP');
    assert.doesNotMatch(a, /JBSWY3DP/);
  });

  it('refuses a ciphertext with one flipped byte, and one with a changed IV', () => {
    const box = SecretBox.ephemeral();
    const sealed = box.encrypt('seed', binding);
    assert.throws(() => box.decrypt(flipByteOfBody(sealed), binding), SecretBoxError);
    const parts = sealed.split('.');
    const iv = Buffer.from(parts[2] as string, 'base64url');
    iv[0] = (iv[0] as number) ^ 0x80;
    parts[2] = iv.toString('base64url');
    assert.throws(() => box.decrypt(parts.join('.'), binding), SecretBoxError);
    assert.throws(() => box.decrypt('not-a-box', binding), SecretBoxError);
  });

  it('refuses a ciphertext moved to another account or method (associated data)', () => {
    const box = SecretBox.ephemeral();
    const sealed = box.encrypt('seed', binding);
    assert.throws(() => box.decrypt(sealed, { accountId: 'acc-2', methodId: 'm-1' }), SecretBoxError);
    assert.throws(() => box.decrypt(sealed, { accountId: 'acc-1', methodId: 'm-2' }), SecretBoxError);
    // Length prefixes: shifting characters between the two parts does not collide.
    assert.throws(() => box.decrypt(sealed, { accountId: 'acc-1m', methodId: '-1' }), SecretBoxError);
  });

  it('computes a keyed HMAC that differs between key rings', () => {
    const a = SecretBox.ephemeral();
    const b = SecretBox.ephemeral();
    assert.match(a.hmac('123456'), /^[0-9a-f]{64}$/);
    assert.equal(a.hmac('123456'), a.hmac('123456'));
    assert.notEqual(a.hmac('123456'), b.hmac('123456'));
  });

  it('creates a missing key file with mode 0600 and the documented shape', async () => {
    const dir = await makeTempDir('secret-box');
    try {
      const path = join(dir.path, 'secret-keys.json');
      const box = SecretBox.open({ kind: 'file', path });
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const content = JSON.parse(readFileSync(path, 'utf8')) as { current: string; keys: Record<string, string>; hmac: string };
      assert.equal(content.current, box.currentKeyId);
      assert.equal(Buffer.from(content.keys[content.current] as string, 'base64').length, 32);
      assert.equal(Buffer.from(content.hmac, 'base64').length, 32);
      // Opening again reads the same keys: what was sealed stays readable after a restart.
      const sealed = box.encrypt('seed', binding);
      assert.equal(SecretBox.open({ kind: 'file', path }).decrypt(sealed, binding), 'seed');
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses a key file that the group or others can read, saying how to fix it', async () => {
    const dir = await makeTempDir('secret-box-mode');
    try {
      const path = join(dir.path, 'keys.json');
      writeFileSync(path, JSON.stringify(newKeyFileContent()), { mode: 0o600 });
      chmodSync(path, 0o644);
      assert.throws(
        () => SecretBox.open({ kind: 'file', path }),
        (error: unknown) =>
          isNyckelError(error, 'config_invalid') && error.message.includes(`chmod 600 ${path}`) && error.message.includes('0644'),
      );
      chmodSync(path, 0o600);
      assert.ok(SecretBox.open({ kind: 'file', path }).currentKeyId.length > 0);
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses malformed key material with a clear reason', () => {
    const bad = { current: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') }, hmac: Buffer.alloc(32).toString('base64') };
    assert.throws(() => SecretBox.open({ kind: 'inline', content: bad }), /32 bytes/);
    const missing = { current: 'k2', keys: { k1: Buffer.alloc(32).toString('base64') }, hmac: Buffer.alloc(32).toString('base64') };
    assert.throws(() => SecretBox.open({ kind: 'inline', content: missing }), /not in "keys"/);
  });

  it('rotates: a new current key, old ciphertexts still decrypt until the old keys are dropped', async () => {
    const dir = await makeTempDir('secret-box-rotate');
    try {
      const path = join(dir.path, 'keys.json');
      const box = SecretBox.open({ kind: 'file', path });
      const oldKid = box.currentKeyId;
      const old = box.encrypt('seed', binding);
      const newKid = box.addKey();
      assert.equal(box.currentKeyId, oldKid, 'a new key is not current until made so');
      box.makeCurrent(newKid);
      assert.equal(box.currentKeyId, newKid);
      assert.equal(statSync(path).mode & 0o777, 0o600, 'the rewritten file keeps mode 0600');
      const fresh = box.encrypt('seed', binding);
      assert.equal(box.keyIdOf(fresh), newKid);
      assert.equal(box.decrypt(old, binding), 'seed');
      // Another instance that started before the rotation picks the new key up from the file.
      const other = SecretBox.open({ kind: 'file', path });
      assert.equal(other.decrypt(fresh, binding), 'seed');
      assert.deepEqual(box.dropOldKeys(), [oldKid]);
      assert.throws(() => box.decrypt(old, binding), /no key with id/);
      assert.equal(box.decrypt(fresh, binding), 'seed');
    } finally {
      await dir.cleanup();
    }
  });

  it('will not rotate key material given in the configuration', () => {
    const box = SecretBox.open({ kind: 'inline', content: newKeyFileContent() });
    assert.throws(
      () => box.addKey(),
      (error: unknown) => isNyckelError(error, 'config_invalid'),
    );
  });
});
