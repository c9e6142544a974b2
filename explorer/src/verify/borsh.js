// A bounded reader of borsh (borsh.io), the chain's canonical encoding
// (runtime/src/codec.rs): little-endian fixed-width integers, u32 length prefixes for
// vectors and strings, one-byte tags for options, booleans and enums.
//
// Like the runtime's `codec::decode`, it accepts only canonical bytes: an option or
// boolean tag other than 0 or 1 is refused, a set must be strictly increasing (the
// caller supplies the order), and `finish()` refuses trailing bytes. Every length is
// checked against the bytes left (and the caller's limit) before anything is
// allocated. Every failure is a `DecodeError` naming what was being read.

/** Why bytes do not decode: `message` says what was read and what went wrong. */
export class DecodeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DecodeError';
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class Reader {
  /** `bytes`: a Uint8Array; `max`: the largest input accepted (as codec::decode's). */
  constructor(bytes, max = Infinity) {
    if (!(bytes instanceof Uint8Array)) throw new DecodeError('the input is not bytes');
    if (bytes.length > max) {
      throw new DecodeError(`input of ${bytes.length} bytes exceeds the limit of ${max} bytes`);
    }
    this.bytes = bytes;
    this.pos = 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not yet read. */
  remaining() {
    return this.bytes.length - this.pos;
  }

  need(n, what) {
    if (this.remaining() < n) {
      throw new DecodeError(
        `truncated input: ${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining()} left`,
      );
    }
  }

  u8(what = 'u8') {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u16(what = 'u16') {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32') {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A u64 as a BigInt (exact). */
  u64(what = 'u64') {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A u64 as a Number, refused if above 2^53 - 1 (not exactly representable). */
  u64Number(what = 'u64') {
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new DecodeError(`${what} ${v} is above 2^53 - 1, which this reader keeps exact`);
    }
    return Number(v);
  }

  /** `n` bytes, copied. */
  fixed(n, what = `${n} bytes`) {
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bool(what = 'bool') {
    const tag = this.u8(what);
    if (tag > 1) throw new DecodeError(`${what}: ${tag} is not a boolean (0 or 1)`);
    return tag === 1;
  }

  /** A u32 length prefix, checked against `max` and against what the input can hold. */
  length(what, max, minItemBytes) {
    const len = this.u32(`the length of ${what}`);
    if (len > max) throw new DecodeError(`${what}: ${len} items exceed the limit of ${max}`);
    if (len * minItemBytes > this.remaining()) {
      throw new DecodeError(
        `truncated input: ${what} claims ${len} items, only ${this.remaining()} bytes left`,
      );
    }
    return len;
  }

  /** A borsh `String` of at most `maxBytes` bytes, valid UTF-8. */
  string(what = 'string', maxBytes = Infinity) {
    const len = this.u32(`the length of ${what}`);
    if (len > maxBytes) {
      throw new DecodeError(`${what}: string of ${len} bytes exceeds the limit of ${maxBytes}`);
    }
    const bytes = this.fixed(len, what);
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new DecodeError(`${what} is not valid UTF-8`);
    }
  }

  /** A `Vec<T>`: `item(reader, index)` reads one element; at most `max` elements. */
  vec(what, item, max = Infinity, minItemBytes = 1) {
    const len = this.length(what, max, minItemBytes);
    const out = [];
    for (let i = 0; i < len; i++) out.push(item(this, i));
    return out;
  }

  /**
   * A `BTreeSet<T>` (or the keys of a `BTreeMap`): as a vector whose elements must be
   * strictly increasing under `compare` (the Rust type's `Ord`), as their canonical
   * encoding is.
   */
  set(what, item, compare, max = Infinity, minItemBytes = 1) {
    const items = this.vec(what, item, max, minItemBytes);
    for (let i = 1; i < items.length; i++) {
      if (compare(items[i - 1], items[i]) >= 0) {
        throw new DecodeError(`${what}: not in increasing order without repeats (not canonical)`);
      }
    }
    return items;
  }

  /** An `Option<T>`: null for None. */
  option(what, item) {
    const tag = this.u8(`the tag of ${what}`);
    if (tag === 0) return null;
    if (tag === 1) return item(this);
    throw new DecodeError(`${what}: ${tag} is not an option tag (0 or 1)`);
  }

  /** An enum tag: the variant index, refused if not below `count`. */
  tag(what, count) {
    const tag = this.u8(`the variant of ${what}`);
    if (tag >= count) throw new DecodeError(`${what}: unknown variant ${tag}`);
    return tag;
  }

  /** Refuses trailing bytes: the value must be the whole input. */
  finish(what = 'the value') {
    if (this.remaining() !== 0) {
      throw new DecodeError(`${what} is followed by ${this.remaining()} unexpected bytes`);
    }
  }
}

/** Decodes all of `bytes` with `read(reader)`, refusing more than `max` bytes or leftovers. */
export function decodeAll(bytes, read, max = Infinity, what = 'the value') {
  const reader = new Reader(bytes, max);
  const value = read(reader);
  reader.finish(what);
  return value;
}

/** Byte-wise lexicographic comparison (Rust's `Ord` for `[u8]` and `str`). */
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

const UTF8_ENCODER = new TextEncoder();

/** Rust's `Ord` for `String`: byte-wise on the UTF-8 encoding. */
export function compareStrings(a, b) {
  return compareBytes(UTF8_ENCODER.encode(a), UTF8_ENCODER.encode(b));
}

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of hex text (either case, as the Rust `hex` crate); null if not hex. */
export function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    return null;
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenation of byte arrays. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes equal. */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
