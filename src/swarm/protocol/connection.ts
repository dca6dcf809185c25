import {
  CHANNEL_COUNT,
  decodeDatagram,
  encodeAck,
  encodeDisco,
  encodeOriginal,
  encodeReliableOriginal,
  encodeReliablePing,
  PEER_ID_INEXISTENT,
  setSenderPeerId,
  type InnerPacket,
} from './datagram.js';
import { PacketDecodeError } from './errors.js';
import { ReliableReceiver } from './reliable-receiver.js';
import { ReliableSender } from './reliable-sender.js';
import { RttEstimator } from './rtt-estimator.js';
import { SplitReassembler } from './split-reassembler.js';

/** Timings of one connection; defaults follow Luanti's constants. */
export interface ConnectionTimings {
  /** Resend the peer-0 dummy this often until SET_PEER_ID arrives (≥5.9 servers never resend it themselves). Default 500 ms. */
  peerIdResendMs: number;
  /** Give up when no SET_PEER_ID arrives within this. Default 10 s. */
  connectTimeoutMs: number;
  /** Reliable PING on channel 0 this often. Default 5 s (Luanti PING_INTERVAL). */
  pingIntervalMs: number;
  /** The server is dead after this long without any valid datagram. Default 30 s (CONNECTION_TIMEOUT). */
  deadPeerMs: number;
}

export const DEFAULT_TIMINGS: ConnectionTimings = {
  peerIdResendMs: 500,
  connectTimeoutMs: 10_000,
  pingIntervalMs: 5_000,
  deadPeerMs: 30_000,
};

/** Why a connection ended from the transport's point of view. */
export type ConnectionEnd = 'no-response' | 'timed-out' | 'server-disco' | 'local-disco';

/** Counters of one connection, summed by the swarm. */
export interface ConnectionCounters {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  decodeErrors: number;
  resends: number;
}

/** What the connection tells its owner. */
export interface ConnectionHandler {
  /** A complete application message: u16 command + payload. */
  onMessage(data: Buffer, channel: number): void;
  onPeerId(peerId: number): void;
  onEnd(why: ConnectionEnd): void;
  onRtt?(ms: number): void;
  /**
   * Given the first chunk of a reliable split message (command + start of payload), whether the
   * message is needed whole. When false, only that first chunk is passed to {@link onMessage} and the
   * other chunks are ACKed and dropped unstored: a bot needs just the position at the start of a
   * BLOCKDATA and nothing of NODEDEF or media lists, so this saves copying and memory per bot.
   */
  wantWhole?(head: Buffer): boolean;
}

/** Most split messages being skipped at once (older entries are forgotten first). */
const MAX_SKIPPING = 64;

/**
 * The client side of one Luanti UDP connection ("MTP"): peer id setup, three reliable channels with
 * ACKs both ways, resends with an RTT-based timeout, split reassembly, pings, dead-peer detection and
 * DISCO. It owns no socket and no timer: the owner feeds datagrams to {@link receive}, calls
 * {@link tick} periodically and passes a `send` function, so one event loop can drive thousands.
 */
export class Connection {
  peerId = PEER_ID_INEXISTENT;
  readonly counters: ConnectionCounters = {
    rxPackets: 0,
    rxBytes: 0,
    txPackets: 0,
    txBytes: 0,
    decodeErrors: 0,
    resends: 0,
  };
  private readonly rtt = new RttEstimator();
  private readonly senders: ReliableSender[] = [];
  private readonly receivers: ReliableReceiver[] = [];
  private readonly splits = new SplitReassembler();
  private startedAt = 0;
  private started = false;
  private lastReceivedAt = 0;
  private lastPingAt = 0;
  private lastDummyAt = 0;
  private dummy: Buffer | null = null;
  private ended = false;
  /** Split messages whose rest is dropped: key (channel, split seq) → chunks still to come. */
  private readonly skipping = new Map<number, number>();
  private readonly timings: ConnectionTimings;

