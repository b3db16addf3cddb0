import { writeArrayBuffer } from 'geotiff';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../detectFormat.ts';
import { openInputs } from '../openInputs.ts';
import { memoryFile } from '../testing/nodeFiles.ts';
import { openImage2D } from './readImage2D.ts';
import { readMaskImage2D } from './readMaskImage.ts';

// Real TIFFs from known pixels, written by libtiff (through sharp), so every compression is the one scanners
// and image tools write, not a hand-made imitation.
type Compression = 'none' | 'lzw' | 'deflate' | 'packbits' | 'jpeg';

const W = 37; // odd sizes: rows that do not fill a strip or tile evenly
const H = 23;

function tiff(
  pixels: Uint8Array | Uint16Array,
  channels: 1 | 3 | 4,
  compression: Compression,
  extra: { predictor?: 'horizontal'; tile?: boolean } = {},
): Promise<Uint8Array> {
  let img = sharp(pixels, { raw: { width: W, height: H, channels } });
  if (pixels instanceof Uint16Array) img = img.toColourspace('grey16');
  else if (channels === 1) img = img.toColourspace('b-w');
  return img
    .tiff({
      compression,
      quality: 100,
      ...(extra.predictor ? { predictor: extra.predictor } : {}),
      ...(extra.tile ? { tile: true, tileWidth: 16, tileHeight: 16 } : {}),
    })
    .toBuffer()
    .then((b) => new Uint8Array(b));
}

const rgb = new Uint8Array(W * H * 3).map((_, n) => (n * 37 + (n >> 5)) % 256);
const grey16 = new Uint16Array(W * H).map((_, n) => (n * 2749) % 65536);
const grey8 = new Uint8Array(W * H).map((_, n) => (n * 13) % 256);

describe('TIFF as a single-slice volume', () => {
  it.each(['none', 'lzw', 'deflate', 'packbits'] as const)('reads 8-bit RGB (%s) pixel for pixel', async (compression) => {
    const bytes = await tiff(rgb, 3, compression);
    expect(detectFormat('tile.tif', bytes)).toBe('tiff');
    const v = await openImage2D(bytes, 'tile.tif', 'tiff');
    expect(v.geometry.dims).toEqual([W, H, 1]);
    expect(v.channels).toBe(3);
    expect(v.voxels).toEqual(rgb);
    expect(v.source).toEqual({ format: 'image', fileName: 'tile.tif', mimeType: 'image/tiff' });
  });

  it('reads tiled RGB with a horizontal predictor (LZW)', async () => {
    const v = await openImage2D(await tiff(rgb, 3, 'lzw', { predictor: 'horizontal', tile: true }), 't.tif', 'tiff');
    expect(v.voxels).toEqual(rgb);
  });

  it('reads JPEG-compressed RGB close to its pixels', async () => {
    // A smooth image, as tissue is: JPEG at quality 100 keeps it within a few grey levels.
    const smooth = new Uint8Array(W * H * 3).map((_, n) => 60 + ((Math.floor(n / 3) % W) * 3 + (n % 3) * 20));
    const v = await openImage2D(await tiff(smooth, 3, 'jpeg'), 'j.tif', 'tiff');
    expect(v.channels).toBe(3);
    let worst = 0;
    for (let n = 0; n < smooth.length; n++) worst = Math.max(worst, Math.abs(v.voxels[n]! - smooth[n]!));
    expect(worst).toBeLessThan(8);
  });

  it.each([
    ['lzw', {}],
    ['deflate', {}],
    ['deflate', { predictor: 'horizontal' }],
  ] as const)('keeps 16-bit grey (%s %j) as Uint16', async (compression, extra) => {
    const v = await openImage2D(await tiff(grey16, 1, compression, extra), 'g16.tif', 'tiff');
    expect(v.channels).toBe(1);
    expect(v.voxels).toBeInstanceOf(Uint16Array);
    expect(v.voxels).toEqual(grey16);
  });

  it('reads 8-bit grey as one channel and drops alpha from RGBA', async () => {
    const g = await openImage2D(await tiff(grey8, 1, 'deflate'), 'g.tif', 'tiff');
    expect([g.channels, g.voxels]).toEqual([1, grey8]);
    const rgba = new Uint8Array(W * H * 4).map((_, n) => (n % 4 === 3 ? 200 : rgb[Math.floor(n / 4) * 3 + (n % 4)]!));
    const v = await openImage2D(await tiff(rgba, 4, 'lzw'), 'a.tif', 'tiff');
    expect([v.channels, v.voxels]).toEqual([3, rgb]);
  });

  it('names a truncated TIFF and a .tif that is not one, in one sentence', async () => {
    const whole = await tiff(rgb, 3, 'none');
    await expect(openImage2D(whole.subarray(0, 6), 'cut.tif', 'tiff')).rejects.toThrow(/^cut\.tif: the TIFF .*truncated or damaged/);
    const garbage = new TextEncoder().encode('this is not an image at all');
    expect(detectFormat('fake.tiff', garbage)).toBe('tiff');
    await expect(openImage2D(garbage, 'fake.tiff', 'tiff')).rejects.toThrow(/^fake\.tiff: the TIFF cannot be read/);
  });

  it('refuses floating-point pixels with a reason', async () => {
    // libtiff through sharp writes 8 bits; geotiff's own writer keeps the floats.
    const float = writeArrayBuffer(new Float32Array(W * H).fill(0.5), {
      width: W,
      height: H,
      BitsPerSample: [32],
      SampleFormat: [3],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 1,
    });
    await expect(openImage2D(new Uint8Array(float), 'f.tif', 'tiff')).rejects.toThrow(/^f\.tif: holds 32-bit floating-point pixels/);
  });
});

