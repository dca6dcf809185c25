/** Big-endian writer that grows as needed; packets a bot sends are small, so one copy at the end is cheap. */
export class ByteWriter {
  private buf: Buffer;
  private offset = 0;

  constructor(initial = 64) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.offset + n));
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v & 0xff, this.offset++);
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.offset);
    this.offset += 2;
    return this;
  }

  s16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.offset);
    this.offset += 4;
    return this;
  }

  s32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.offset);
    this.offset += 4;
    return this;
  }

  f32(v: number): this {
    this.ensure(4);
    this.buf.writeFloatBE(v, this.offset);
    this.offset += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  /** Luanti `string`: u16 length + bytes. */
  string16(b: Uint8Array | string): this {
    const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    if (data.length > 0xffff) throw new RangeError(`string of ${data.length} bytes does not fit a u16 length`);
    return this.u16(data.length).bytes(data);
  }

  /** Luanti long string: u32 length + bytes. */
  string32(b: Uint8Array | string): this {
    const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    return this.u32(data.length).bytes(data);
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}
