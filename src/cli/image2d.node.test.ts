import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { IDENTITY, type Mat4 } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { matchChannels, predictableFilesIn, readImageFile } from './dataset.ts';
import { distanceUnit, runEval } from './evaluate.ts';
import { encodePrediction } from './writePrediction.ts';

const W = 40;
const H = 30;

function image2d(channels: 1 | 3, voxels: Uint8Array): Volume {
  return {
    id: 'v',
    name: 'x.png',
    geometry: { dims: [W, H, 1], spacing: [1, 1, 1], ijkToLps: [...IDENTITY] as Mat4 },
    channels,
    voxels,
    source: { format: 'image', fileName: 'x.png', mimeType: 'image/png' },
  };
}

/** A W×H grey mask: `value` inside the square [x0, x0+10) × [10, 20), 0 elsewhere. */
function square(x0: number, value: number): Uint8Array {
  return new Uint8Array(W * H).map((_, n) => (n % W >= x0 && n % W < x0 + 10 && Math.floor(n / W) >= 10 && Math.floor(n / W) < 20 ? value : 0));
}

describe('predicted 2D masks', () => {
  it('a one-class model writes 0/255, several classes their values, as an 8-bit PNG named after the image', () => {
    const labels = new Uint8Array(W * H).map((_, n) => n % 3);
    const one = encodePrediction(
      'slide_7.tif',
      image2d(3, new Uint8Array(W * H * 3)),
      labels.map((v) => (v ? 1 : 0)),
      [1],
    );
    expect(one.name).toBe('slide_7.png');
    const png = decodePng(one.bytes);
    expect([png.width, png.height, png.channels, png.depth]).toEqual([W, H, 1, 8]);
    expect(png.data).toEqual(labels.map((v) => (v ? 255 : 0)));
    const many = encodePrediction('a.jpeg', image2d(1, new Uint8Array(W * H)), labels, [1, 2]);
    expect(many.name).toBe('a.png');
    expect(decodePng(many.bytes).data).toEqual(labels);
  });

  it('repeats a grey image into RGB for an RGB model and refuses other mismatches', () => {
    const grey = image2d(
      1,
      new Uint8Array(W * H).map((_, n) => n % 251),
    );
    const rgb = matchChannels(grey, 3);
    expect(rgb.channels).toBe(3);
    expect([...rgb.voxels.slice(3, 6)]).toEqual([1, 1, 1]);
    expect(() => matchChannels(image2d(3, new Uint8Array(W * H * 3)), 1)).toThrow(/x\.png has 3 channels, the model expects 1/);
  });
});

describe('finding and reading 2D inputs', () => {
  it("takes a MoNuSeg folder's img/ when the folder itself holds no image, and reads TIFF like PNG", async () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-2d-'));
    mkdirSync(join(root, 'img'));
    const pixels = new Uint8Array(W * H * 3).map((_, n) => (n * 7) % 256);
    await sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
      .tiff({ compression: 'deflate' })
      .toFile(join(root, 'img', 'a.tiff'));
    writeFileSync(join(root, 'img', 'notes.txt'), 'not an image');
    expect(predictableFilesIn(root, 'img')).toEqual({ dir: join(root, 'img'), files: ['a.tiff'] });
    const v = await readImageFile(join(root, 'img', 'a.tiff'));
    expect([v.geometry.dims, v.channels, v.voxels]).toEqual([[W, H, 1], 3, pixels]);
    await expect(readImageFile(join(root, 'img', 'notes.txt'))).rejects.toThrow(/^notes\.txt: is not a NIfTI, PNG, JPEG or TIFF image$/);
  });
});

describe('eval on 2D masks', () => {
  it('pairs a TIFF label with a PNG prediction by case name and reports distances in pixels', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-eval2d-'));
    const labels = join(root, 'labelcol');
    const pred = join(root, 'pred');
    mkdirSync(labels);
    mkdirSync(pred);
    await sharp(square(10, 255), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .tiff({ compression: 'lzw' })
      .toFile(join(labels, 'case1.tif'));
    // The prediction is the same square 3 pixels to the right: every boundary point is 0 or 3 pixels off.
    writeFileSync(join(pred, 'case1.png'), encodePng({ width: W, height: H, data: square(13, 255), depth: 8, channels: 1 }));
    const lines: string[] = [];
    const json = join(root, 'eval.json');
    await runEval({ command: 'eval', pred, labels: root, json }, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/HD95 \(px\)\s+ASD \(px\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.distanceUnit).toBe('px');
    // 70 of 100 pixels overlap: Dice 2·70 / 200.
    expect(report.mean.dice).toBeCloseTo(0.7, 6);
    expect(report.mean.hd95).toBeCloseTo(3, 6);
    expect(lines.at(-1)).toMatch(/^mean\s+0\.7000\s+0\.5385\s+3\.00\s/);
  });

  it('says which file is missing its prediction, and refuses to mix mm and pixels', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pseudolab-eval2d-'));
    mkdirSync(join(root, 'l'));
    mkdirSync(join(root, 'p'));
    writeFileSync(join(root, 'l', 'only.png'), encodePng({ width: W, height: H, data: square(0, 255), depth: 8, channels: 1 }));
    await expect(runEval({ command: 'eval', pred: join(root, 'p'), labels: join(root, 'l'), json: null }, () => undefined)).rejects.toThrow(
      /no prediction of only in .* for label only\.png/,
    );
    expect(() =>
      distanceUnit([
        { file: 'a.nii.gz', spacing: [1, 1, 2] },
        { file: 'b.png', spacing: null },
      ]),
    ).toThrow(/a\.nii\.gz: mm.*b\.png: pixels/);
    expect(distanceUnit([{ file: 'b.png', spacing: null }])).toBe('px');
    expect(distanceUnit([{ file: 'a.nii.gz', spacing: [1, 1, 2] }])).toBe('mm');
  });
});
