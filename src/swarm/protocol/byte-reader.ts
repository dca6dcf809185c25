import { PacketDecodeError } from './errors.js';

/** Big-endian reader over one buffer; every read past the end throws a `truncated` {@link PacketDecodeError}. */
export class ByteReader {
  private offset: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.buf.length) {
      throw new PacketDecodeError(
        'truncated',
        `truncated ${what}: need ${n} bytes at offset ${this.offset}, have ${this.remaining}`,
      );
    }
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf.readUInt8(this.offset++);
  }

  u16(): number {
    this.need(2, 'u16');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  s16(): number {
    this.need(2, 's16');
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  s32(): number {
    this.need(4, 's32');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8, 'u64');
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  f32(): number {
    this.need(4, 'f32');
    const v = this.buf.readFloatBE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n, `${n}-byte field`);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** Luanti `string`: u16 length + bytes. */
  string16(): Buffer {
    return this.bytes(this.u16());
  }

  /** Luanti long string: u32 length + bytes. */
  string32(): Buffer {
    return this.bytes(this.u32());
  }

  /** Luanti `wstring`: u16 count of UTF-16 units, each big-endian. */
  wstring(): string {
    const n = this.u16();
    const raw = this.bytes(n * 2);
    let s = '';
    for (let i = 0; i < raw.length; i += 2) s += String.fromCharCode(raw.readUInt16BE(i));
    return s;
  }

  rest(): Buffer {
    const v = this.buf.subarray(this.offset);
    this.offset = this.buf.length;
    return v;
  }
}
