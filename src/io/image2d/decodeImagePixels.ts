import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { imageSizeProblem, MAX_IMAGE_PIXELS } from './checkImageSize.ts';
import { decodeTiffPixels } from './decodeTiffPixels.ts';

/** The 2D image formats read pixel for pixel: PNG and JPEG decode at once, TIFF through geotiff's async API. */
export type Image2DFormat = 'png' | 'jpeg' | 'tiff';

/** Decoded pixels, rows top to bottom, channels interleaved. */
export interface ImagePixels {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB); alpha is dropped because it carries no anatomy. */
  channels: 1 | 3;
  data: Uint8Array | Uint16Array;
}

/** Greyscale PNGs of 1, 2 or 4 bits come packed, each row padded to a whole byte; one value per pixel here. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)]!;
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function dropAlpha(data: Uint8Array | Uint16Array, pixels: number, inChannels: number): { channels: 1 | 3; data: Uint8Array | Uint16Array } {
  const channels: 1 | 3 = inChannels >= 3 ? 3 : 1;
  if (inChannels === channels) return { channels, data };
  const out = data instanceof Uint16Array ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = data[p * inChannels + c]!;
  return { channels, data: out };
}

function decodePngPixels(bytes: Uint8Array): ImagePixels {
  const sizeProblem = imageSizeProblem(bytes, 'png');
  if (sizeProblem) throw new Error(sizeProblem);
  let png;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new Error(`the PNG cannot be decoded (${(e as Error).message}); the file may be truncated or damaged`);
  }
  const { width, height } = png;
  let data = png.data as Uint8Array | Uint16Array;
  let inChannels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png) as Uint8Array;
    inChannels = png.palette[0]?.length ?? 3;
  } else if (png.depth < 8) {
    data = unpackBits(data as Uint8Array, width, height, png.depth);
  }
  if (data.length < width * height * inChannels) {
    throw new Error(`the PNG is truncated — it holds ${data.length} of ${width * height * inChannels} values`);
  }
  return { width, height, ...dropAlpha(data, width * height, inChannels) };
}

function decodeJpegPixels(bytes: Uint8Array): ImagePixels {
  const sizeProblem = imageSizeProblem(bytes, 'jpeg');
  if (sizeProblem) throw new Error(sizeProblem);
  let img;
  try {
    // jpeg-js's own limits as a second line behind the header check (it also refuses what it cannot place).
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
  } catch (e) {
    throw new Error(`the JPEG cannot be decoded (${(e as Error).message}); the file may be truncated or damaged`);
  }
  const pixels = img.width * img.height;
  const channels = img.data.length / pixels;
  if (channels !== 1 && channels !== 3) throw new Error(`JPEG with ${channels} colour channels (CMYK?) is not supported`);
  return { width: img.width, height: img.height, channels, data: img.data };
}

/** RGB whose channels agree everywhere is grey: one channel takes a third of the memory and windows like an MR. */
function collapseGrey(p: ImagePixels): ImagePixels {
  if (p.channels !== 3) return p;
  const d = p.data;
  for (let n = 0; n < d.length; n += 3) if (d[n] !== d[n + 1] || d[n] !== d[n + 2]) return p;
  const grey = d instanceof Uint16Array ? new Uint16Array(d.length / 3) : new Uint8Array(d.length / 3);
  for (let n = 0; n < grey.length; n++) grey[n] = d[3 * n]!;
  return { ...p, channels: 1, data: grey };
}

/**
 * PNG (1–16 bits; grey, grey+alpha, RGB, RGBA, palette) or JPEG pixels with alpha dropped and colour that is
 * really grey made grey. Throws an Error (without the file name; callers add it) when the bytes do not decode.
 */
export function decodeImagePixels(bytes: Uint8Array, kind: 'png' | 'jpeg'): ImagePixels {
  return collapseGrey(kind === 'png' ? decodePngPixels(bytes) : decodeJpegPixels(bytes));
}

/** Any 2D image format, TIFF included (RGB or grey, 1–16 bits; see decodeTiffPixels), treated as PNG and JPEG are. */
export async function decodeImage2DPixels(bytes: Uint8Array, kind: Image2DFormat): Promise<ImagePixels> {
  return kind === 'tiff' ? collapseGrey(await decodeTiffPixels(bytes)) : decodeImagePixels(bytes, kind);
}
