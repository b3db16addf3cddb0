// How long a pathology tile takes to open, by format: a MoNuSeg 1000×1000 RGB tile (or a synthetic one when
// ../shared/datasets is absent) as PNG and as TIFF with each compression pathology uses, written by libtiff
// (sharp) and decoded by the app's readers (openImage2D). Median of 5 decodes after one warm-up.
// Run: npx tsx scripts/bench-tiff.mts
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { openImage2D } from '../src/io/image2d/readImage2D.ts';

const dir = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'monuseg', 'Train_Folder', 'img');
const name = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.png')) : undefined;
const png = name
  ? new Uint8Array(readFileSync(join(dir, name)))
  : new Uint8Array(
      await sharp(
        new Uint8Array(1000 * 1000 * 3).map((_, n) => (n * 31) % 251),
        { raw: { width: 1000, height: 1000, channels: 3 } },
      )
        .png()
        .toBuffer(),
    );
console.log(`tile: ${name ?? 'synthetic 1000×1000 RGB'}`);

async function median(bytes: Uint8Array, kind: 'png' | 'tiff'): Promise<number> {
  await openImage2D(bytes, 'warm', kind);
  const times: number[] = [];
  for (let n = 0; n < 5; n++) {
    const t = performance.now();
    await openImage2D(bytes, 'tile', kind);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2]!;
}

console.log(`${'format'.padEnd(16)}${'size kB'.padStart(9)}${'open ms'.padStart(9)}`);
console.log(`${'PNG'.padEnd(16)}${(png.length / 1024).toFixed(0).padStart(9)}${(await median(png, 'png')).toFixed(1).padStart(9)}`);
for (const compression of ['none', 'lzw', 'deflate', 'packbits', 'jpeg'] as const) {
  const tiff = new Uint8Array(await sharp(png).tiff({ compression, quality: 90 }).toBuffer());
  console.log(`${`TIFF ${compression}`.padEnd(16)}${(tiff.length / 1024).toFixed(0).padStart(9)}${(await median(tiff, 'tiff')).toFixed(1).padStart(9)}`);
}
