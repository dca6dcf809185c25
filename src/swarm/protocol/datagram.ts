import { ByteReader } from './byte-reader.js';
import { PacketDecodeError } from './errors.js';

/** Every Luanti datagram starts with this u32; others are dropped by both sides. */
export const PROTOCOL_ID = 0x4f457403;
/** Largest datagram either side sends (Luanti MAX_PACKET_SIZE). */
export const MAX_DATAGRAM = 512;
export const HEADER_SIZE = 7;
export const CHANNEL_COUNT = 3;
/** Peer id of a client that has not been given one yet. */
export const PEER_ID_INEXISTENT = 0;
export const PEER_ID_SERVER = 1;

const TYPE_CONTROL = 0;
const TYPE_ORIGINAL = 1;
const TYPE_SPLIT = 2;
const TYPE_RELIABLE = 3;
const CONTROL_ACK = 0;
const CONTROL_SET_PEER_ID = 1;
const CONTROL_PING = 2;
const CONTROL_DISCO = 3;

/** The body of a datagram below the RELIABLE wrapper. */
export type InnerPacket =
  | { type: 'ack'; seq: number }
  | { type: 'set-peer-id'; peerId: number }
  | { type: 'ping' }
  | { type: 'disco' }
  /** An application message: u16 command + payload. */
  | { type: 'original'; data: Buffer }
  | { type: 'split'; seq: number; count: number; index: number; chunk: Buffer };

export type TransportPacket = InnerPacket | { type: 'reliable'; seq: number; inner: InnerPacket };

/** One decoded datagram. */
export interface Datagram {
  peerId: number;
  channel: number;
  packet: TransportPacket;
}

/**
 * Decode one datagram. Throws {@link PacketDecodeError} for anything malformed; never allocates
 * more than the datagram itself (bodies are views into `buf`).
 */
export function decodeDatagram(buf: Buffer): Datagram {
  if (buf.length > MAX_DATAGRAM) {
    throw new PacketDecodeError('oversized', `datagram of ${buf.length} bytes exceeds ${MAX_DATAGRAM}`);
  }
  const r = new ByteReader(buf);
  const id = r.u32();
  if (id !== PROTOCOL_ID) {
    throw new PacketDecodeError('bad-protocol-id', `protocol id 0x${id.toString(16)} is not 0x4f457403`);
  }
  const peerId = r.u16();
  const channel = r.u8();
  if (channel >= CHANNEL_COUNT) throw new PacketDecodeError('bad-channel', `channel ${channel} is not 0, 1 or 2`);
  const type = r.u8();
  if (type === TYPE_RELIABLE) {
    const seq = r.u16();
    const innerType = r.u8();
    if (innerType === TYPE_RELIABLE) throw new PacketDecodeError('nested-reliable', 'reliable packet inside reliable');
    return { peerId, channel, packet: { type: 'reliable', seq, inner: decodeInner(innerType, r) } };
  }
  return { peerId, channel, packet: decodeInner(type, r) };
}

function decodeInner(type: number, r: ByteReader): InnerPacket {
  switch (type) {
    case TYPE_CONTROL: {
      const ctype = r.u8();
      switch (ctype) {
        case CONTROL_ACK:
          return { type: 'ack', seq: r.u16() };
        case CONTROL_SET_PEER_ID:
          return { type: 'set-peer-id', peerId: r.u16() };
        case CONTROL_PING:
          return { type: 'ping' };
        case CONTROL_DISCO:
          return { type: 'disco' };
        default:
          throw new PacketDecodeError('bad-control-type', `control type ${ctype} is not 0..3`);
      }
    }
    case TYPE_ORIGINAL: {
      const data = r.rest();
      if (data.length < 2) throw new PacketDecodeError('truncated', 'original packet without a command');
      return { type: 'original', data };
    }
    case TYPE_SPLIT: {
      const seq = r.u16();
      const count = r.u16();
      const index = r.u16();
      return { type: 'split', seq, count, index, chunk: r.rest() };
    }
    default:
      throw new PacketDecodeError('bad-packet-type', `packet type ${type} is not 0..3`);
  }
}

function header(size: number, peerId: number, channel: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  b.writeUInt32BE(PROTOCOL_ID, 0);
  b.writeUInt16BE(peerId, 4);
  b.writeUInt8(channel, 6);
  return b;
}

/** CONTROL/ACK, always sent unreliable on the channel of the packet it acknowledges. */
export function encodeAck(peerId: number, channel: number, seq: number): Buffer {
  const b = header(HEADER_SIZE + 4, peerId, channel);
  b[7] = TYPE_CONTROL;
  b[8] = CONTROL_ACK;
  b.writeUInt16BE(seq, 9);
  return b;
}

/** CONTROL/DISCO: sent raw (unreliable) on channel 0. */
export function encodeDisco(peerId: number): Buffer {
  const b = header(HEADER_SIZE + 2, peerId, 0);
  b[7] = TYPE_CONTROL;
  b[8] = CONTROL_DISCO;
  return b;
}

/** An unreliable ORIGINAL carrying `data` (u16 command + payload). */
export function encodeOriginal(peerId: number, channel: number, data: Uint8Array): Buffer {
  const b = header(HEADER_SIZE + 1 + data.length, peerId, channel);
  b[7] = TYPE_ORIGINAL;
  b.set(data, 8);
  return b;
}

/** A RELIABLE wrapping an ORIGINAL (`data` = u16 command + payload). */
export function encodeReliableOriginal(peerId: number, channel: number, seq: number, data: Uint8Array): Buffer {
  const b = header(HEADER_SIZE + 4 + data.length, peerId, channel);
  b[7] = TYPE_RELIABLE;
  b.writeUInt16BE(seq, 8);
  b[10] = TYPE_ORIGINAL;
  b.set(data, 11);
  return b;
}

/** A RELIABLE wrapping CONTROL/PING, the keep-alive. */
export function encodeReliablePing(peerId: number, seq: number): Buffer {
  const b = header(HEADER_SIZE + 5, peerId, 0);
  b[7] = TYPE_RELIABLE;
  b.writeUInt16BE(seq, 8);
  b[10] = TYPE_CONTROL;
  b[11] = CONTROL_PING;
  return b;
}

/** Replace the sender peer id of an already encoded datagram (the dummy is resent with id 0, later ones with ours). */
export function setSenderPeerId(datagram: Buffer, peerId: number): void {
  datagram.writeUInt16BE(peerId, 4);
}

/** Largest `command + payload` that fits one reliable datagram without splitting. */
export const MAX_RELIABLE_MESSAGE = MAX_DATAGRAM - HEADER_SIZE - 3 - 1;
/** Largest `command + payload` that fits one unreliable datagram. */
export const MAX_UNRELIABLE_MESSAGE = MAX_DATAGRAM - HEADER_SIZE - 1;
