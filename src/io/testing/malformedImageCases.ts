/**
 * The TIFF and JPEG cases of the malformed-input corpus (malformedCorpus.ts): made from a synthetic picture, so
 * they need no shared data.
 */
import { positions } from './flipPositions.ts';

/** A seeded 64×48 RGB picture with edges and gradients, so compressed streams have real content to damage. */
function syntheticRgb(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = 3 * (y * width + x);
      rgb[at] = (x * 4) & 255;
      rgb[at + 1] = (y * 5) & 255;
      rgb[at + 2] = (x + y) % 16 < 8 ? 220 : 30;
    }
  }
  return rgb;
}

/** Offset of each IFD entry of the first TIFF directory, by tag; little- or big-endian. */
function tiffEntries(tiff: Uint8Array): { little: boolean; entries: Map<number, number> } {
  const v = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const little = tiff[0] === 0x49;
  const ifd = v.getUint32(4, little);
  const count = v.getUint16(ifd, little);
  const entries = new Map<number, number>();
  for (let n = 0; n < count; n++) entries.set(v.getUint16(ifd + 2 + 12 * n, little), ifd + 2 + 12 * n);
  return { little, entries };
}

/** The first TIFF directory's entry for `tag` set to one value of its own type (SHORT or LONG), in a copy. */
function setTiffValue(tiff: Uint8Array, tag: number, value: number): Uint8Array | null {
  const { little, entries } = tiffEntries(tiff);
  const at = entries.get(tag);
  if (at === undefined) return null;
  const out = tiff.slice();
  const v = new DataView(out.buffer);
  const type = v.getUint16(at + 2, little);
  const count = v.getUint32(at + 4, little);
  // Only values stored in the entry itself are rewritten; a value elsewhere (several strips) is left to the flips.
  if (type === 3 && count <= 2) v.setUint16(at + 8, Math.min(value, 0xffff), little);
  else if (type === 4 && count === 1) v.setUint32(at + 8, value >>> 0, little);
  else return null;
  return out;
}

/** Offsets of a JPEG's SOF0/SOF2 height and width fields. */
function jpegSizeField(jpeg: Uint8Array): number | null {
  for (let at = 2; at + 9 <= jpeg.length; ) {
    if (jpeg[at] !== 0xff) return null;
    const marker = jpeg[at + 1]!;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) return at + 5;
    at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
  }
  return null;
}

/**
 * TIFF and JPEG cases made from a synthetic picture (sharp writes them, so no data file is needed): absurd and
 * zero sizes in the header, truncations, bit flips in the header and directory, lying strip offsets and counts.
 * Each must open as a sane picture or end in a named error.
 */
export async function makeTiffJpegCases(): Promise<{ id: string; group: string; files: Record<string, Uint8Array> }[]> {
  const { default: sharp } = await import('sharp');
  const [width, height] = [64, 48];
  const raw = { raw: { width, height, channels: 3 as const } };
  const picture = syntheticRgb(width, height);
  const jpeg = new Uint8Array(await sharp(picture, raw).jpeg({ quality: 90 }).toBuffer());
  const tiffs: [string, Uint8Array][] = [
    ['none', new Uint8Array(await sharp(picture, raw).tiff({ compression: 'none' }).toBuffer())],
    ['lzw', new Uint8Array(await sharp(picture, raw).tiff({ compression: 'lzw' }).toBuffer())],
    ['deflate', new Uint8Array(await sharp(picture, raw).tiff({ compression: 'deflate' }).toBuffer())],
  ];
  const cases: { id: string; group: string; files: Record<string, Uint8Array> }[] = [];
  const add = (id: string, group: string, name: string, bytes: Uint8Array): void => void cases.push({ id, group, files: { [name]: bytes } });

  // JPEG: sizes in the frame header, truncations, flips in the headers (tables and frame) and in the scan.
  const size = jpegSizeField(jpeg);
  if (size !== null) {
    for (const [h, w] of [
      [0, 64],
      [48, 0],
      [65535, 65535],
      [49, 64],
      [48, 65],
      [1, 1],
    ] as const) {
      const b = jpeg.slice();
      b.set([h >> 8, h & 255, w >> 8, w & 255], size);
      add(`jpeg-size-${w}x${h}`, 'jpeg', 'image.jpg', b);
    }
  }
  for (const fraction of [0.001, 0.05, 0.3, 0.7, 0.99])
    add(`jpeg-cut-${fraction}`, 'truncation', 'image.jpg', jpeg.subarray(0, Math.floor(jpeg.length * fraction)));
  const jflips = positions(13, Math.min(jpeg.length - 4, 700));
  for (let n = 0; n < 20; n++) {
    const bad = jpeg.slice();
    const at = 2 + jflips.next().value!;
    bad[at]! ^= 1 << (n % 8);
    add(`jpeg-flip-${n}-at-${at}`, 'jpeg bit flip', 'image.jpg', bad);
  }

  // TIFF: every size and layout field set to hostile values, per compression; truncations; directory flips.
  const fields: [string, number, number[]][] = [
    ['ImageWidth', 256, [0, 1, 65, 65535, 2 ** 31 - 1]],
    ['ImageLength', 257, [0, 47, 65535, 2 ** 31 - 1]],
    ['BitsPerSample', 258, [0, 1, 12, 64]],
    ['Compression', 259, [0, 2, 6, 99]],
    ['SamplesPerPixel', 277, [0, 2, 200]],
    ['RowsPerStrip', 278, [0, 1]],
    ['StripOffsets', 273, [0, 2 ** 31]],
    ['StripByteCounts', 279, [0, 1, 2 ** 31]],
    ['PlanarConfiguration', 284, [2, 7]],
  ];
  for (const [compression, tiff] of tiffs) {
    for (const [name, tag, values] of fields) {
      for (const value of values) {
        const b = setTiffValue(tiff, tag, value);
        if (b) add(`tiff-${compression}-${name}-${value}`, 'tiff field', 'image.tif', b);
      }
    }
    for (const fraction of [0.002, 0.1, 0.5, 0.9, 0.999])
      add(`tiff-${compression}-cut-${fraction}`, 'truncation', 'image.tif', tiff.subarray(0, Math.floor(tiff.length * fraction)));
  }
  const [, plain] = tiffs[1]!;
  const ifdAt = new DataView(plain.buffer, plain.byteOffset).getUint32(4, plain[0] === 0x49);
  const tflips = positions(17, 8 + 12 * 16);
  for (let n = 0; n < 20; n++) {
    const bad = plain.slice();
    const at = Math.min(plain.length - 1, n < 4 ? n + 2 : ifdAt + tflips.next().value!);
    bad[at]! ^= 1 << (n % 8);
    add(`tiff-flip-${n}-at-${at}`, 'tiff bit flip', 'image.tif', bad);
  }
  return cases;
}

// dicom-parser finds the element; the corpus then rewrites its value in place (same length, padded) so the rest
// of the file stays as it was.
