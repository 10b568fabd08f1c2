// Tests for the binary fuse filter: the 32-bit-limb hash against an independent BigInt version,
// no false negatives, the false-positive rate and the size per key.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FuseBuilder, fuseContains, fuseLayout, mixForTest } from './binary-fuse-filter.ts';
import { SyntheticHashes } from './synthetic-hashes.ts';

const MASK64 = (1n << 64n) - 1n;

/** murmur64(key + seed) written directly with BigInt, as in the reference implementation. */
function referenceMix(key: bigint, seed: bigint): bigint {
  let h = (key + seed) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK64;
  h ^= h >> 33n;
  return h;
}

describe('binary fuse filter', () => {
  it('computes the same 64-bit hash as a BigInt implementation', () => {
    const random = new SyntheticHashes(1);
    const edge = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff];
    const cases: number[][] = [];
    for (const a of edge) for (const b of edge) cases.push([a, b, 0xffffffff, 0xffffffff], [a, b, 0, 1]);
    for (let i = 0; i < 20_000; i++) cases.push([random.nextUint32(), random.nextUint32(), random.nextUint32(), random.nextUint32()]);
    for (const [kh, kl, sh, sl] of cases as [number, number, number, number][]) {
      const key = (BigInt(kh) << 32n) | BigInt(kl);
      const seed = (BigInt(sh) << 32n) | BigInt(sl);
      assert.equal(mixForTest(kh, kl, sh, sl), referenceMix(key, seed), `key ${key.toString(16)} seed ${seed.toString(16)}`);
    }
  });

  it('finds every member, has under 1 false positive in 10,000 on 1,000,000 non-members, in at most 2.5 bytes per key', () => {
    const size = 500_000;
    const random = new SyntheticHashes(2);
    const keys = random.keys(size);
    const filter = new FuseBuilder(size).build(keys, size);
    for (let i = 0; i < size; i++) {
      if (!fuseContains(filter, keys[2 * i + 1]!, keys[2 * i]!)) assert.fail(`member ${i} not found`);
    }
    // Fresh random 64-bit keys: a collision with one of 500,000 members has probability ~3e-8.
    const probes = random.keys(1_000_000);
    let falsePositives = 0;
    for (let i = 0; i < 1_000_000; i++) if (fuseContains(filter, probes[2 * i + 1]!, probes[2 * i]!)) falsePositives++;
    assert.ok(falsePositives < 100, `${falsePositives} false positives in 1,000,000`);
    // 16-bit fingerprints: about 15 expected; zero would mean the filter answers "no" to everything unknown by accident.
    assert.ok(falsePositives > 0, 'no false positives at all is implausible for 16-bit fingerprints');
    const bytesPerKey = (filter.fingerprints.length * 2) / size;
    assert.ok(bytesPerKey <= 2.5, `${bytesPerKey} bytes per key`);
  });

  it('builds tiny and empty filters that answer correctly', () => {
    const builder = new FuseBuilder(100);
    const empty = builder.build(new Uint32Array(0), 0);
    assert.equal(fuseContains(empty, 1, 2), false);
    for (const size of [1, 2, 3, 10, 100]) {
      const keys = new SyntheticHashes(size).keys(size);
      const filter = builder.build(keys, size);
      for (let i = 0; i < size; i++) assert.ok(fuseContains(filter, keys[2 * i + 1]!, keys[2 * i]!), `size ${size}, key ${i}`);
    }
  });

  it('refuses keys that are not distinct instead of looping', () => {
    const keys = new Uint32Array([1, 2, 1, 2, 3, 4]);
    assert.throws(() => new FuseBuilder(3).build(keys, 3), /not distinct/);
  });

  it('sizes filters as the reference does', () => {
    const layout = fuseLayout(1_000_000);
    assert.equal(layout.segmentLength, 2 ** Math.floor(Math.log(1_000_000) / Math.log(3.33) + 2.25));
    assert.ok(layout.arrayLength >= 1_125_000 && layout.arrayLength < 1_125_000 + 2 * layout.segmentLength);
  });
});
