import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng, encode as encodePng, type ImageData } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { IDENTITY } from '../../volume/geometry.ts';
import { readImage2D } from './readImage2D.ts';
import { readMaskImage } from './readMaskImage.ts';

const MONUSEG = join(process.cwd(), '..', 'shared', 'datasets', 'monuseg', 'Train_Folder');

function png(image: Omit<ImageData, 'width' | 'height'> & { width?: number; height?: number }): Uint8Array {
  return encodePng({ width: 3, height: 2, ...image } as ImageData);
}

describe('PNG as a single-slice volume', () => {
  it('reads 8-bit grey as one Uint8 channel, 1 mm pixels, identity geometry', () => {
    const v = readImage2D(png({ data: new Uint8Array([0, 10, 20, 30, 40, 50]), depth: 8, channels: 1 }), 'grey.png', 'png');
    expect(v.geometry).toEqual({ dims: [3, 2, 1], spacing: [1, 1, 1], ijkToLps: IDENTITY });
    expect(v.channels).toBe(1);
    expect(v.voxels).toEqual(new Uint8Array([0, 10, 20, 30, 40, 50]));
    expect(v.source).toEqual({ format: 'image', fileName: 'grey.png', mimeType: 'image/png' });
  });

  it('keeps 16-bit grey as Uint16', () => {
    const v = readImage2D(png({ data: new Uint16Array([0, 1000, 65535, 3, 4, 5]), depth: 16, channels: 1 }), 'g16.png', 'png');
    expect(v.voxels).toEqual(new Uint16Array([0, 1000, 65535, 3, 4, 5]));
  });

  it('drops alpha from grey+alpha and RGBA', () => {
    const ga = readImage2D(png({ data: new Uint8Array([9, 255, 8, 0, 7, 255, 6, 255, 5, 255, 4, 255]), depth: 8, channels: 2 }), 'ga.png', 'png');
    expect([ga.channels, [...ga.voxels]]).toEqual([1, [9, 8, 7, 6, 5, 4]]);
    const rgba = new Uint8Array(24).map((_, n) => (n % 4 === 3 ? 128 : n));
    const v = readImage2D(png({ data: rgba, depth: 8, channels: 4 }), 'rgba.png', 'png');
    expect(v.channels).toBe(3);
    expect([...v.voxels.slice(0, 6)]).toEqual([0, 1, 2, 4, 5, 6]);
  });

  it('keeps colour RGB as interleaved 8-bit, and reduces 16-bit colour to 8 bits', () => {
    const rgb = new Uint8Array(18).map((_, n) => n * 10);
    const v = readImage2D(png({ data: rgb, depth: 8, channels: 3 }), 'rgb.png', 'png');
    expect([v.channels, v.voxels]).toEqual([3, rgb]);
    const rgb16 = new Uint16Array(18).map((_, n) => n * 1000);
    const v16 = readImage2D(png({ data: rgb16, depth: 16, channels: 3 }), 'rgb16.png', 'png');
    expect(v16.voxels).toEqual(Uint8Array.from(rgb16, (x) => x >> 8));
  });

  it('turns RGB whose channels are equal everywhere into grey', () => {
    const grey = [5, 6, 7, 8, 9, 10];
    const rgb = new Uint8Array(grey.flatMap((g) => [g, g, g]));
    const v = readImage2D(png({ data: rgb, depth: 8, channels: 3 }), 'g.png', 'png');
    expect([v.channels, [...v.voxels]]).toEqual([1, grey]);
  });

  it('expands a palette, and unpacks 1-bit grey', () => {
    const palette = png({
      data: new Uint8Array([0, 1, 1, 0, 1, 0]),
      depth: 8,
      channels: 1,
      palette: [
        [200, 0, 0],
        [0, 0, 200],
      ],
    });
    const v = readImage2D(palette, 'p.png', 'png');
    expect(v.channels).toBe(3);
    expect([...v.voxels.slice(0, 6)]).toEqual([200, 0, 0, 0, 0, 200]);
    // 3 pixels per row pack into one byte per row: 101 and 011.
    const bits = png({ data: new Uint8Array([0b10100000, 0b01100000]), depth: 1, channels: 1 });
    expect([...readImage2D(bits, 'b.png', 'png').voxels]).toEqual([1, 0, 1, 0, 1, 1]);
  });

  it('names a damaged PNG', () => {
    const whole = png({ data: new Uint8Array(6), depth: 8, channels: 1 });
    expect(() => readImage2D(whole.subarray(0, 40), 'cut.png', 'png')).toThrow(/^cut\.png: the PNG cannot be decoded/);
  });
});

