import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../../src/cluster/output-buffer.js';

describe('OutputBuffer', () => {
  it('keeps everything by default', () => {
    const buffer = new OutputBuffer();
    for (let i = 0; i < 1000; i++) buffer.push(Buffer.from(`line ${i}\n`));
    expect(buffer.text().split('\n')).toHaveLength(1001);
  });

  it('keeps exactly the last keepBytes bytes, however the chunks fall', () => {
    const buffer = new OutputBuffer(10);
    let all = '';
    for (let i = 0; i < 100; i++) {
      const chunk = `${i},`;
      all += chunk;
      buffer.push(Buffer.from(chunk));
    }
    expect(buffer.text()).toBe(all.slice(-10));
    buffer.push(Buffer.from('x'.repeat(50)));
    expect(buffer.text()).toBe('x'.repeat(10));
  });

  it('holds at most about twice keepBytes while data streams in', () => {
    const buffer = new OutputBuffer(1024);
    for (let i = 0; i < 10_000; i++) buffer.push(Buffer.alloc(100, 97));
    // Private state read on purpose: the point of the class is bounded memory.
    expect((buffer as unknown as { bytes: number }).bytes).toBeLessThanOrEqual(2 * 1024 + 100);
    expect(buffer.text()).toBe('a'.repeat(1024));
  });
});
