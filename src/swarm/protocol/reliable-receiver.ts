import type { InnerPacket } from './datagram.js';
import { SEQNUM_INITIAL, SEQNUM_WINDOW, seqDistance, seqNext } from './seqnum.js';

/** What to do with one incoming reliable packet. */
export interface ReliableVerdict {
  /** Send CONTROL/ACK for this seq (in-window or duplicate). */
  ack: boolean;
  /** Inner packets now deliverable in order (possibly including earlier buffered ones). */
  deliver: InnerPacket[];
  duplicate: boolean;
}

/**
 * In-order delivery of one channel's incoming reliables, as Luanti does it: ACK everything
 * in the window or older, deliver in sequence order, buffer early arrivals (bounded).
 */
export class ReliableReceiver {
  private expected = SEQNUM_INITIAL;
  private readonly early = new Map<number, InnerPacket>();

  /** @param maxBuffered early arrivals kept at most; beyond that they are dropped un-ACKed so the sender resends. */
  constructor(private readonly maxBuffered = 1024) {}

  get nextExpected(): number {
    return this.expected;
  }

  get buffered(): number {
    return this.early.size;
  }

  receive(seq: number, inner: InnerPacket): ReliableVerdict {
    const ahead = seqDistance(this.expected, seq);
    if (ahead >= SEQNUM_WINDOW) {
      // Older than what we expect: a resend of something delivered; the ACK was lost.
      return { ack: true, deliver: [], duplicate: true };
    }
    if (ahead !== 0) {
      if (this.early.has(seq)) return { ack: true, deliver: [], duplicate: true };
      if (this.early.size >= this.maxBuffered) return { ack: false, deliver: [], duplicate: false };
      this.early.set(seq, inner);
      return { ack: true, deliver: [], duplicate: false };
    }
    const deliver = [inner];
    this.expected = seqNext(this.expected);
    for (let next = this.early.get(this.expected); next; next = this.early.get(this.expected)) {
      this.early.delete(this.expected);
      deliver.push(next);
      this.expected = seqNext(this.expected);
    }
    return { ack: true, deliver, duplicate: false };
  }
}
