// Seeded pseudo-random SHA-1-like values for the tests and the benchmark of the breached-password
// index: reproducible runs without a 40 GB download. xoshiro128** (Blackman & Vigna), which is
// plenty for test data and is not used for anything secret.

export class SyntheticHashes {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 to spread a small seed over the whole state (an all-zero state would stay zero).
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The next 32 random bits. */
  nextUint32(): number {
    const result = Math.imul(((Math.imul(this.s1, 5) << 7) | (Math.imul(this.s1, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = ((this.s3 << 11) | (this.s3 >>> 21)) >>> 0;
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** A 40-digit upper-case hex string, shaped like a SHA-1. */
  nextSha1Hex(): string {
    let hex = '';
    for (let i = 0; i < 5; i++) hex += this.nextUint32().toString(16).padStart(8, '0');
    return hex.toUpperCase();
  }

  /** `count` random 64-bit keys as little-endian words (low half first), the builder's input layout. */
  keys(count: number): Uint32Array {
    const words = new Uint32Array(2 * count);
    for (let i = 0; i < words.length; i++) words[i] = this.nextUint32();
    return words;
  }
}
