import { describe, expect, it } from 'vitest';
import { PacketDecodeError } from '../../../src/swarm/protocol/errors.js';
import { SplitReassembler } from '../../../src/swarm/protocol/split-reassembler.js';

describe('SplitReassembler', () => {
  it('reassembles chunks arriving out of order, per (channel, seq)', () => {
    const s = new SplitReassembler();
    expect(s.add(2, 65500, 3, 2, Buffer.from('c'), true, 0)).toBeNull();
    expect(s.add(1, 65500, 2, 0, Buffer.from('x'), true, 0)).toBeNull();
    expect(s.add(2, 65500, 3, 0, Buffer.from('a'), true, 0)).toBeNull();
    expect(s.add(2, 65500, 3, 0, Buffer.from('a'), true, 0)).toBeNull();
    expect(s.add(2, 65500, 3, 1, Buffer.from('b'), true, 0)?.toString()).toBe('abc');
    expect(s.held).toEqual({ messages: 1, bytes: 1 });
  });

  it('rejects a chunk index past the count and a changed count', () => {
    const s = new SplitReassembler();
    expect(() => s.add(0, 1, 2, 2, Buffer.from('a'), true, 0)).toThrow(PacketDecodeError);
    s.add(0, 1, 2, 0, Buffer.from('a'), true, 0);
    expect(() => s.add(0, 1, 3, 1, Buffer.from('b'), true, 0)).toThrowError(/said 2 chunks/);
  });

  it('bounds incomplete messages and bytes', () => {
    const s = new SplitReassembler({ maxPartials: 2, maxBytes: 10, maxChunks: 4 });
    expect(() => s.add(0, 1, 5, 0, Buffer.alloc(1), false, 0)).toThrowError(/exceeds 4/);
    s.add(0, 1, 2, 0, Buffer.alloc(4), false, 0);
    s.add(0, 2, 2, 0, Buffer.alloc(4), false, 0);
    expect(() => s.add(0, 3, 2, 0, Buffer.alloc(1), false, 0)).toThrowError(/incomplete split messages/);
    expect(() => s.add(0, 1, 2, 1, Buffer.alloc(4), false, 0)).toThrowError(/bytes of incomplete splits/);
  });

  it('expires incomplete unreliable messages after the timeout, keeps reliable ones', () => {
    const s = new SplitReassembler({ expireMs: 1000 });
    s.add(0, 1, 2, 0, Buffer.alloc(3), false, 0);
    s.add(2, 1, 2, 0, Buffer.alloc(3), true, 0);
    expect(s.expire(1001)).toBe(1);
    expect(s.held).toEqual({ messages: 1, bytes: 3 });
  });
});
