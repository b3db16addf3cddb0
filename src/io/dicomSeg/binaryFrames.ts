/**
 * BINARY segmentation frames at one bit per pixel. DICOM packs the frames back to back with no padding between
 * them (PS3.5 §8.1.1: a frame need not start on a byte boundary), pixel n of the whole run in bit n % 8 of byte
 * n / 8, least significant bit first; only the end is padded to an even length.
 */
export function packBinaryFrames(frames: Uint8Array[], pixelsPerFrame: number): Uint8Array {
  const bits = frames.length * pixelsPerFrame;
  const bytes = Math.ceil(bits / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  let n = 0;
  for (const frame of frames) {
    if (frame.length !== pixelsPerFrame) throw new Error(`a frame has ${frame.length} pixels, expected ${pixelsPerFrame}`);
    for (let p = 0; p < pixelsPerFrame; p++, n++) if (frame[p] !== 0) out[n >> 3]! |= 1 << (n & 7);
  }
  return out;
}

/** Frame `index` (0-based) of packed BINARY pixel data, one byte (0 or 1) per pixel. */
export function unpackBinaryFrame(packed: Uint8Array, index: number, pixelsPerFrame: number): Uint8Array {
  const out = new Uint8Array(pixelsPerFrame);
  const start = index * pixelsPerFrame;
  if (Math.ceil((start + pixelsPerFrame) / 8) > packed.length) throw new Error(`pixel data ends before frame ${index + 1}`);
  for (let p = 0; p < pixelsPerFrame; p++) {
    const n = start + p;
    out[p] = (packed[n >> 3]! >> (n & 7)) & 1;
  }
  return out;
}
