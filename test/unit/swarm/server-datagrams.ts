import { PROTOCOL_ID } from '../../../src/swarm/protocol/datagram.js';

/** Datagrams as a server would send them, built byte by byte in the test (independent of the encoder under test). */
export function serverDatagram(channel: number, body: number[] | Buffer): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt32BE(PROTOCOL_ID, 0);
  head.writeUInt16BE(1, 4);
  head[6] = channel;
  return Buffer.concat([head, Buffer.from(body)]);
}

export function reliable(channel: number, seq: number, inner: number[] | Buffer): Buffer {
  return serverDatagram(channel, Buffer.concat([Buffer.from([3, seq >> 8, seq & 0xff]), Buffer.from(inner)]));
}

export const setPeerId = (id: number): number[] => [0, 1, id >> 8, id & 0xff];
export const ack = (seq: number): number[] => [0, 0, seq >> 8, seq & 0xff];
export const ping = [0, 2];
export const disco = [0, 3];
export const original = (command: number, payload: number[] = []): number[] => [
  1,
  command >> 8,
  command & 0xff,
  ...payload,
];
export const split = (seq: number, count: number, index: number, chunk: Buffer): Buffer =>
  Buffer.concat([Buffer.from([2, seq >> 8, seq & 0xff, count >> 8, count & 0xff, index >> 8, index & 0xff]), chunk]);
