import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { IDENTITY } from '../../volume/geometry.ts';
import type { Volume, VoxelData } from '../../volume/Volume.ts';

interface Pixels {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB), interleaved. */
  channels: 1 | 3;
  data: Uint8Array | Uint16Array;
}

function decodePngPixels(bytes: Uint8Array): Pixels {
  let png;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new Error(`PNG cannot be decoded (${(e as Error).message}); the file may be truncated`);
  }
  let data: Uint8Array | Uint16Array = png.data as Uint8Array | Uint16Array;
  let inChannels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png) as Uint8Array;
    inChannels = png.palette[0]?.length ?? 3;
  }
  const pixels = png.width * png.height;
  // Alpha carries no anatomy; grey+alpha keeps grey, RGBA keeps RGB.
  const outChannels: 1 | 3 = inChannels >= 3 ? 3 : 1;
  if (inChannels === outChannels) return { width: png.width, height: png.height, channels: outChannels, data };
  const Ctor = data instanceof Uint16Array ? Uint16Array : Uint8Array;
  const out = new Ctor(pixels * outChannels);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < outChannels; c++) out[p * outChannels + c] = data[p * inChannels + c]!;
  return { width: png.width, height: png.height, channels: outChannels, data: out };
}

function decodeJpegPixels(bytes: Uint8Array): Pixels {
  let img;
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new Error(`JPEG cannot be decoded (${(e as Error).message}); the file may be truncated`);
  }
  const pixels = img.width * img.height;
  const channels = img.data.length / pixels;
  if (channels === 3) return { width: img.width, height: img.height, channels: 3, data: img.data };
  if (channels === 1) return { width: img.width, height: img.height, channels: 1, data: img.data };
  throw new Error(`JPEG with ${channels} channels is not supported`);
}

/** RGB whose channels agree everywhere is grey: one channel saves memory and windows like an MR. */
function collapseGrey(p: Pixels): Pixels {
  if (p.channels !== 3) return p;
  const d = p.data;
  for (let n = 0; n < d.length; n += 3) if (d[n] !== d[n + 1] || d[n] !== d[n + 2]) return p;
  const grey = new (d.constructor as new (n: number) => Uint8Array | Uint16Array)(d.length / 3);
  for (let n = 0; n < grey.length; n++) grey[n] = d[3 * n]!;
  return { ...p, channels: 1, data: grey };
}

export function decodeImagePixels(bytes: Uint8Array, kind: 'png' | 'jpeg'): Pixels {
  return collapseGrey(kind === 'png' ? decodePngPixels(bytes) : decodeJpegPixels(bytes));
}

/**
 * A 2D image as a single-slice volume, 1 mm pixels, rows as stored. RGB stays 8-bit RGB (H&E pathology);
 * 16-bit colour is reduced to 8 bits, 16-bit grey kept.
 */
export function readImage2D(bytes: Uint8Array, fileName: string, kind: 'png' | 'jpeg'): Volume {
  const p = decodeImagePixels(bytes, kind);
  let voxels: VoxelData = p.data;
  if (p.channels === 3 && p.data instanceof Uint16Array) voxels = Uint8Array.from(p.data, (v) => v >> 8);
  return {
    id: crypto.randomUUID(),
    name: fileName,
    geometry: { dims: [p.width, p.height, 1], spacing: [1, 1, 1], ijkToLps: [...IDENTITY] as typeof IDENTITY },
    channels: p.channels,
    voxels,
    source: { format: 'image', fileName, mimeType: kind === 'png' ? 'image/png' : 'image/jpeg' },
  };
}

/** A PNG mask as class values: a 0/255 mask is one class (255 → 1); otherwise values are class values. */
export function readMaskImage(bytes: Uint8Array, fileName: string): { width: number; height: number; values: Uint8Array } {
  const p = decodeImagePixels(bytes, 'png');
  if (p.channels !== 1) throw new Error(`${fileName}: a label mask must be a grey image, this one is colour`);
  const values = new Uint8Array(p.width * p.height);
  let binary = true;
  for (let n = 0; n < values.length; n++) {
    const v = p.data[n]!;
    if (v > 255) throw new Error(`${fileName}: label values must be 0 to 255, found ${v}`);
    if (v !== 0 && v !== 255) binary = false;
    values[n] = v;
  }
  if (binary) for (let n = 0; n < values.length; n++) if (values[n] === 255) values[n] = 1;
  return { width: p.width, height: p.height, values };
}
