import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { imageSizeProblem } from './checkImageSize.ts';
import { readImage2D } from './readImage2D.ts';

function pngWithSize(width: number, height: number): Uint8Array {
  const bytes = encodePng({ width: 2, height: 2, data: new Uint8Array(4), depth: 8, channels: 1 }).slice();
  const v = new DataView(bytes.buffer);
  v.setUint32(16, width);
  v.setUint32(20, height);
  return bytes;
}

function jpegWithSize(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4) }, 90).data);
  for (let at = 2; at < bytes.length; ) {
    const marker = bytes[at + 1]!;
    if (marker === 0xc0) {
      bytes.set([height >> 8, height & 255, width >> 8, width & 255], at + 5);
      break;
    }
    at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
  }
  return bytes;
}

describe('2D images are refused by their header size before anything is allocated', () => {
  it('refuses a zero-size PNG, naming the IHDR field', () => {
    expect(() => readImage2D(pngWithSize(0, 5), 'zero.png', 'png')).toThrow(/^zero\.png: its IHDR width\/height gives a size of 0×5/);
  });

  it('refuses a 2³¹−1 × 1 PNG at once instead of allocating gigabytes', () => {
    const t = performance.now();
    expect(() => readImage2D(pngWithSize(2 ** 31 - 1, 1), 'wide.png', 'png')).toThrow(
      /wide\.png: its IHDR width\/height gives 2147483647×1 pixels, more than the 256 megapixels/,
    );
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('refuses a JPEG whose frame header says 0 rows or 65535 × 65535', () => {
    expect(() => readImage2D(jpegWithSize(8, 0), 'z.jpg', 'jpeg')).toThrow(/z\.jpg: its frame header \(SOF\) width\/height gives a size of 8×0/);
    expect(() => readImage2D(jpegWithSize(65535, 65535), 'h.jpg', 'jpeg')).toThrow(/more than the 256 megapixels/);
  });

  it('passes ordinary sizes', () => {
    expect(imageSizeProblem(pngWithSize(1000, 1000), 'png')).toBeNull();
    expect(imageSizeProblem(jpegWithSize(8, 8), 'jpeg')).toBeNull();
    expect(readImage2D(jpegWithSize(8, 8), 'ok.jpg', 'jpeg').geometry.dims).toEqual([8, 8, 1]);
  });
});
