import { PacketDecodeError } from './errors.js';

interface PartialMessage {
  count: number;
  chunks: (Buffer | undefined)[];
  received: number;
  bytes: number;
  startedAt: number;
  reliable: boolean;
}

/** Bounds on reassembly so a broken or hostile peer cannot make a bot hold unbounded memory. */
export interface SplitLimits {
  /** Most chunks one message may have (495 B each). Default 8192 (about 4 MB). */
  maxChunks: number;
  /** Most incomplete messages held per connection. Default 64. */
  maxPartials: number;
  /** Most bytes held in incomplete messages per connection. Default 16 MiB. */
  maxBytes: number;
  /** Incomplete unreliable messages expire after this long (Luanti: the peer timeout). Default 30 s. */
  expireMs: number;
}

const DEFAULT_LIMITS: SplitLimits = { maxChunks: 8192, maxPartials: 64, maxBytes: 16 << 20, expireMs: 30_000 };

/** Reassembles SPLIT packets keyed by (channel, split seq). Throws {@link PacketDecodeError} for bad chunks. */
export class SplitReassembler {
  private readonly partials = new Map<number, PartialMessage>();
  private heldBytes = 0;
  private readonly limits: SplitLimits;

  constructor(limits: Partial<SplitLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get held(): { messages: number; bytes: number } {
    return { messages: this.partials.size, bytes: this.heldBytes };
  }

  /** Add one chunk; returns the whole message when it is complete, else null. */
  add(
    channel: number,
    seq: number,
    count: number,
    index: number,
    chunk: Buffer,
    reliable: boolean,
    now: number,
  ): Buffer | null {
    if (count === 0 || index >= count) {
      throw new PacketDecodeError('split-index-out-of-range', `split chunk ${index} of ${count}`);
    }
    if (count > this.limits.maxChunks) {
      throw new PacketDecodeError('split-too-large', `split of ${count} chunks exceeds ${this.limits.maxChunks}`);
    }
    if (count === 1) return chunk;
    const key = channel * 0x10000 + seq;
    let p = this.partials.get(key);
    if (!p) {
      if (this.partials.size >= this.limits.maxPartials) {
        throw new PacketDecodeError('split-buffer-full', `${this.partials.size} incomplete split messages held`);
      }
      p = { count, chunks: new Array<Buffer | undefined>(count), received: 0, bytes: 0, startedAt: now, reliable };
      this.partials.set(key, p);
    } else if (p.count !== count) {
      throw new PacketDecodeError('split-count-mismatch', `split ${seq} said ${p.count} chunks, now ${count}`);
    }
    if (p.chunks[index]) return null;
    if (this.heldBytes + chunk.length > this.limits.maxBytes) {
      throw new PacketDecodeError('split-buffer-full', `${this.heldBytes} bytes of incomplete splits held`);
    }
    // Copy: the chunk is a view into a datagram buffer we do not want to keep whole.
    p.chunks[index] = Buffer.from(chunk);
    p.received += 1;
    p.bytes += chunk.length;
    this.heldBytes += chunk.length;
    if (p.received < p.count) return null;
    this.partials.delete(key);
    this.heldBytes -= p.bytes;
    return Buffer.concat(p.chunks as Buffer[], p.bytes);
  }

  /** Drop incomplete unreliable messages older than the expiry (reliable ones will complete by resends). */
  expire(now: number): number {
    let dropped = 0;
    for (const [key, p] of this.partials) {
      if (!p.reliable && now - p.startedAt > this.limits.expireMs) {
        this.partials.delete(key);
        this.heldBytes -= p.bytes;
        dropped += 1;
      }
    }
    return dropped;
  }
}
