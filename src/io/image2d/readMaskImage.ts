import { fileError } from '../problems.ts';
import { decodeImagePixels } from './decodeImagePixels.ts';

export interface MaskImage {
  width: number;
  height: number;
  values: Uint8Array;
}

/**
 * A PNG label mask as class values. Masks saved by image tools are usually black/white (0/255): that is one
 * class, so 255 becomes 1. Any other set of values is taken as class values as they are.
 */
export function readMaskImage(bytes: Uint8Array, fileName: string): MaskImage {
  let p;
  try {
    p = decodeImagePixels(bytes, 'png');
  } catch (e) {
    throw fileError(fileName, (e as Error).message);
  }
  if (p.channels !== 1) throw fileError(fileName, 'is a colour image; a label mask must be grey, one class value per pixel');
  const values = new Uint8Array(p.width * p.height);
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
