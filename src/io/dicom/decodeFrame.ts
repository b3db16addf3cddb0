import { decodeImageFrame } from '@cornerstonejs/dicom-image-loader';
import dicomParser from 'dicom-parser';
import { dicomCodecConfig } from './codecs.ts';
import { fileError } from '../problems.ts';
import { nativeFrameBytes } from './checkDicomFields.ts';
import { checkJpeg2000Stream, isJpeg2000 } from './checkJpeg2000.ts';
import { markJpegComponentsRgb } from './markJpegComponentsRgb.ts';
import type { DicomFileInfo } from './parseDicomFile.ts';

export type StoredPixels = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;

/** Transfer syntaxes whose decoders already return interleaved RGB for colour images. */
const COMPRESSED_COLOUR_TO_RGB = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
]);

/**
 * The compressed or native bytes of one frame, copied so decoders get an aligned buffer of their own.
 * Encapsulated frames are found by the basic offset table when there is one; without it, one fragment per
 * frame is the common layout, a single frame owns all fragments, and only JPEG can be split by its markers.
 */
function frameBytes(info: DicomFileInfo, frame: number): Uint8Array {
  const ds = info.dataSet;
  const el = ds.elements['x7fe00010']!;
  if (el.encapsulatedPixelData) {
    const fragments = el.fragments ?? [];
    if (fragments.length === 0) throw new Error('its compressed pixel data holds no fragments');
    if (el.basicOffsetTable && el.basicOffsetTable.length > 0) return dicomParser.readEncapsulatedImageFrame(ds, el, frame);
    if (info.numberOfFrames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
    if (fragments.length === info.numberOfFrames) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1);
    const table = dicomParser.createJPEGBasicOffsetTable(ds, el);
    return dicomParser.readEncapsulatedImageFrame(ds, el, frame, table);
  }
  if (info.bitsAllocated === 1) throw new Error('1-bit pixel data is not supported');
  // Native data: frames follow each other, each rows × columns × samples × bitsAllocated/8 bytes (the length
  // of the whole element was checked against this when the header was read).
  const frameSize = nativeFrameBytes(info);
  const start = el.dataOffset + frame * frameSize;
  if (start + frameSize > ds.byteArray.length) {
    const present = Math.max(0, ds.byteArray.length - el.dataOffset);
    const needed = frameSize * info.numberOfFrames;
    throw new Error(
      `file is truncated — its pixel data should hold ${needed} bytes (${info.numberOfFrames} frame${info.numberOfFrames > 1 ? 's' : ''} of ${info.columns}×${info.rows}), only ${present} are present`,
    );
  }
  return ds.byteArray.slice(start, start + frameSize);
}

const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/** Reverses the bytes of each 4-byte word in place. */
function swapWords32(bytes: Uint8Array): void {
  for (let at = 0; at + 4 <= bytes.length; at += 4) {
    const [a, b, c, d] = [bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!];
    bytes[at] = d;
    bytes[at + 1] = c;
    bytes[at + 2] = b;
    bytes[at + 3] = a;
  }
}

function deplanarize<T extends StoredPixels>(src: T, pixels: number): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  for (let p = 0; p < pixels; p++) {
    out[3 * p] = src[p]!;
    out[3 * p + 1] = src[pixels + p]!;
    out[3 * p + 2] = src[2 * pixels + p]!;
  }
  return out;
}

/**
 * Uncompressed YBR_FULL_422: each pair of pixels is stored as Y1 Y2 Cb Cr (two samples per pixel, 8 bits), so it
 * is widened to full YCbCr before conversion. Decoders pass it through untouched.
 */
function ybr422ToYbrFull(src: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let p = 0, at = 0; p < pixels; p += 2, at += 4) {
    const [y1, y2, cb, cr] = [src[at]!, src[at + 1]!, src[at + 2]!, src[at + 3]!];
    out.set([y1, cb, cr], 3 * p);
    if (p + 1 < pixels) out.set([y2, cb, cr], 3 * p + 3);
  }
  return out;
}

