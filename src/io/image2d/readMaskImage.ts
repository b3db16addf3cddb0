import { fileError } from '../problems.ts';
import { decodeImage2DPixels, decodeImagePixels, type Image2DFormat, type ImagePixels } from './decodeImagePixels.ts';

export interface MaskImage {
  width: number;
  height: number;
  values: Uint8Array;
}

/**
 * Grey pixels as class values. Masks saved by image tools are usually black/white (0/255): that is one class,
 * so 255 becomes 1. Any other set of values is taken as class values as they are — except in a JPEG, whose
 * compression smears every edge into in-between greys: a JPEG mask can only be black/white, so it is split at
 * 128 into background and class 1.
 */
function pixelsToMask(p: ImagePixels, fileName: string, lossy: boolean): MaskImage {
  if (p.channels !== 1) throw fileError(fileName, 'is a colour image; a label mask must be grey, one class value per pixel');
  const values = new Uint8Array(p.width * p.height);
  if (lossy) {
    const max = p.data instanceof Uint16Array ? 0xffff : 0xff;
    for (let n = 0; n < values.length; n++) values[n] = p.data[n]! * 2 > max ? 1 : 0;
    return { width: p.width, height: p.height, values };
  }
  let binary = true;
  for (let n = 0; n < values.length; n++) {
    const v = p.data[n]!;
    if (v > 255) throw fileError(fileName, `label values must be 0 to 255, but the mask holds ${v}`);
    if (v !== 0 && v !== 255) binary = false;
    values[n] = v;
  }
  if (binary) for (let n = 0; n < values.length; n++) if (values[n] === 255) values[n] = 1;
  return { width: p.width, height: p.height, values };
}

/** A PNG label mask as class values (see pixelsToMask). */
export function readMaskImage(bytes: Uint8Array, fileName: string): MaskImage {
  let p;
  try {
    p = decodeImagePixels(bytes, 'png');
  } catch (e) {
    throw fileError(fileName, (e as Error).message);
  }
  return pixelsToMask(p, fileName, false);
}

/** A PNG, TIFF or JPEG label mask as class values (see pixelsToMask); rejects naming the file. */
export async function readMaskImage2D(bytes: Uint8Array, fileName: string, kind: Image2DFormat): Promise<MaskImage> {
  let p;
  try {
    p = await decodeImage2DPixels(bytes, kind);
  } catch (e) {
    throw fileError(fileName, (e as Error).message);
  }
  return pixelsToMask(p, fileName, kind === 'jpeg');
}