describe('JPEG as a single-slice volume', () => {
  const encode = (rgba: Uint8Array, width: number, height: number) => new Uint8Array(jpeg.encode({ data: rgba, width, height }, 95).data);

  it('reads colour JPEG as RGB and grey-looking JPEG as one channel', () => {
    const w = 16;
    const h = 8;
    const colour = new Uint8Array(w * h * 4).map((_, n) => (n % 4 === 0 ? 220 : n % 4 === 3 ? 255 : 30));
    const v = readImage2D(encode(colour, w, h), 'c.jpg', 'jpeg');
    expect(v.geometry.dims).toEqual([16, 8, 1]);
    expect(v.channels).toBe(3);
    expect(Math.abs(v.voxels[0]! - 220)).toBeLessThan(4);
    expect(Math.abs(v.voxels[1]! - 30)).toBeLessThan(4);
    const grey = new Uint8Array(w * h * 4).map((_, n) => (n % 4 === 3 ? 255 : 90));
    const g = readImage2D(encode(grey, w, h), 'g.jpg', 'jpeg');
    expect(g.channels).toBe(1);
    expect(Math.abs(g.voxels[0]! - 90)).toBeLessThan(3);
    expect(g.source).toMatchObject({ mimeType: 'image/jpeg' });
  });
});

describe('PNG masks', () => {
  it('reads a 0/255 mask as class 1', () => {
    const m = readMaskImage(png({ data: new Uint8Array([0, 255, 255, 0, 0, 255]), depth: 8, channels: 1 }), 'm.png');
    expect(m).toEqual({ width: 3, height: 2, values: new Uint8Array([0, 1, 1, 0, 0, 1]) });
  });

  it('keeps other values as class values', () => {
    expect(readMaskImage(png({ data: new Uint8Array([0, 1, 2, 3, 2, 255]), depth: 8, channels: 1 }), 'm.png').values).toEqual(
      new Uint8Array([0, 1, 2, 3, 2, 255]),
    );
  });

  it('refuses a colour mask and 16-bit values above 255, naming the file', () => {
    const colour = png({ data: new Uint8Array(18).map((_, n) => n), depth: 8, channels: 3 });
    expect(() => readMaskImage(colour, 'c.png')).toThrow(/^c\.png: is a colour image/);
    const wide = png({ data: new Uint16Array([0, 300, 0, 0, 0, 0]), depth: 16, channels: 1 });
    expect(() => readMaskImage(wide, 'w.png')).toThrow(/^w\.png: .*holds 300/);
  });
});

describe.skipIf(!existsSync(MONUSEG))('MoNuSeg H&E tiles (skipped: needs ../shared/datasets/monuseg)', () => {
  it('reads a 1000×1000 RGB tile pixel for pixel, and its 0/255 mask as class 1', () => {
    const name = readdirSync(join(MONUSEG, 'img')).find((f) => f.endsWith('.png'))!;
    const bytes = new Uint8Array(readFileSync(join(MONUSEG, 'img', name)));
    const v = readImage2D(bytes, name, 'png');
    expect(v.geometry.dims).toEqual([1000, 1000, 1]);
    expect(v.channels).toBe(3);
    expect(v.voxels).toBeInstanceOf(Uint8Array);
    const ref = decodePng(bytes);
    const at = (x: number, y: number) => [...v.voxels.slice((y * 1000 + x) * 3, (y * 1000 + x) * 3 + 3)];
    const refAt = (x: number, y: number) => [...ref.data.slice((y * 1000 + x) * ref.channels, (y * 1000 + x) * ref.channels + 3)];
    for (const [x, y] of [
      [0, 0],
      [999, 0],
      [500, 500],
      [0, 999],
    ] as const)
      expect(at(x, y)).toEqual(refAt(x, y));

    const maskBytes = new Uint8Array(readFileSync(join(MONUSEG, 'labelcol', name)));
    const m = readMaskImage(maskBytes, name);
    expect([m.width, m.height]).toEqual([1000, 1000]);
    let ones = 0;
    for (const x of m.values) if (x === 1) ones++;
    const raw = decodePng(maskBytes);
    let white = 0;
    for (let p = 0; p < 1000 * 1000; p++) if (raw.data[p * raw.channels] === 255) white++;
    expect(ones).toBe(white);
    expect(ones).toBeGreaterThan(10_000);
    expect(new Set(m.values)).toEqual(new Set([0, 1]));
  });
});