/**
 * JPEG 2000 keeps its own signedness flag, and encoders disagree with the DICOM header: PixelRepresentation
 * (0028,0103) is what the modality meant, so stored values are re-read with its sign at BitsStored bits (−2000
 * showed as 63536 before).
 */
export function withDicomSignedness(values: StoredPixels, info: DicomFileInfo): StoredPixels {
  const bits = Math.min(info.bitsStored, values instanceof Uint8Array || values instanceof Int8Array ? 8 : 16);
  const range = 2 ** bits;
  if (info.pixelRepresentation === 1 && (values instanceof Uint16Array || values instanceof Uint8Array)) {
    const out = values instanceof Uint8Array ? new Int8Array(values.length) : new Int16Array(values.length);
    for (let n = 0; n < values.length; n++) {
      const v = values[n]! & (range - 1);
      out[n] = v >= range / 2 ? v - range : v;
    }
    return out;
  }
  if (info.pixelRepresentation === 0 && (values instanceof Int16Array || values instanceof Int8Array)) {
    const out = values instanceof Int8Array ? new Uint8Array(values.length) : new Uint16Array(values.length);
    for (let n = 0; n < values.length; n++) out[n] = values[n]! < 0 ? values[n]! + range : values[n]!;
    return out;
  }
  return values;
}

/**
 * Colour samples as a colour volume holds them: 8-bit samples as bytes, deeper ones as 16-bit values kept as
 * stored (a 16-bit RGB microscope or dose image keeps its range, as pydicom reads it). RGB samples are unsigned
 * by definition, so a decoder's signed view is read back as unsigned; samples deeper than 16 bits, which no
 * colour volume can hold, keep their top 16 bits.
 */
export function toColourSamples(rgb: StoredPixels, bitsAllocated: number, bitsStored: number): Uint8Array | Uint16Array {
  if (rgb instanceof Uint8Array) return rgb;
  if (rgb instanceof Int8Array) return new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length);
  if (rgb instanceof Uint16Array) return rgb;
  if (rgb instanceof Int16Array) return new Uint16Array(rgb.buffer, rgb.byteOffset, rgb.length);
  const shift = Math.max(0, bitsStored - 16);
  if (bitsAllocated <= 8) return Uint8Array.from(rgb as ArrayLike<number>, (v) => Math.max(0, Math.min(255, v)));
  return Uint16Array.from(rgb as ArrayLike<number>, (v) => Math.max(0, Math.min(65535, Math.floor(v / 2 ** shift))));
}

/**
 * Full-range YCbCr (ITU-R BT.601, as DICOM's YBR_FULL) to RGB at the samples' own depth: chroma is centred on
 * half the range, so 16-bit samples convert about 32768, not 128.
 */
