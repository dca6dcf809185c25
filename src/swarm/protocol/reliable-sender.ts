import type { RttEstimator } from './rtt-estimator.js';
import { SEQNUM_INITIAL, seqNext } from './seqnum.js';

interface InFlight {
  datagram: Buffer;
  firstSentAt: number;
  lastSentAt: number;
  retries: number;
}

/** Result of {@link ReliableSender.ack}. */
export interface AckResult {
  known: boolean;
  /** Round trip of a packet acknowledged without having been resent, else null. */
  rttMs: number | null;
}

/**
 * One channel's outgoing reliables: assigns sequence numbers, keeps each datagram until its ACK
 * arrives, and says which ones are due for a resend. A bounded window queues the rest.
 */
export class ReliableSender {
  private nextSeq = SEQNUM_INITIAL;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly queue: ((seq: number) => Buffer)[] = [];

  constructor(
    private readonly rtt: RttEstimator,
    private readonly window = 512,
  ) {}

  get pending(): number {
    return this.inFlight.size + this.queue.length;
  }

  /** Oldest un-ACKed send time, to detect a peer that stopped acknowledging. */
  oldestFirstSentAt(): number | null {
    let oldest: number | null = null;
    for (const f of this.inFlight.values()) if (oldest === null || f.firstSentAt < oldest) oldest = f.firstSentAt;
    return oldest;
  }

  /**
   * Queue one reliable; `build(seq)` encodes the datagram once its seq is known. Returns the datagrams to
   * send now (empty when the window is full).
   */
  send(build: (seq: number) => Buffer, now: number): Buffer[] {
    this.queue.push(build);
    return this.drain(now);
  }

  private drain(now: number): Buffer[] {
    const out: Buffer[] = [];
    while (this.queue.length > 0 && this.inFlight.size < this.window) {
      const build = this.queue.shift() as (seq: number) => Buffer;
      const seq = this.nextSeq;
      this.nextSeq = seqNext(seq);
      const datagram = build(seq);
      this.inFlight.set(seq, { datagram, firstSentAt: now, lastSentAt: now, retries: 0 });
      out.push(datagram);
    }
    return out;
  }

  ack(seq: number, now: number): AckResult & { released: Buffer[] } {
    const f = this.inFlight.get(seq);
    if (!f) return { known: false, rttMs: null, released: [] };
    this.inFlight.delete(seq);
    const rttMs = f.retries === 0 ? now - f.firstSentAt : null;
    if (rttMs !== null) this.rtt.sample(rttMs);
    return { known: true, rttMs, released: this.drain(now) };
  }

  /** Datagrams whose resend timeout has passed; they count as resent from now on. */
  due(now: number): Buffer[] {
    const out: Buffer[] = [];
    for (const f of this.inFlight.values()) {
      if (now - f.lastSentAt >= this.rtt.timeoutMs(f.retries)) {
        f.retries += 1;
        f.lastSentAt = now;
        out.push(f.datagram);
      }
    }
    return out;
  }

  /** Every in-flight datagram, e.g. to rewrite the sender peer id. */
  datagrams(): Buffer[] {
    return [...this.inFlight.values()].map((f) => f.datagram);
  }
}
