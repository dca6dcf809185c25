/** Reliable and split sequence numbers start here on every channel, in both directions (Luanti SEQNUM_INITIAL). */
export const SEQNUM_INITIAL = 65500;
/** Half the u16 range: how far ahead a reliable may be and still count as "in the window". */
export const SEQNUM_WINDOW = 0x8000;

/** Forward distance from `from` to `to`, modulo 2^16. */
export function seqDistance(from: number, to: number): number {
  return (to - from) & 0xffff;
}

/** True when `a` is newer than `b` under wraparound (Luanti `seqnum_higher`). */
export function seqHigher(a: number, b: number): boolean {
  const d = seqDistance(b, a);
  return d !== 0 && d < SEQNUM_WINDOW;
}

export function seqNext(s: number): number {
  return (s + 1) & 0xffff;
}
