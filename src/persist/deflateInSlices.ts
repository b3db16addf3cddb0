import { Deflate } from 'fflate';

/**
 * Bytes handed to the compressor between checks of the clock. At level 1 a piece this size deflates in a few
 * milliseconds, so a 4 MB label chunk no longer blocks the page as one task of 100–200 ms while training.
 */
const PIECE_BYTES = 256 * 1024;

/**
 * Deflates `bytes` (raw DEFLATE, level 1, readable by `inflateSync`) in pieces, awaiting `pause` whenever more
 * than `sliceMs` of work has run since the last pause, so compaction shares the main thread with input and drawing.
 */
export async function deflateInSlices(
  bytes: Uint8Array,
  pause: () => Promise<void>,
  sliceMs: number,
  now: () => number = () => performance.now(),
): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  const stream = new Deflate({ level: 1 }, (data) => {
    out.push(data);
  });
  let sliceStart = now();
  for (let at = 0; at < bytes.length || at === 0; at += PIECE_BYTES) {
    const end = Math.min(bytes.length, at + PIECE_BYTES);
    stream.push(bytes.subarray(at, end), end >= bytes.length);
    if (end >= bytes.length) break;
    if (now() - sliceStart > sliceMs) {
      await pause();
      sliceStart = now();
    }
  }
  if (out.length === 1) return out[0]!;
  const total = out.reduce((n, d) => n + d.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const d of out) {
    joined.set(d, offset);
    offset += d.length;
  }
  return joined;
}
