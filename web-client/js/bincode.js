// A tiny reader for bincode 2's `standard` configuration, the format of Petri's binary messages
// (docs/PROTOCOL.md, "Binary messages"). Only what the messages use: u8, varint u32, zigzag i32,
// UTF-8 strings and lists. Every read checks bounds, so a truncated or hostile buffer throws a
// DecodeError instead of reading garbage or looping.

export class DecodeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DecodeError';
  }
}

// Fatal: invalid UTF-8 is refused, as Rust's String decoding does.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Accepts what a socket may hand us: ArrayBuffer, any typed array / DataView, or a Node Buffer. */
export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new DecodeError(`expected binary data, got ${data === null ? 'null' : typeof data}`);
}

export class Reader {
  constructor(data) {
    this.bytes = toBytes(data);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.pos = 0;
  }

  get remaining() {
    return this.bytes.length - this.pos;
  }

  need(n, what) {
    if (this.remaining < n) {
      throw new DecodeError(
        `truncated message: ${what} needs ${n} byte(s) at offset ${this.pos}, ${this.remaining} left`,
      );
    }
  }

  /** u8 is one raw byte in bincode (no varint). */
  u8() {
    this.need(1, 'u8');
    return this.bytes[this.pos++];
  }

  /** u32: one byte below 251; else 251 + u16, 252 + u32 (little-endian). 253 (u64) is too wide. */
  u32() {
    this.need(1, 'varint');
    const first = this.bytes[this.pos];
    if (first < 251) {
      this.pos += 1;
      return first;
    }
    if (first === 251) {
      this.need(3, 'varint u16');
      const v = this.view.getUint16(this.pos + 1, true);
      this.pos += 3;
      return v;
    }
    if (first === 252) {
      this.need(5, 'varint u32');
      const v = this.view.getUint32(this.pos + 1, true);
      this.pos += 5;
      return v;
    }
    throw new DecodeError(`varint marker ${first} at offset ${this.pos} is too wide for a u32`);
  }

  /** i32: zigzag (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...) over the u32 varint. */
  i32() {
    const n = this.u32();
    return (n >>> 1) ^ -(n & 1);
  }

  /** String: byte length, then UTF-8 (invalid UTF-8 is an error, as in Rust). */
  str() {
    const len = this.u32();
    this.need(len, 'string');
    const start = this.pos;
    this.pos += len;
    try {
      return utf8.decode(this.bytes.subarray(start, start + len));
    } catch {
      throw new DecodeError(`invalid UTF-8 in string at offset ${start}`);
    }
  }

  /**
   * List: length, then items read by `item(reader)`. Every item takes at least one byte, so a
   * length beyond the bytes left is refused before allocating anything (a hostile prefix).
   */
  list(item) {
    const len = this.u32();
    this.need(len, 'list');
    const out = new Array(len);
    for (let i = 0; i < len; i++) out[i] = item(this);
    return out;
  }

  /** A message fills its buffer exactly: trailing bytes mean we read the wrong thing. */
  end() {
    if (this.remaining !== 0) {
      throw new DecodeError(`${this.remaining} byte(s) after the end of the message`);
    }
  }
}