function ybrFullToRgb(src: StoredPixels, bits: number): Uint8Array | Uint16Array {
  const top = 2 ** Math.min(16, Math.max(8, bits)) - 1;
  const half = (top + 1) / 2;
  const out = top > 255 ? new Uint16Array(src.length) : new Uint8Array(src.length);
  const clamp = (v: number): number => (v < 0 ? 0 : v > top ? top : Math.round(v));
  for (let n = 0; n < src.length; n += 3) {
    const y = src[n]!;
    const cb = src[n + 1]! - half;
    const cr = src[n + 2]! - half;
    out[n] = clamp(y + 1.402 * cr);
    out[n + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[n + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

/**
 * Decodes one frame with cornerstone's DICOM decoders (the same codecs its loader runs) and returns stored
 * values: grey as one value per pixel, colour as interleaved RGB (8- or 16-bit, as stored). Rescale is applied by
 * the caller.
 */
export async function decodeFrame(info: DicomFileInfo, frame: number): Promise<{ values: StoredPixels; channels: 1 | 3 }> {
  try {
    return await decodeFrameOrThrow(info, frame);
  } catch (e) {
    throw fileError(info.fileName, (e as Error).message);
  }
}

async function decodeFrameOrThrow(info: DicomFileInfo, frame: number): Promise<{ values: StoredPixels; channels: 1 | 3 }> {
  const photometric = info.photometricInterpretation;
  if (photometric === 'PALETTE COLOR') throw new Error('palette-colour images are not supported');
  const imageFrame = {
    samplesPerPixel: info.samplesPerPixel,
    photometricInterpretation: photometric,
    planarConfiguration: info.planarConfiguration,
    rows: info.rows,
    columns: info.columns,
    bitsAllocated: info.bitsAllocated,
    bitsStored: info.bitsStored,
    pixelRepresentation: info.pixelRepresentation,
  };
  const stored = frameBytes(info, frame);
  const baselineJpeg = info.transferSyntax === '1.2.840.10008.1.2.4.50' || info.transferSyntax === '1.2.840.10008.1.2.4.51';
  const bytes = baselineJpeg && photometric === 'RGB' && info.samplesPerPixel === 3 ? markJpegComponentsRgb(stored) : stored;
  // Checked before decoding: openjpeg decodes a cut or damaged codestream to plausible garbage without a word.
  if (isJpeg2000(info.transferSyntax)) checkJpeg2000Stream(bytes, info);
  const native = !info.dataSet.elements['x7fe00010']!.encapsulatedPixelData;
  if (native && photometric === 'YBR_FULL_422') {
    if (info.bitsAllocated !== 8) throw new Error(`YBR_FULL_422 with ${info.bitsAllocated}-bit samples is not supported`);
    return { values: ybrFullToRgb(ybr422ToYbrFull(bytes, info.rows * info.columns), 8), channels: 3 };
  }
  // cornerstone's big-endian decoder swaps 8- and 16-bit samples only and returns no pixels for 32-bit ones, so
  // those are swapped here and read as the little-endian values they then are.
  let syntax = info.transferSyntax;
  if (native && syntax === BIG_ENDIAN && info.bitsAllocated === 32) {
    swapWords32(bytes);
    syntax = '1.2.840.10008.1.2.1';
  }
  let decoded: { pixelData: StoredPixels };
  try {
    decoded = await decodeImageFrame(imageFrame, syntax, bytes, dicomCodecConfig(), { preScale: { enabled: false } }, undefined);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/no decoder|unknown transfer syntax|not supported/i.test(msg)) {
      throw new Error(`its compression (transfer syntax ${info.transferSyntax}) cannot be decoded here`);
    }
    throw new Error(`its pixel data cannot be decoded (${msg})`);
  }
  const pixels = info.rows * info.columns;
  const values = isJpeg2000(info.transferSyntax) ? withDicomSignedness(decoded.pixelData, info) : decoded.pixelData;
  if (values.length < pixels * info.samplesPerPixel) {
    throw new Error(`its pixel data is damaged or truncated: it decodes to ${values.length} values, the image needs ${pixels * info.samplesPerPixel}`);
  }
  if (info.samplesPerPixel === 1) return { values: values.subarray(0, pixels) as StoredPixels, channels: 1 };
  if (info.samplesPerPixel !== 3) throw new Error(`${info.samplesPerPixel} samples per pixel is not supported`);
  let rgb: StoredPixels = values.subarray(0, 3 * pixels) as StoredPixels;
  if (!COMPRESSED_COLOUR_TO_RGB.has(info.transferSyntax)) {
    if (info.planarConfiguration === 1) rgb = deplanarize(rgb, pixels);
    if (photometric === 'YBR_FULL') rgb = ybrFullToRgb(rgb, info.bitsStored);
    else if (photometric !== 'RGB') throw new Error(`colour model ${photometric} is not supported uncompressed`);
  }
  return { values: toColourSamples(rgb, info.bitsAllocated, info.bitsStored), channels: 3 };
}
