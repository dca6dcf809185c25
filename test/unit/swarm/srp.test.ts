import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createVerifier,
  fromBytes,
  modPow,
  SRP_G,
  SRP_K,
  SRP_N,
  SrpClient,
  SrpError,
  toMinimal,
  toPadded,
} from '../../../src/swarm/protocol/srp.js';

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The server side of Luanti's SRP-6a (srp.cpp srp_verifier_new), written from the formulas, to check the client. */
function serverVerify(name: string, salt: Buffer, verifier: Buffer, aBytes: Buffer, m: (b: Buffer) => Buffer): boolean {
  const v = fromBytes(verifier);
  const A = fromBytes(aBytes);
  const b = fromBytes(randomBytes(32));
  const B = (SRP_K * v + modPow(SRP_G, b, SRP_N)) % SRP_N;
  const u = fromBytes(sha(toPadded(A), toPadded(B)));
  const S = modPow((A * modPow(v, u, SRP_N)) % SRP_N, b, SRP_N);
  const K = sha(toMinimal(S));
  const hn = sha(toMinimal(SRP_N));
  const hg = sha(toMinimal(SRP_G));
  const expected = sha(
    Buffer.from(hn.map((x, i) => x ^ hg[i]!)),
    sha(Buffer.from(name)),
    salt,
    toMinimal(A),
    toMinimal(B),
    K,
  );
  return expected.equals(m(toMinimal(B)));
}

describe('SRP as Luanti does it', () => {
  it('uses the RFC 5054 2048-bit group: N is a safe prime', () => {
    expect(SRP_N.toString(2)).toHaveLength(2048);
    for (const a of [2n, 3n, 5n, 7n]) {
      expect(modPow(a, SRP_N - 1n, SRP_N)).toBe(1n);
      const q = (SRP_N - 1n) / 2n;
      expect(modPow(a, q - 1n, q)).toBe(1n);
    }
  });

  it('k = H(PAD(N) ‖ PAD(g)), computed independently', () => {
    const padG = Buffer.alloc(256);
    padG[255] = 2;
    const nBytes = Buffer.from(SRP_N.toString(16).padStart(512, '0'), 'hex');
    expect(SRP_K).toBe(BigInt(`0x${sha(nBytes, padG).toString('hex')}`));
  });

  it('modPow agrees with plain square-and-multiply', () => {
    for (let i = 0; i < 5; i++) {
      const base = fromBytes(randomBytes(40));
      const exp = fromBytes(randomBytes(20));
      const m = fromBytes(randomBytes(30)) | 1n;
      let r = 1n;
      let b = base % m;
      for (let e = exp; e > 0n; e >>= 1n) {
        if (e & 1n) r = (r * b) % m;
        b = (b * b) % m;
      }
      expect(modPow(base, exp, m)).toBe(r);
    }
  });

  it('verifier: x from the lowercased name, known vector for a fixed salt', () => {
    const salt = Buffer.alloc(16, 7);
    const x = fromBytes(sha(salt, sha(Buffer.from('botone:pw'))));
    const expected = toMinimal(modPow(2n, x, SRP_N));
    expect(createVerifier('BotOne', 'pw', salt).verifier.equals(expected)).toBe(true);
    expect(createVerifier('botone', 'pw', salt).verifier.equals(expected)).toBe(true);
  });

  it('a login proof passes a server-side check with the right password, fails with a wrong one', () => {
    for (const [name, password] of [
      ['bot1', ''],
      ['BotOne', 'secret'],
    ] as const) {
      const { salt, verifier } = createVerifier(name, password);
      const good = new SrpClient(name, password);
      expect(serverVerify(name, salt, verifier, good.publicA, (B) => good.proof(salt, B))).toBe(true);
      const bad = new SrpClient(name, `${password}x`);
      expect(serverVerify(name, salt, verifier, bad.publicA, (B) => bad.proof(salt, B))).toBe(false);
    }
  });

  it('M uses the name as sent: a lowercased name in M does not verify for a mixed-case account', () => {
    const { salt, verifier } = createVerifier('BotOne', 'pw');
    const c = new SrpClient('botone', 'pw');
    expect(serverVerify('BotOne', salt, verifier, c.publicA, (B) => c.proof(salt, B))).toBe(false);
  });

  it('rejects B ≡ 0 mod N with a typed error', () => {
    const c = new SrpClient('bot1', '');
    expect(() => c.proof(Buffer.alloc(16), toMinimal(SRP_N))).toThrow(SrpError);
  });

  it('is fast enough for a ramp of 30 joins per second (measured in bench, sanity bound here is loose)', () => {
    const c = new SrpClient('bot1', 'pw');
    expect(c.proof(Buffer.alloc(16, 1), c.publicA)).toHaveLength(32);
    expect(c.publicA.length).toBeLessThanOrEqual(256);
  });
});
