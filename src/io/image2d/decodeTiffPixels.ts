import { fromArrayBuffer, type GeoTIFFImage } from 'geotiff';
import type { ImagePixels } from './decodeImagePixels.ts';

/**
 * Beyond this a TIFF is a whole-slide image, not a tile: decoding it whole would take gigabytes. Tiles of
 * pathology datasets (MoNuSeg 1000², PanNuke 256², Lizard ~1000²) are far below it.
 */
const MAX_PIXELS = 20_000 * 20_000;

// TIFF 6.0 PhotometricInterpretation values.
const WHITE_IS_ZERO = 0;
const BLACK_IS_ZERO = 1;
const RGB = 2;

/**
 * Compressions geotiff does not decode, by TIFF Compression tag, named so the message says what to re-save:
 * CCITT fax (1-bit scans and some masks) and the JPEG 2000 of Aperio whole-slide files.
 */
const UNDECODED_COMPRESSIONS: Record<number, string> = {
  2: 'CCITT modified Huffman',
  3: 'CCITT Group 3 fax',
  4: 'CCITT Group 4 fax',
  33003: 'Aperio JPEG 2000',
  33005: 'Aperio JPEG 2000',
  34712: 'JPEG 2000',
};

/** geotiff wants an ArrayBuffer of exactly the file; a Uint8Array may be a view into a larger one. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

function sampleKind(image: GeoTIFFImage, samples: number): { bits: number; format: number } {
  const bits = image.getBitsPerSample(0);
  const format = image.getSampleFormat(0);
  for (let s = 1; s < samples; s++) {
    if (image.getBitsPerSample(s) !== bits || image.getSampleFormat(s) !== format)
      throw new Error('its samples differ in bit depth or type, which is not supported');
  }
  return { bits, format };
}

/** Why a TIFF of this kind is not opened, in words that say what to save instead. */
function unsupportedSamples(bits: number, format: number): string | null {
  if (format === 3) return `holds ${bits}-bit floating-point pixels; save it as an 8- or 16-bit integer TIFF or PNG`;
  if (format === 2) return `holds signed ${bits}-bit pixels; save it as unsigned 8- or 16-bit TIFF or PNG`;
  if (bits > 16) return `holds ${bits}-bit pixels; save it as 8- or 16-bit TIFF or PNG`;
  return null;
}

/**
 * The first image of a TIFF (the full-resolution page of a pyramid) as grey or RGB pixels, 8 or 16 bits:
 * uncompressed, LZW, Deflate, PackBits or JPEG, striped or tiled, with or without a predictor, as geotiff
 * decodes them. Alpha and other extra samples are dropped; palette, YCbCr and CMYK become RGB; WhiteIsZero is
 * inverted so that bright means more signal, as in every other format. Throws an Error without the file name
 * (callers add it) when the bytes do not decode.
 */
export async function decodeTiffPixels(bytes: Uint8Array): Promise<ImagePixels> {
  let image: GeoTIFFImage;
  try {
    const tiff = await fromArrayBuffer(ownBuffer(bytes));
    image = await tiff.getImage(0);
  } catch (e) {
    throw new Error(`the TIFF cannot be read (${(e as Error).message}); the file may be truncated or damaged`);
  }
  const width = image.getWidth();
  const height = image.getHeight();
  if (!(width > 0 && height > 0)) throw new Error(`the TIFF says its image is ${width}×${height} pixels; the file may be damaged`);
  if (width * height > MAX_PIXELS)
    throw new Error(`the TIFF image is ${width}×${height} pixels, too large to open whole; cut it into tiles (e.g. 1000×1000) and open those`);
  const samples = image.getSamplesPerPixel();
  const photometric = image.fileDirectory.getValue('PhotometricInterpretation') as number | undefined;
  const { bits, format } = sampleKind(image, samples);
  const refused = unsupportedSamples(bits, format);
  if (refused) throw new Error(refused);
  const compression = image.fileDirectory.getValue('Compression') as number | undefined;
  const undecoded = compression === undefined ? undefined : UNDECODED_COMPRESSIONS[compression];
  if (undecoded) throw new Error(`uses ${undecoded} compression, which cannot be decoded here; save it with LZW, Deflate or no compression`);

  let data: Uint8Array | Uint16Array;
  let channels: 1 | 3;
  try {
    if (photometric === WHITE_IS_ZERO || photometric === BLACK_IS_ZERO || (photometric === undefined && samples < 3)) {
      channels = 1;
      data = (await image.readRasters({ samples: [0], interleave: true })) as unknown as Uint8Array | Uint16Array;
      if (photometric === WHITE_IS_ZERO) {
        const max = bits >= 16 ? 0xffff : (1 << bits) - 1;
        for (let n = 0; n < data.length; n++) data[n] = max - data[n]!;
      }
    } else if (photometric === RGB || (photometric === undefined && samples >= 3)) {
      channels = 3;
      data = (await image.readRasters({ samples: [0, 1, 2], interleave: true })) as unknown as Uint8Array | Uint16Array;
    } else {
      // Palette, YCbCr, CMYK, CIELab: geotiff's own conversion to 8-bit RGB.
      channels = 3;
      data = (await image.readRGB({ interleave: true, enableAlpha: false })) as unknown as Uint8Array;
    }
  } catch (e) {
    throw new Error(`the TIFF's pixels cannot be decoded (${(e as Error).message}); the file may be truncated or damaged`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint16Array)) throw new Error(`holds ${bits}-bit pixels that do not decode to 8 or 16 bits`);
  if (data.length < width * height * channels) throw new Error(`the TIFF is truncated — it holds ${data.length} of ${width * height * channels} values`);
  // geotiff hangs width/height onto the array it returns; a plain view of the same memory is what Volumes hold.
  // Below 8 bits (1-bit masks, 4-bit grey) it gives one value per pixel already.
  const plain =
    data instanceof Uint16Array
      ? new Uint16Array(data.buffer, data.byteOffset, width * height * channels)
      : new Uint8Array(data.buffer, data.byteOffset, width * height * channels);
  return { width, height, channels, data: plain };
}
