/**
 * Writes a seeded CT-like volume and its label map as .nii.gz, slice by slice (constant memory), for the large
 * volume journey and benchmark. The volumes are never committed: generate them where you need them.
 *
 *   npx tsx scripts/make-large-volume.mts --dims 512x512x600 --out /tmp/ct600.nii.gz [--labels /tmp/ct600_labels.nii.gz] [--seed 600]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { planSyntheticCt, renderSyntheticCtSlice, syntheticCtAffine } from '../src/demo/syntheticCt.ts';
import { NiftiGzipWriter } from '../src/io/nifti/writeNiftiImage.ts';
import type { Vec3 } from '../src/volume/geometry.ts';

const { values } = parseArgs({
  options: {
    dims: { type: 'string', default: '512x512x600' },
    spacing: { type: 'string' },
    seed: { type: 'string', default: '600' },
    out: { type: 'string' },
    labels: { type: 'string' },
    level: { type: 'string', default: '1' },
  },
});
if (!values.out) {
  console.error('usage: npx tsx scripts/make-large-volume.mts --dims 512x512x600 --out /tmp/ct600.nii.gz [--labels FILE] [--seed N]');
  process.exit(2);
}
const triple = (s: string): Vec3 => {
  const parts = s.split(/[x,]/).map(Number);
  if (parts.length !== 3 || parts.some((n) => !(n > 0))) throw new Error(`expected three sizes like 512x512x600, got ${s}`);
  return parts as Vec3;
};
const dims = triple(values.dims);
const plan = planSyntheticCt({ dims, seed: Number(values.seed), spacing: values.spacing ? triple(values.spacing) : undefined });
const ijkToLps = syntheticCtAffine(plan);
const level = Number(values.level) as 1;

function fileSink(path: string): { sink: (chunk: Uint8Array, final: boolean) => void; bytes: () => number } {
  const fd = openSync(path, 'w');
  let total = 0;
  return {
    sink: (chunk, final) => {
      writeSync(fd, chunk);
      total += chunk.length;
      if (final) closeSync(fd);
    },
    bytes: () => total,
  };
}

const started = performance.now();
const image = fileSink(values.out);
const imageWriter = new NiftiGzipWriter({ dims, ijkToLps, datatype: 'int16', description: `pseudolab synthetic CT seed ${plan.seed}` }, image.sink, level);
const label = values.labels ? fileSink(values.labels) : null;
const labelWriter = label
  ? new NiftiGzipWriter({ dims, ijkToLps, datatype: 'uint8', labels: true, description: 'pseudolab synthetic CT labels' }, label.sink, 6)
  : null;
const per = dims[0] * dims[1];
const slice = new Int16Array(per);
const labels = new Uint8Array(per);
for (let k = 0; k < dims[2]; k++) {
  renderSyntheticCtSlice(plan, k, slice, labels);
  imageWriter.push(slice);
  labelWriter?.push(labels);
}
imageWriter.end();
labelWriter?.end();
const seconds = (performance.now() - started) / 1000;
const mb = (n: number): string => (n / 1e6).toFixed(1);
console.log(`${values.out}: ${dims.join('×')} int16, ${mb(per * dims[2] * 2)} MB raw, ${mb(image.bytes())} MB on disk, ${seconds.toFixed(1)} s`);
if (label && values.labels) console.log(`${values.labels}: ${mb(label.bytes())} MB on disk`);
