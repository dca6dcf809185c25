import { describe, expect, it } from 'vitest';
import type { InnerPacket } from '../../../src/swarm/protocol/datagram.js';
import { ReliableReceiver } from '../../../src/swarm/protocol/reliable-receiver.js';
import { ReliableSender } from '../../../src/swarm/protocol/reliable-sender.js';
import { RttEstimator } from '../../../src/swarm/protocol/rtt-estimator.js';
import { SEQNUM_INITIAL, seqHigher, seqNext } from '../../../src/swarm/protocol/seqnum.js';

const msg = (n: number): InnerPacket => ({ type: 'original', data: Buffer.from([0, n & 0xff]) });
const ids = (ps: InnerPacket[]): number[] => ps.map((p) => (p.type === 'original' ? p.data[1]! : -1));

describe('sequence numbers', () => {
  it('start at 65500 and wrap 65535 → 0', () => {
    expect(SEQNUM_INITIAL).toBe(65500);
    expect(seqNext(65535)).toBe(0);
    expect(seqHigher(0, 65535)).toBe(true);
    expect(seqHigher(65535, 0)).toBe(false);
    expect(seqHigher(10, 10)).toBe(false);
    expect(seqHigher(0x7fff, 0)).toBe(true);
    expect(seqHigher(0x8000, 0)).toBe(false);
  });
});

describe('ReliableReceiver', () => {
  it('delivers in order, buffers early arrivals, ACKs both', () => {
    const r = new ReliableReceiver();
    const v1 = r.receive(65501, msg(2));
    expect(v1).toMatchObject({ ack: true, deliver: [] });
    const v0 = r.receive(65500, msg(1));
    expect(v0.ack).toBe(true);
    expect(ids(v0.deliver)).toEqual([1, 2]);
    expect(r.nextExpected).toBe(65502);
  });

  it('ACKs duplicates again and drops them', () => {
    const r = new ReliableReceiver();
    r.receive(65500, msg(1));
    const dup = r.receive(65500, msg(1));
    expect(dup).toMatchObject({ ack: true, deliver: [], duplicate: true });
  });

  it('crosses the 65535 → 0 wraparound in order, over 200 packets shuffled in small windows', () => {
    const r = new ReliableReceiver();
    const seqs: number[] = [];
    for (let i = 0, s = SEQNUM_INITIAL; i < 200; i++, s = seqNext(s)) seqs.push(s);
    const delivered: number[] = [];
    for (let i = 0; i < seqs.length; i += 4) {
      for (const s of seqs.slice(i, i + 4).reverse()) {
        const v = r.receive(s, { type: 'original', data: Buffer.from([s >> 8, s & 0xff]) });
        expect(v.ack).toBe(true);
        for (const p of v.deliver) if (p.type === 'original') delivered.push(p.data.readUInt16BE(0));
      }
    }
    expect(delivered).toEqual(seqs);
    expect(r.nextExpected).toBe((SEQNUM_INITIAL + 200) & 0xffff);
    expect(r.buffered).toBe(0);
  });

  it('keeps the early-arrival buffer bounded: beyond it, packets are not ACKed (the sender resends)', () => {
    const r = new ReliableReceiver(8);
    for (let i = 1; i <= 8; i++) expect(r.receive((SEQNUM_INITIAL + i) & 0xffff, msg(i)).ack).toBe(true);
    expect(r.receive((SEQNUM_INITIAL + 9) & 0xffff, msg(9)).ack).toBe(false);
    expect(r.buffered).toBe(8);
  });
});

describe('ReliableSender', () => {
  it('numbers from 65500, wraps, and forgets ACKed packets', () => {
    const s = new ReliableSender(new RttEstimator());
    const seqs: number[] = [];
    for (let i = 0; i < 40; i++) s.send((seq) => (seqs.push(seq), Buffer.from([i])), 0);
    expect(seqs[0]).toBe(65500);
    expect(seqs[36]).toBe(0);
    expect(s.pending).toBe(40);
    for (const seq of seqs) expect(s.ack(seq, 10).known).toBe(true);
    expect(s.pending).toBe(0);
    expect(s.ack(seqs[0]!, 11).known).toBe(false);
  });

  it('resends after an RTT-based timeout with backoff; resent packets give no RTT sample (Karn)', () => {
    const rtt = new RttEstimator();
    const s = new ReliableSender(rtt);
    s.send(() => Buffer.from([1]), 0);
    const r1 = s.ack(65500, 20);
    expect(r1.rttMs).toBe(20);
    expect(rtt.smoothedMs).toBe(20);
    // Timeout = max(100 ms, 4 × 20 ms) = 100 ms, then × 1.5 per retry.
    s.send(() => Buffer.from([2]), 1000);
    expect(s.due(1099)).toHaveLength(0);
    expect(s.due(1100)).toHaveLength(1);
    expect(s.due(1249)).toHaveLength(0);
    expect(s.due(1250)).toHaveLength(1);
    expect(s.ack(65501, 1300).rttMs).toBeNull();
    expect(rtt.smoothedMs).toBe(20);
  });

  it('queues beyond the window and releases on ACK', () => {
    const s = new ReliableSender(new RttEstimator(), 2);
    expect(s.send(() => Buffer.from([1]), 0)).toHaveLength(1);
    expect(s.send(() => Buffer.from([2]), 0)).toHaveLength(1);
    expect(s.send(() => Buffer.from([3]), 0)).toHaveLength(0);
    expect(s.ack(65500, 5).released).toHaveLength(1);
  });

  it('clamps the resend timeout to 0.1–3 s', () => {
    const rtt = new RttEstimator();
    rtt.sample(2000);
    expect(rtt.timeoutMs(0)).toBe(3000);
    const fast = new RttEstimator();
    fast.sample(1);
    expect(fast.timeoutMs(0)).toBe(100);
  });
});
