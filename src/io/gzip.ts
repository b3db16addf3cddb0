import { Gunzip, gunzipSync } from 'fflate';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** Deflate never expands more than about 1032:1, so a trailer claiming more than that is not to be trusted. */
const MAX_DEFLATE_RATIO = 1032;

/** ISIZE: the uncompressed length (mod 2³²) the gzip trailer claims in its last four bytes. */
function trailerSize(bytes: Uint8Array): number {
  const n = bytes.length;
  return ((bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16)) >>> 0) + bytes[n - 1]! * 0x1000000;
}

const TRUNCATED = 'file is truncated — its gzip stream ends early (an incomplete download or copy?)';

function gzipError(e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (/unexpected EOF/i.test(msg)) return new Error(TRUNCATED);
  return new Error(`file is corrupt — its gzip stream cannot be decompressed (${msg})`);
}

/**
 * Gunzips, turning fflate's terse errors into words about the file. fflate sizes its output from the
 * trailer's length field and reports a stream that stops early; a truncated file's "trailer" is whatever
 * bytes happen to be last and may claim gigabytes, so a claim no deflate stream of this size can meet is
 * reported as truncation before anything is allocated. (fflate's streaming Gunzip was no way out: it can
 * end a cut stream without an error.)
 */
export function gunzip(bytes: Uint8Array): Uint8Array {
  // 10-byte header, at least 2 bytes of deflate data, 8-byte trailer.
  if (bytes.length < 20) throw new Error(TRUNCATED);
  if (trailerSize(bytes) > bytes.length * MAX_DEFLATE_RATIO) throw new Error(TRUNCATED);
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw gzipError(e);
  }
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
