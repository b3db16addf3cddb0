import { Gunzip } from 'fflate';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** Deflate never expands more than about 1032:1, so a trailer claiming more than that is not to be trusted. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The most one gunzip may produce unless the caller says otherwise: 2 GiB, more than any volume the app can hold
 * and train on. Without a ceiling a file whose size field wrapped (a real 4 GiB image) or a crafted one inflates
 * for minutes and ends in an out-of-memory crash instead of a sentence.
 */
export const DEFAULT_MAX_INFLATED_BYTES = 2 * 1024 ** 3;

/** A little-endian 32-bit trailer field at `at` (gzip's CRC-32 and ISIZE). */
function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) >>> 0) + bytes[at + 3]! * 0x1000000;
}

const TRUNCATED = 'file is truncated — its gzip stream ends early (an incomplete download or copy?)';

/** An error about a gzip stream, with what fflate said kept apart for a details line. */
export class GzipError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'GzipError';
  }
}

function gzipError(e: unknown): GzipError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/unexpected EOF/i.test(msg)) return new GzipError(TRUNCATED, msg);
  return new GzipError('file is corrupt — its gzip stream cannot be decompressed (the compressed data is damaged)', msg);
}

let crcTables: Uint32Array[] | undefined;

/** Eight lookup tables: the CRC advances 8 bytes per step ("slicing-by-8"), about 4× a byte at a time. */
function tables(): Uint32Array[] {
  if (crcTables) return crcTables;
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k]![n] = (t[k - 1]![n]! >>> 8) ^ t[0]![t[k - 1]![n]! & 0xff]!;
  }
  crcTables = t;
  return t;
}

/** The reflected CRC-32 (polynomial 0xEDB88320) gzip uses, continued from `crc` over `data`. */
export function crc32(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables() as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc;
  let n = 0;
  const fast = data.length - (data.length % 8);
  for (; n < fast; n += 8) {
    const a = c ^ (data[n]! | (data[n + 1]! << 8) | (data[n + 2]! << 16) | (data[n + 3]! << 24));
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[n + 4]!]! ^
      t2[data[n + 5]!]! ^
      t1[data[n + 6]!]! ^
      t0[data[n + 7]!]!;
  }
  for (; n < data.length; n++) c = t0[(c ^ data[n]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export interface GunzipOptions {
  /** Stop with an error once the output would pass this many bytes (default DEFAULT_MAX_INFLATED_BYTES). */
  maxBytes?: number;
  /** The size the caller expects (e.g. from a header already peeked at), to allocate once instead of growing. */
  expectedBytes?: number;
}

const mib = (n: number): string => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`);

/** `buffer`'s first `length` bytes as an exactly-sized buffer, moved rather than copied where the platform can. */
function shrink(out: Uint8Array, length: number): Uint8Array {
  if (out.length === length) return out;
  const buffer = out.buffer as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer };
  if (typeof buffer.transfer === 'function') return new Uint8Array(buffer.transfer(length));
  return out.slice(0, length);
}

/**
 * Gunzips while checking what a gzip file promises: output is written into one buffer sized from the trailer (or
 * the caller's expectation) and grown only when needed, never past `maxBytes`; each member's CRC-32 and length
 * in its trailer are compared with what it inflated to, so damaged voxels are refused instead of opened. A file
 * may hold several members one after another (`cat a.gz b.gz`, pigz, some scanners' exporters): they are read
 * in turn and their data joined, as gzip -d and Python's gzip (nibabel) do. Errors are GzipErrors whose messages
 * are sentences about the file (the caller adds its name); fflate's own words are the detail. A truncated
 * file's "trailer" is whatever bytes happen to be last and may claim gigabytes, so claims no deflate stream of
 * this size can meet are not used to allocate.
 */
export function gunzip(bytes: Uint8Array, options: GunzipOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  // 10-byte header, at least 2 bytes of deflate data, 8-byte trailer.
  if (bytes.length < 20 || !isGzip(bytes)) throw new GzipError(TRUNCATED);
  // The last trailer speaks for the last member only; for a single-member file (the usual case) that is all.
  const lastClaim = readU32(bytes, bytes.length - 4);
  const guess = options.expectedBytes ?? (lastClaim <= bytes.length * MAX_DEFLATE_RATIO ? lastClaim : bytes.length * 4);
  let out = new Uint8Array(Math.max(1024, Math.min(guess, maxBytes)));
  let total = 0;
  let tooBig = false;
  let ended = false;
  // The member being inflated: where it starts in the file and in the output, and the CRC of its output so far.
  let member = { at: 0, from: 0, crc: 0 };
  const checkMember = (end: number): void => {
    if (end - member.at < 20) throw new GzipError(TRUNCATED);
    const claimed = readU32(bytes, end - 4);
    const length = total - member.from;
    if (length % 2 ** 32 !== claimed) {
      throw new GzipError(
        claimed <= (end - member.at) * MAX_DEFLATE_RATIO
          ? `file is damaged — its gzip stream inflates to ${length} bytes but its trailer says ${claimed} (ISIZE)`
          : TRUNCATED,
      );
    }
    if (member.crc !== readU32(bytes, end - 8)) {
      throw new GzipError('file is damaged — its decompressed data fails the gzip checksum (CRC-32), so some bytes changed after it was written');
    }
  };
  const inflater = new Gunzip((chunk, final) => {
    if (final) ended = true;
    if (tooBig) return;
    if (total + chunk.length > maxBytes) {
      tooBig = true;
      return;
    }
    if (total + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(total + chunk.length, out.length * 2)));
      grown.set(out.subarray(0, total));
      out = grown;
    }
    out.set(chunk, total);
    member.crc = crc32(chunk, member.crc);
    total += chunk.length;
  });
  // Called with the file offset of each further member's header, after all of the previous member's data
  // came out: the 8 bytes before it are that member's trailer.
  inflater.onmember = (offset) => {
    if (!tooBig) checkMember(offset);
    member = { at: offset, from: total, crc: 0 };
  };
  const STEP = 1 << 20;
  try {
    for (let at = 0; at < bytes.length && !tooBig; at += STEP) inflater.push(bytes.subarray(at, Math.min(bytes.length, at + STEP)), at + STEP >= bytes.length);
  } catch (e) {
    if (e instanceof GzipError) throw e;
    throw gzipError(e);
  }
  if (tooBig) {
    throw new GzipError(`file inflates to more than ${mib(maxBytes)}, more than one image may take here (is it a 4D series or damaged?)`);
  }
  if (!ended) throw new GzipError(TRUNCATED);
  checkMember(bytes.length);
  return shrink(out, total);
}

/**
 * The first `length` bytes of a gzip stream (fewer if it is shorter), decompressing only as much as needed:
 * enough to read a header and decide the format without inflating a whole volume twice.
 */
export function gunzipPrefix(bytes: Uint8Array, length: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Gunzip((chunk) => {
    chunks.push(chunk);
    total += chunk.length;
  });
  const STEP = 4096;
  try {
    for (let at = 0; at < bytes.length && total < length; at += STEP) {
      stream.push(bytes.subarray(at, at + STEP), at + STEP >= bytes.length);
    }
  } catch (e) {
    // Whatever came out before the damage is still a valid beginning of the file.
    if (total === 0) throw gzipError(e);
  }
  const out = new Uint8Array(Math.min(total, length));
  let at = 0;
  for (const c of chunks) {
    if (at >= out.length) break;
    out.set(c.subarray(0, out.length - at), at);
    at += c.length;
  }
  return out;
}

/** An ArrayBuffer holding exactly these bytes (libraries that take ArrayBuffer ignore views' offsets). */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
