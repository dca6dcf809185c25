import { createHash, randomBytes } from 'node:crypto';

/**
 * SRP-6a exactly as Luanti does it (`src/util/srp.cpp`, `src/client/client.cpp`): SHA-256, the RFC 5054
 * appendix A 2048-bit group, "minimal" big-endian encodings except where PAD() is noted, the account
 * name lowercased in x but used as sent in M. Written with BigInt because the npm SRP packages differ
 * from Luanti in x, M or padding (luanti_ts had to fork one).
 */

const N_HEX =
  'AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13D' +
  'D52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B8' +
  '55F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481' +
  'F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6' +
  'AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F5475' +
  '9B65E372FCD68EF20FA7111F9E4AFF73';

/** The group modulus N (2048 bits). */
export const SRP_N = BigInt(`0x${N_HEX}`);
/** The group generator g. */
export const SRP_G = 2n;
const N_LEN = 256;

/** Big-endian bytes without leading zeros (GMP export); zero is one empty buffer. */
export function toMinimal(n: bigint): Buffer {
  if (n === 0n) return Buffer.alloc(0);
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

/** Left-pad to the length of N (PAD() of RFC 5054). */
export function toPadded(n: bigint): Buffer {
  const m = toMinimal(n);
  if (m.length >= N_LEN) return m;
  const out = Buffer.alloc(N_LEN);
  m.copy(out, N_LEN - m.length);
  return out;
}

export function fromBytes(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** base^exp mod m, left-to-right with a 4-bit window (about 25 % fewer multiplications than binary). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const b = ((base % m) + m) % m;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % m);
  const hex = exp.toString(16);
  let r = 1n;
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
    }
    const nibble = parseInt(hex[i]!, 16);
    if (nibble) r = (r * table[nibble]!) % m;
  }
  return r;
}

const K = fromBytes(sha256(toPadded(SRP_N), toPadded(SRP_G)));
const H_N_XOR_H_G = (() => {
  const hn = sha256(toMinimal(SRP_N));
  const hg = sha256(toMinimal(SRP_G));
  return Buffer.from(hn.map((v, i) => v ^ hg[i]!));
})();

/** x = H(salt ‖ H(lower(name) ‖ ":" ‖ password)); Luanti lowercases ASCII letters only. */
export function srpX(name: string, password: string, salt: Uint8Array): bigint {
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const inner = sha256(Buffer.from(`${lower}:${password}`, 'utf8'));
  return fromBytes(sha256(salt, inner));
}

/** What FIRST_SRP sends to register a new account. */
export interface SrpVerifier {
  salt: Buffer;
  verifier: Buffer;
}

/** A fresh salt (16 random bytes, like Luanti) and verifier v = g^x mod N, minimal encoding. */
export function createVerifier(name: string, password: string, salt: Buffer = randomBytes(16)): SrpVerifier {
  return { salt, verifier: toMinimal(modPow(SRP_G, srpX(name, password, salt), SRP_N)) };
}

/** Thrown when the server's SRP values are unusable (B ≡ 0 or u = 0); the login cannot proceed. */
export class SrpError extends Error {
  override readonly name = 'SrpError';
}

/**
 * The client side of one SRP login: {@link publicA} goes into SRP_BYTES_A, {@link proof} turns the
 * server's salt and B into M for SRP_BYTES_M.
 */
export class SrpClient {
  private readonly a: bigint;
  private readonly A: bigint;

  constructor(
    private readonly name: string,
    private readonly password: string,
    secret: Buffer = randomBytes(32),
  ) {
    this.a = fromBytes(secret);
    this.A = modPow(SRP_G, this.a, SRP_N);
  }

  /** A = g^a mod N, minimal encoding. */
  get publicA(): Buffer {
    return toMinimal(this.A);
  }

  /** M = H(H(N) xor H(g) ‖ H(name) ‖ salt ‖ A ‖ B ‖ K) with K = H(S). */
  proof(salt: Uint8Array, bBytes: Uint8Array): Buffer {
    const B = fromBytes(bBytes);
    if (B % SRP_N === 0n) throw new SrpError('server sent B ≡ 0 mod N');
    const u = fromBytes(sha256(toPadded(this.A), toPadded(B)));
    if (u === 0n) throw new SrpError('SRP scrambling parameter u is 0');
    const x = srpX(this.name, this.password, salt);
    const base = (((B - K * modPow(SRP_G, x, SRP_N)) % SRP_N) + SRP_N) % SRP_N;
    const S = modPow(base, this.a + u * x, SRP_N);
    const sessionKey = sha256(toMinimal(S));
    return sha256(
      H_N_XOR_H_G,
      sha256(Buffer.from(this.name, 'utf8')),
      salt,
      toMinimal(this.A),
      toMinimal(B),
      sessionKey,
    );
  }
}

/** The multiplier k = H(PAD(N) ‖ PAD(g)), exported for the test's server-side check. */
export const SRP_K = K;
