import { IDENTITY, type Mat4 } from '../../volume/geometry.ts';
import type { Volume, VoxelData } from '../../volume/Volume.ts';
import { fileError } from '../problems.ts';
import { decodeImage2DPixels, decodeImagePixels, type Image2DFormat, type ImagePixels } from './decodeImagePixels.ts';

const MIME_TYPES: Record<Image2DFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', tiff: 'image/tiff' };

/**
 * Decoded pixels as a single-slice volume: dims [width, height, 1], 1 mm pixels, identity voxel→world (a
 * photograph or slide has no patient frame). RGB stays 8-bit interleaved RGB (H&E pathology); 16-bit colour
 * is reduced to 8 bits because the viewer shows 8-bit colour; 16-bit grey is kept.
 */
function pixelsToVolume(p: ImagePixels, fileName: string, kind: Image2DFormat): Volume {
  let voxels: VoxelData = p.data;
  if (p.channels === 3 && p.data instanceof Uint16Array) voxels = Uint8Array.from(p.data, (v) => v >> 8);
  return {
    id: crypto.randomUUID(),
    name: fileName,
    geometry: { dims: [p.width, p.height, 1], spacing: [1, 1, 1], ijkToLps: [...IDENTITY] as Mat4 },
    channels: p.channels,
    voxels,
    source: { format: 'image', fileName, mimeType: MIME_TYPES[kind] },
  };
}

/** A PNG or JPEG as a single-slice volume (see pixelsToVolume); throws naming the file when it does not decode. */
export function readImage2D(bytes: Uint8Array, fileName: string, kind: 'png' | 'jpeg'): Volume {
  let p;
  try {
    p = decodeImagePixels(bytes, kind);
  } catch (e) {
    throw fileError(fileName, (e as Error).message);
  }
  return pixelsToVolume(p, fileName, kind);
}

/**
 * Any 2D image — PNG, JPEG or TIFF — as a single-slice volume. Async because TIFF decoding is (geotiff reads
 * strips and tiles through promises); rejects with one sentence naming the file when it does not decode.
 */
export async function openImage2D(bytes: Uint8Array, fileName: string, kind: Image2DFormat): Promise<Volume> {
  let p;
  try {
    p = await decodeImage2DPixels(bytes, kind);
  } catch (e) {
    throw fileError(fileName, (e as Error).message);
  }
  return pixelsToVolume(p, fileName, kind);
}
