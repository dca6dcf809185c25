import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionEnd } from '../../../src/swarm/protocol/connection.js';
import { decodeDatagram, type Datagram } from '../../../src/swarm/protocol/datagram.js';
import { ack, disco, original, ping, reliable, serverDatagram, setPeerId, split } from './server-datagrams.js';

function harness() {
  const sent: Datagram[] = [];
  const messages: Buffer[] = [];
  const ends: ConnectionEnd[] = [];
  const rtts: number[] = [];
  const peerIds: number[] = [];
  const conn = new Connection((d) => sent.push(decodeDatagram(d)), {
    onMessage: (m) => messages.push(Buffer.from(m)),
    onPeerId: (id) => peerIds.push(id),
    onEnd: (why) => ends.push(why),
    onRtt: (ms) => rtts.push(ms),
  });
  return { conn, sent, messages, ends, rtts, peerIds };
}

describe('Connection (client side of the Luanti transport)', () => {
  it('sets up the peer id: dummy reliable from peer 0, resent until SET_PEER_ID, then ACKed with the new id', () => {
    const h = harness();
    h.conn.start(1000);
    expect(h.sent[0]).toMatchObject({ peerId: 0, channel: 0, packet: { type: 'reliable', seq: 65500 } });
    h.conn.tick(1400);
    expect(h.sent).toHaveLength(1);
    h.conn.tick(1500);
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]).toMatchObject({ peerId: 0, packet: { type: 'reliable', seq: 65500 } });
    h.conn.receive(reliable(0, 65500, setPeerId(4242)), 1510);
    expect(h.peerIds).toEqual([4242]);
    expect(h.sent.at(-1)).toEqual({ peerId: 4242, channel: 0, packet: { type: 'ack', seq: 65500 } });
    // Our own next reliable on channel 0 follows the dummy.
    h.conn.sendReliable(0, Buffer.from([0, 0x32]), 1520);
    expect(h.sent.at(-1)).toMatchObject({ peerId: 4242, channel: 0, packet: { type: 'reliable', seq: 65501 } });
  });

  it('gives up with "no-response" when no SET_PEER_ID arrives in time', () => {
    const h = harness();
    h.conn.start(0);
    h.conn.tick(9_999);
    expect(h.ends).toEqual([]);
    h.conn.tick(10_000);
    expect(h.ends).toEqual(['no-response']);
  });

  it('ACKs reliables on their channel, delivers in order, measures RTT from ACKs, resends un-ACKed ones', () => {
    const h = harness();
    h.conn.start(0);
    h.conn.receive(reliable(0, 65500, setPeerId(2)), 10);
    h.conn.receive(serverDatagram(0, ack(65500)), 11);
    h.conn.receive(reliable(2, 65501, original(0x20, [0, 1, 0, 2, 0, 3])), 20);
    h.conn.receive(reliable(2, 65500, original(0x20, [0, 9, 0, 9, 0, 9])), 21);
    expect(h.messages.map((m) => m.readInt16BE(2))).toEqual([9, 1]);
    expect(h.sent.filter((d) => d.packet.type === 'ack' && d.channel === 2)).toHaveLength(2);

    h.conn.sendReliable(1, Buffer.from([0, 0x11, 0, 0]), 100);
    h.conn.receive(serverDatagram(1, ack(65500)), 130);
    expect(h.rtts).toEqual([11, 30]);
    h.conn.sendReliable(1, Buffer.from([0, 0x11, 0, 0]), 200);
    const before = h.sent.length;
    h.conn.tick(320);
    expect(h.sent.length).toBe(before + 1);
    expect(h.sent.at(-1)).toMatchObject({ channel: 1, packet: { type: 'reliable', seq: 65501 } });
    expect(h.conn.counters.resends).toBe(1);
  });

  it('reassembles a reliable split message and ACKs every chunk', () => {
    const h = harness();
    h.conn.start(0);
    h.conn.receive(reliable(0, 65500, setPeerId(2)), 1);
    const whole = Buffer.concat([Buffer.from([0, 0x3d]), Buffer.alloc(1200, 7)]);
    const chunks = [whole.subarray(0, 495), whole.subarray(495, 990), whole.subarray(990)];
    chunks.forEach((c, i) => h.conn.receive(reliable(0, 65501 + i, split(65500, 3, i, c)), 2));
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]!.equals(whole)).toBe(true);
    expect(h.sent.filter((d) => d.packet.type === 'ack')).toHaveLength(4);
  });

  it('delivers only the first chunk of split messages the owner does not want whole, ACKing and dropping the rest', () => {
    const messages: Buffer[] = [];
    const acks: number[] = [];
    const conn = new Connection(
      (d) => {
        const p = decodeDatagram(d).packet;
        if (p.type === 'ack') acks.push(p.seq);
      },
      {
        onMessage: (m) => messages.push(Buffer.from(m)),
        onPeerId: () => {},
        onEnd: () => {},
        wantWhole: (head) => head.readUInt16BE(0) !== 0x20,
      },
    );
    conn.start(0);
    conn.receive(reliable(0, 65500, setPeerId(2)), 0);
    const block = Buffer.concat([Buffer.from([0, 0x20, 0, 1, 0, 2, 0, 3]), Buffer.alloc(1000, 5)]);
    const parts = [block.subarray(0, 495), block.subarray(495, 990), block.subarray(990)];
    parts.forEach((c, i) => conn.receive(reliable(2, 65500 + i, split(65500, 3, i, c)), 1));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.equals(parts[0]!)).toBe(true);
    expect(conn.heldSplits).toEqual({ messages: 0, bytes: 0 });
    // The next split on the same channel, wanted whole, is reassembled as usual.
    const inv = Buffer.concat([Buffer.from([0, 0x27]), Buffer.alloc(600, 65)]);
    conn.receive(reliable(2, 65503, split(65501, 2, 0, inv.subarray(0, 495))), 2);
    conn.receive(reliable(2, 65504, split(65501, 2, 1, inv.subarray(495))), 2);
    expect(messages).toHaveLength(2);
    expect(messages[1]!.equals(inv)).toBe(true);
    expect(acks.filter((a) => a >= 65500 && a <= 65504)).toHaveLength(6);
  });

  it('pings every 5 s and declares the server dead after 30 s of silence', () => {
    const h = harness();
    h.conn.start(0);
    h.conn.receive(reliable(0, 65500, setPeerId(2)), 0);
    h.conn.tick(5000);
    expect(h.sent.at(-1)).toMatchObject({ channel: 0, packet: { type: 'reliable', inner: { type: 'ping' } } });
    h.conn.receive(reliable(0, 65501, ping), 6000);
    h.conn.tick(35_999);
    expect(h.ends).toEqual([]);
    h.conn.tick(36_000);
    expect(h.ends).toEqual(['timed-out']);
  });

  it("ends on the server's DISCO and sends DISCO on disconnect", () => {
    const h = harness();
    h.conn.start(0);
    h.conn.receive(reliable(0, 65500, setPeerId(3)), 0);
    h.conn.receive(serverDatagram(0, disco), 10);
    expect(h.ends).toEqual(['server-disco']);
    const g = harness();
    g.conn.start(0);
    g.conn.receive(reliable(0, 65500, setPeerId(3)), 0);
    g.conn.disconnect();
    expect(g.sent.at(-1)).toEqual({ peerId: 3, channel: 0, packet: { type: 'disco' } });
    expect(g.ends).toEqual(['local-disco']);
  });
});
