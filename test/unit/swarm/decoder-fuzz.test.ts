import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../../src/swarm/protocol/connection.js';
import { decodeDatagram, PROTOCOL_ID } from '../../../src/swarm/protocol/datagram.js';
import { PacketDecodeError } from '../../../src/swarm/protocol/errors.js';
import { decodeInventoryList, decodeItemTypes, decodeServerMessage } from '../../../src/swarm/protocol/to-client.js';
import { original, reliable, setPeerId, split } from './server-datagrams.js';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function expectTypedOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PacketDecodeError);
  }
}

describe('decoder fuzz', () => {
  it('random, truncated and oversized datagrams: typed errors only', () => {
    const r = rng(1);
    const valid = [
      reliable(0, 65500, setPeerId(5)),
      reliable(2, 65501, split(65500, 3, 1, Buffer.alloc(40, 1))),
      reliable(1, 3, original(0x02, [29, 0, 0, 0, 41, 0, 0, 0, 2, 0, 0])),
    ];
    for (let i = 0; i < 20_000; i++) {
      let buf: Buffer;
      const kind = i % 4;
      if (kind === 0) buf = randomBytes(Math.floor(r() * 700));
      else if (kind === 1) {
        const v = valid[i % valid.length]!;
        buf = v.subarray(0, Math.floor(r() * v.length));
      } else if (kind === 2) {
        // Valid header, random body: exercises the type switches.
        buf = Buffer.concat([
          Buffer.from([0x4f, 0x45, 0x74, 0x03, 0, 1, Math.floor(r() * 4)]),
          randomBytes(Math.floor(r() * 40)),
        ]);
      } else buf = Buffer.concat([valid[i % valid.length]!, randomBytes(600)]);
      expectTypedOrOk(() => decodeDatagram(buf));
    }
    expect(() => decodeDatagram(Buffer.alloc(513))).toThrowError(/exceeds 512/);
    expect(() => decodeDatagram(Buffer.alloc(3))).toThrowError(PacketDecodeError);
    expect(() => decodeDatagram(reliable(0, 1, [3, 0, 1, 1]))).toThrowError(/reliable packet inside reliable/);
  });

  it('server messages with random payloads after every known command: typed errors only', () => {
    const commands = [0x02, 0x03, 0x0a, 0x20, 0x21, 0x22, 0x27, 0x2a, 0x34, 0x35, 0x37, 0x3d, 0x44, 0x56, 0x60, 0x99];
    for (let i = 0; i < 10_000; i++) {
      const cmd = commands[i % commands.length]!;
      const payload = randomBytes(i % 64);
      expectTypedOrOk(() => decodeServerMessage(Buffer.concat([Buffer.from([cmd >> 8, cmd & 0xff]), payload])));
    }
    for (let i = 0; i < 200; i++) expectTypedOrOk(() => decodeItemTypes(randomBytes(i)));
    expect(decodeInventoryList('garbage\nList main 2\nItem x 1\n', 'main')).toEqual(['x']);
  });

  it('a connection fed garbage never throws and holds bounded memory', () => {
    const conn = new Connection(() => {}, { onMessage: () => {}, onPeerId: () => {}, onEnd: () => {} });
    conn.start(0);
    conn.receive(reliable(0, 65500, setPeerId(9)), 0);
    const r = rng(2);
    for (let i = 0; i < 20_000; i++) {
      const rel = r() < 0.5;
      const seq = Math.floor(r() * 65536);
      const body = split(Math.floor(r() * 65536), 2 + Math.floor(r() * 60_000), Math.floor(r() * 10), randomBytes(495));
      const buf = rel
        ? reliable(Math.floor(r() * 3), seq, body)
        : Buffer.concat([reliable(0, 0, []).subarray(0, 7), body]);
      if (i % 7 === 0) buf.writeUInt32BE(PROTOCOL_ID ^ 1, 0);
      expect(() => conn.receive(i % 11 === 0 ? buf.subarray(0, Math.floor(r() * buf.length)) : buf, i)).not.toThrow();
    }
    expect(conn.counters.decodeErrors).toBeGreaterThan(0);
    expect(conn.heldSplits.bytes).toBeLessThanOrEqual(16 << 20);
    expect(conn.heldSplits.messages).toBeLessThanOrEqual(64);
    expect(conn.bufferedReliables).toBeLessThanOrEqual(3 * 1024);
  });
});
