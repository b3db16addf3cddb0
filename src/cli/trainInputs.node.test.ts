import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NiftiGzipWriter } from '../io/nifti/writeNiftiImage.ts';
import { IDENTITY } from '../volume/geometry.ts';
import { parseCli, type TrainArgs } from './args.ts';
import { runTrain } from './train.ts';

function niftiGz(dims: [number, number, number], datatype: 'int16' | 'uint8'): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new NiftiGzipWriter({ dims, ijkToLps: IDENTITY, datatype, labels: datatype === 'uint8' }, (c) => chunks.push(c));
  const n = dims[0] * dims[1] * dims[2];
  w.push(datatype === 'int16' ? Int16Array.from({ length: n }, (_, i) => i % 97) : new Uint8Array(n).fill(1));
  w.end();
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A Decathlon folder of one case whose label file has `labelDims`. */
function task(labelDims: [number, number, number]): string {
  const root = mkdtempSync(join(tmpdir(), 'pseudolab-inputs-'));
  mkdirSync(join(root, 'imagesTr'));
  mkdirSync(join(root, 'labelsTr'));
  writeFileSync(
    join(root, 'dataset.json'),
    JSON.stringify({
      name: 't',
      labels: { '0': 'background', '1': 'organ' },
      training: [
        { image: './imagesTr/a.nii.gz', label: './labelsTr/a.nii.gz' },
        { image: './imagesTr/b.nii.gz', label: './labelsTr/b.nii.gz' },
      ],
    }),
  );
  for (const id of ['a', 'b']) {
    writeFileSync(join(root, 'imagesTr', `${id}.nii.gz`), niftiGz([16, 16, 4], 'int16'));
    writeFileSync(join(root, 'labelsTr', `${id}.nii.gz`), niftiGz(id === 'a' ? labelDims : [16, 16, 4], 'uint8'));
  }
  return root;
}

describe('train refuses inputs that would train on the wrong voxels, naming the file', () => {
  const args = (data: string, extra: string[] = []): TrainArgs =>
    parseCli([
      'train',
      '--data',
      data,
      '--preset',
      'supervised',
      '--labeled-fraction',
      '1',
      '--steps',
      '1',
      '--width',
      '4',
      '--depth',
      '2',
      '--out',
      join(data, 'run'),
      ...extra,
    ]) as TrainArgs;

  it('a label smaller or larger than its image', async () => {
    for (const dims of [
      [12, 16, 4],
      [16, 16, 5],
    ] as [number, number, number][]) {
      const data = task(dims);
      await expect(runTrain(args(data, ['--split', writeSplit(data)]), () => undefined)).rejects.toThrow(
        new RegExp(`a\\.nii\\.gz: the label is ${dims.join('×')} but its image .* is 16×16×4`),
      );
    }
  });

  it('a split file that is not JSON', async () => {
    const data = task([16, 16, 4]);
    const bad = join(data, 'split.json');
    writeFileSync(bad, 'train: a\n');
    await expect(runTrain(args(data, ['--split', bad]), () => undefined)).rejects.toThrow(/split\.json: the split file is not readable JSON/);
  });
});

function writeSplit(data: string): string {
  const path = join(data, 'split-ok.json');
  writeFileSync(path, JSON.stringify({ train: ['a'], val: ['b'] }));
  return path;
}
