import { gunzipSync } from 'fflate';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** Gunzips, turning fflate's terse errors into words about the file. */
export function gunzip(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    if (/unexpected EOF|end of|invalid length|truncat/i.test(msg)) {
      throw new Error('file is truncated — its gzip stream ends early (an incomplete download or copy?)');
    }
    throw new Error(`file is corrupt — its gzip stream cannot be decompressed (${msg})`);
  }
}

/** An ArrayBuffer holding exactly these bytes (libraries that take ArrayBuffer ignore views' offsets). */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
