/**
 * The most pixels one 2D image may have: 2²⁸ (16384 × 16384). Larger PNG/JPEG files are not slides a browser
 * tab can label, and a header that claims more is far more often damaged than real: decoding a 2³¹−1 × 1 header
 * costs seconds and gigabytes before it fails.
 */
export const MAX_IMAGE_PIXELS = 2 ** 28;

/** Width and height as the header states them, or null where the header cannot be found (the decoder says why). */
export interface HeaderSize {
  width: number;
  height: number;
  field: string;
}

/** PNG: IHDR is the first chunk, width and height big-endian at bytes 16 and 20. */
function pngSize(bytes: Uint8Array): HeaderSize | null {
  if (bytes.length < 24) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20), field: 'IHDR width/height' };
}

/** JPEG: the frame header (SOF0–SOF15, not DHT/JPG/DAC) holds height then width after the sample precision. */
function jpegSize(bytes: Uint8Array): HeaderSize | null {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[at + 5]! << 8) | bytes[at + 6]!, width: (bytes[at + 7]! << 8) | bytes[at + 8]!, field: 'frame header (SOF) width/height' };
    }
    if (marker === 0xda || length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/**
 * Refuses an image whose header states a zero or absurd size before any decoder allocates for it. Returns the
 * sentence to throw (without the file name), or null when the size is fine or not found.
 */
export function imageSizeProblem(bytes: Uint8Array, kind: 'png' | 'jpeg'): string | null {
  const size = kind === 'png' ? pngSize(bytes) : jpegSize(bytes);
  if (!size) return null;
  const { width, height, field } = size;
  if (width === 0 || height === 0) return `its ${field} gives a size of ${width}×${height}; an image needs at least one pixel each way (is the file damaged?)`;
  if (width * height > MAX_IMAGE_PIXELS) {
    return `its ${field} gives ${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS / 2 ** 20} megapixels one image may have here (is the file damaged?)`;
  }
  return null;
}