  constructor(
    private readonly send: (datagram: Buffer) => void,
    private readonly handler: ConnectionHandler,
    timings: Partial<ConnectionTimings> = {},
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
    for (let i = 0; i < CHANNEL_COUNT; i++) {
      this.senders.push(new ReliableSender(this.rtt));
      this.receivers.push(new ReliableReceiver());
    }
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Incomplete split messages held (bounded by the reassembler's limits). */
  get heldSplits(): { messages: number; bytes: number } {
    return this.splits.held;
  }

  /** Early reliables buffered over all channels (bounded per channel). */
  get bufferedReliables(): number {
    return this.receivers.reduce((n, r) => n + r.buffered, 0);
  }

  get smoothedRttMs(): number | null {
    return this.rtt.smoothedMs;
  }

  /** Send the dummy reliable that makes the server create our peer (ch 0, seq 65500, command 0). */
  start(now: number): void {
    this.started = true;
    this.startedAt = now;
    this.lastReceivedAt = now;
    this.lastPingAt = now;
    const out = this.senders[0]!.send(
      (seq) => encodeReliableOriginal(PEER_ID_INEXISTENT, 0, seq, Buffer.alloc(2)),
      now,
    );
    this.dummy = out[0] ?? null;
    this.lastDummyAt = now;
    for (const d of out) this.transmit(d);
  }

  /** Queue an application message (`data` = u16 command + payload) reliably on `channel`. */
  sendReliable(channel: number, data: Uint8Array, now: number): void {
    if (this.ended) return;
    for (const d of this.senders[channel]!.send(
      (seq) => encodeReliableOriginal(this.peerId, channel, seq, data),
      now,
    )) {
      this.transmit(d);
    }
  }

  sendUnreliable(channel: number, data: Uint8Array): void {
    if (this.ended) return;
    this.transmit(encodeOriginal(this.peerId, channel, data));
  }

  /** Clean disconnect: DISCO, twice because it is unreliable and nothing answers it. */
  disconnect(): void {
    if (this.ended) return;
    if (this.peerId !== PEER_ID_INEXISTENT) {
      const disco = encodeDisco(this.peerId);
      this.transmit(disco);
      this.transmit(disco);
    }
    this.end('local-disco');
  }

  /** Feed one received datagram. Malformed ones are counted and dropped. */
  receive(buf: Buffer, now: number): void {
    if (this.ended) return;
    this.counters.rxPackets += 1;
    this.counters.rxBytes += buf.length;
    try {
      const d = decodeDatagram(buf);
      this.lastReceivedAt = now;
      const p = d.packet;
      if (p.type !== 'reliable') {
        this.handleInner(p, d.channel, false, now);
        return;
      }
      const verdict = this.receivers[d.channel]!.receive(p.seq, p.inner);
      for (const inner of verdict.deliver) {
        if (this.ended) return;
        this.handleInner(inner, d.channel, true, now);
      }
      // After delivery, so the ACK of SET_PEER_ID already carries our new id (≥5.9: that opens the half-open peer).
      if (verdict.ack && !this.ended) this.transmit(encodeAck(this.peerId, d.channel, p.seq));
    } catch (err) {
      if (err instanceof PacketDecodeError) {
        this.counters.decodeErrors += 1;
        return;
      }
      throw err;
    }
  }

  private handleInner(p: InnerPacket, channel: number, reliable: boolean, now: number): void {
    switch (p.type) {
      case 'ack': {
        const r = this.senders[channel]!.ack(p.seq, now);
        if (r.rttMs !== null) this.handler.onRtt?.(r.rttMs);
        for (const d of r.released) this.transmit(d);
        return;
      }
      case 'set-peer-id': {
        if (this.peerId !== PEER_ID_INEXISTENT) return;
        this.peerId = p.peerId;
        this.dummy = null;
        for (const s of this.senders) for (const d of s.datagrams()) setSenderPeerId(d, this.peerId);
        this.handler.onPeerId(p.peerId);
        return;
      }
      case 'ping':
        return;
      case 'disco':
        this.end('server-disco');
        return;
      case 'original':
        this.handler.onMessage(p.data, channel);
        return;
      case 'split': {
        // Reliable chunks arrive in order, so chunk 0 comes first and decides (see wantWhole).
        if (reliable && this.handler.wantWhole && p.count > 1 && p.index < p.count) {
          const key = channel * 0x10000 + p.seq;
          const left = this.skipping.get(key);
          if (left !== undefined) {
            if (left <= 1) this.skipping.delete(key);
            else this.skipping.set(key, left - 1);
            return;
          }
          if (p.index === 0 && !this.handler.wantWhole(p.chunk)) {
            if (this.skipping.size >= MAX_SKIPPING) this.skipping.delete(this.skipping.keys().next().value!);
            this.skipping.set(key, p.count - 1);
            this.handler.onMessage(p.chunk, channel);
            return;
          }
        }
        const whole = this.splits.add(channel, p.seq, p.count, p.index, p.chunk, reliable, now);
        if (whole) this.handler.onMessage(whole, channel);
        return;
      }
    }
  }

  /** Resends, pings and timeouts; call every few tens of milliseconds. */
  tick(now: number): void {
    // Not started yet: the owner's socket is still connecting.
    if (this.ended || !this.started) return;
    if (this.peerId === PEER_ID_INEXISTENT) {
      if (now - this.startedAt >= this.timings.connectTimeoutMs) {
        this.end('no-response');
        return;
      }
      if (this.dummy && now - this.lastDummyAt >= this.timings.peerIdResendMs) {
        this.lastDummyAt = now;
        this.transmit(this.dummy);
      }
      return;
    }
    if (now - this.lastReceivedAt >= this.timings.deadPeerMs) {
      this.end('timed-out');
      return;
    }
    for (const s of this.senders) {
      for (const d of s.due(now)) {
        this.counters.resends += 1;
        this.transmit(d);
      }
    }
    if (now - this.lastPingAt >= this.timings.pingIntervalMs) {
      this.lastPingAt = now;
      for (const d of this.senders[0]!.send((seq) => encodeReliablePing(this.peerId, seq), now)) this.transmit(d);
    }
    this.splits.expire(now);
  }

  private transmit(datagram: Buffer): void {
    this.counters.txPackets += 1;
    this.counters.txBytes += datagram.length;
    this.send(datagram);
  }

  private end(why: ConnectionEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.handler.onEnd(why);
  }
}