describe('TIFF masks', () => {
  it('reads a 1-bit mask as class 1, and names the CCITT fax compression it cannot decode', async () => {
    const bw = new Uint8Array(W * H).map((_, n) => (n % 7 < 3 ? 255 : 0));
    const oneBit = (compression: 'packbits' | 'ccittfax4') =>
      sharp(bw, { raw: { width: W, height: H, channels: 1 } })
        .toColourspace('b-w')
        .tiff({ compression, bitdepth: 1 })
        .toBuffer();
    expect((await readMaskImage2D(new Uint8Array(await oneBit('packbits')), 'bits.tif', 'tiff')).values).toEqual(bw.map((x) => (x ? 1 : 0)));
    await expect(readMaskImage2D(new Uint8Array(await oneBit('ccittfax4')), 'fax.tif', 'tiff')).rejects.toThrow(
      /^fax\.tif: uses CCITT Group 4 fax compression, which cannot be decoded here; save it with LZW/,
    );
  });

  it('reads a 0/255 TIFF mask as class 1 and keeps class values', async () => {
    const bw = new Uint8Array(W * H).map((_, n) => (n % 3 === 0 ? 255 : 0));
    const m = await readMaskImage2D(await tiff(bw, 1, 'packbits'), 'm.tif', 'tiff');
    expect([m.width, m.height]).toEqual([W, H]);
    expect(m.values).toEqual(bw.map((x) => (x ? 1 : 0)));
    const classes = new Uint8Array(W * H).map((_, n) => n % 4);
    expect((await readMaskImage2D(await tiff(classes, 1, 'lzw'), 'c.tif', 'tiff')).values).toEqual(classes);
  });
});

describe('TIFF in openInputs', () => {
  it('opens a TIFF beside a PNG, and reports a corrupt one by name while the rest open', async () => {
    const good = await tiff(rgb, 3, 'lzw');
    const result = await openInputs([memoryFile('slides/a.tif', good), memoryFile('slides/b.tiff', good.subarray(0, good.length >> 3))]);
    expect(result.volumes.map((v) => [v.name, v.channels, v.geometry.dims])).toEqual([['a.tif', 3, [W, H, 1]]]);
    expect(result.volumes[0]!.voxels).toEqual(rgb);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ file: 'slides/b.tiff', severity: 'error' });
    expect(result.problems[0]!.message).toMatch(/^b\.tiff: the TIFF/);
  });

  it('opens a MoNuSeg-style folder of TIFF images with PNG and TIFF masks in labelcol/', async () => {
    const bw = new Uint8Array(W * H).map((_, n) => (n % 5 === 0 ? 255 : 0));
    const pngMask = await sharp(bw, { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const result = await openInputs([
      memoryFile('Test_Folder/img/a.tif', await tiff(rgb, 3, 'lzw')),
      memoryFile('Test_Folder/img/b.tif', await tiff(rgb, 3, 'deflate')),
      memoryFile('Test_Folder/labelcol/a.png', new Uint8Array(pngMask)),
      memoryFile('Test_Folder/labelcol/b.tif', await tiff(bw, 1, 'packbits')),
    ]);
    expect(result.problems).toEqual([]);
    expect(result.volumes.map((v) => [v.name, v.channels])).toEqual([
      ['a.tif', 3],
      ['b.tif', 3],
    ]);
    expect(result.labels).toHaveLength(2);
    for (const l of result.labels) expect(l.labels.voxels).toEqual(bw.map((x) => (x ? 1 : 0)));
  });
});
