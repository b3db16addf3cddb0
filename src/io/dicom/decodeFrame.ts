import { decodeImageFrame } from '@cornerstonejs/dicom-image-loader';
import dicomParser from 'dicom-parser';
import { dicomCodecConfig } from './codecs.ts';
import { fileError } from '../problems.ts';
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
  // Native data: frames follow each other, each rows × columns × samples × bitsAllocated/8 bytes.
  const frameSize = (info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8;
  const start = el.dataOffset + frame * frameSize;
  if (start + frameSize > ds.byteArray.length) {
    const present = Math.max(0, ds.byteArray.length - el.dataOffset);
    const needed = frameSize * info.numberOfFrames;
    throw new Error(`file is truncated — its pixel data should hold ${needed} bytes (${info.numberOfFrames} frame${info.numberOfFrames > 1 ? 's' : ''} of ${info.columns}×${info.rows}), only ${present} are present`);
  }
  return ds.byteArray.slice(start, start + frameSize);
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

function ybrFullToRgb(src: StoredPixels): Uint8Array {
  const out = new Uint8Array(src.length);
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let n = 0; n < src.length; n += 3) {
    const y = src[n]!;
    const cb = src[n + 1]! - 128;
    const cr = src[n + 2]! - 128;
    out[n] = clamp(y + 1.402 * cr);
    out[n + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[n + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

/**
 * Decodes one frame with cornerstone's DICOM decoders (the same codecs its loader runs) and returns stored
 * values: grey as one value per pixel, colour as interleaved RGB. Rescale is applied by the caller.
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
  const bytes = frameBytes(info, frame);
  let decoded: { pixelData: StoredPixels };
  try {
    decoded = await decodeImageFrame(imageFrame, info.transferSyntax, bytes, dicomCodecConfig(), { preScale: { enabled: false } }, undefined);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/no decoder|unknown transfer syntax|not supported/i.test(msg)) {
      throw new Error(`its compression (transfer syntax ${info.transferSyntax}) cannot be decoded here`);
    }
    throw new Error(`its pixel data cannot be decoded (${msg})`);
  }
  const pixels = info.rows * info.columns;
  const values = decoded.pixelData;
  if (values.length < pixels * info.samplesPerPixel) {
    throw new Error(`its pixel data is damaged or truncated: it decodes to ${values.length} values, the image needs ${pixels * info.samplesPerPixel}`);
  }
  if (info.samplesPerPixel === 1) return { values: values.subarray(0, pixels) as StoredPixels, channels: 1 };
  if (info.samplesPerPixel !== 3) throw new Error(`${info.samplesPerPixel} samples per pixel is not supported`);
  let rgb: StoredPixels = values.subarray(0, 3 * pixels) as StoredPixels;
  if (!COMPRESSED_COLOUR_TO_RGB.has(info.transferSyntax)) {
    if (info.planarConfiguration === 1) rgb = deplanarize(rgb, pixels);
    if (photometric === 'YBR_FULL') rgb = ybrFullToRgb(rgb);
    else if (photometric !== 'RGB') throw new Error(`colour model ${photometric} is not supported uncompressed`);
  }
  return { values: rgb instanceof Uint8Array ? rgb : Uint8Array.from(rgb as ArrayLike<number>, (v) => Math.max(0, Math.min(255, v))), channels: 3 };
}
