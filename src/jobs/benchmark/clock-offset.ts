/**
 * A node's clock offset from one round trip: the node read its clock at some moment
 * between `sentAt` and `receivedAt` (this worker's clock), so the true offset lies in
 * [remote − receivedAt, remote − sentAt]. The offset returned is the value in that
 * interval closest to zero: clocks are taken as in sync unless the round trip proves
 * otherwise. Taking the interval's middle instead made a busy node (a 3 s round trip,
 * most of it before the command started) look 1.5 s off, and its series were shifted
 * by that much.
 */
export function clockOffsetMs(remoteMs: number, sentAt: number, receivedAt: number): number {
  if (remoteMs < sentAt) return Math.round(remoteMs - sentAt);
  if (remoteMs > receivedAt) return Math.round(remoteMs - receivedAt);
  return 0;
}
