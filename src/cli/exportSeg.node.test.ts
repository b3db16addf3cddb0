import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFromSeg } from '../io/dicomSeg/labelsFromSeg.ts';
import { readDicomSeg } from '../io/dicomSeg/readSeg.ts';
import { segTools, validateWithDciodvfy } from '../io/dicomSeg/testing/segReferenceTools.ts';
import { writeLabelSidecar, writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import { openInputs } from '../io/openInputs.ts';
import { nodeFolder } from '../io/testing/nodeFiles.ts';
import { makeClass } from '../volume/classes.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { UsageError } from './args.ts';
import { main } from './main.ts';
import { classesFromFile, isSegExport, parseSegExportArgs } from './exportSeg.ts';

const SERIES = join(process.cwd(), '..', 'shared', 'datasets', 'dicom', 'hippocrop-series');
const TMP = join(tmpdir(), `pseudolab-cli-seg-${process.pid}`);

describe('export --format seg arguments', () => {
  it('routes to its own options and checks them', () => {
    expect(isSegExport(['--format', 'seg', '--data', 'd'])).toBe(true);
    expect(isSegExport(['--format=seg'])).toBe(true);
    expect(isSegExport(['--format', 'nnunet'])).toBe(false);
    expect(parseSegExportArgs(['--format', 'seg', '--data', 'd', '--labels', 'l.nii.gz', '--out', 'o.dcm'])).toEqual({
      data: 'd',
      labels: 'l.nii.gz',
      out: 'o.dcm',
      classes: null,
      provenance: SliceProvenance.Imported,
    });
    expect(() => parseSegExportArgs(['--format', 'seg', '--data', 'd', '--out', 'o.dcm'])).toThrow(/--labels is required/);
    expect(() => parseSegExportArgs(['--format', 'seg', '--data', 'd', '--labels', 'l', '--out', 'o', '--provenance', 'guessed'])).toThrow(UsageError);
    expect(parseSegExportArgs(['--format', 'seg', '--help'])).toBeNull();
  });

  it('reads class names from a Pseudolab sidecar and from both dataset.json forms', () => {
    const sidecar = writeLabelSidecar([{ ...makeClass(2, 'Posterior'), color: [1, 2, 3] }]);
    expect(classesFromFile(sidecar, 'classes.json').map((c) => [c.value, c.name, c.color])).toEqual([[2, 'Posterior', [1, 2, 3]]]);
    expect(classesFromFile('{"labels": {"0": "background", "1": "Anterior"}}', 'd.json').map((c) => [c.value, c.name])).toEqual([[1, 'Anterior']]);
    expect(classesFromFile('{"labels": {"background": 0, "liver": 1, "ignore": 3}}', 'd.json').map((c) => [c.value, c.name])).toEqual([[1, 'liver']]);
    expect(() => classesFromFile('{}', 'x.json')).toThrow(/no "labels"/);
  });
});

describe.skipIf(!existsSync(SERIES))('pseudolab export --format seg on a real series (skipped: needs ../shared/datasets/dicom)', () => {
  it('writes a SEG that reads back to the label map, with the named classes and the provenance asked for', { timeout: 60_000 }, async () => {
    const volume = (await openInputs(nodeFolder(SERIES))).volumes[0]!;
    const [ni, nj, nk] = volume.geometry.dims;
    const values = new Uint8Array(ni * nj * nk);
    for (let k = 10; k < 14; k++) for (let j = 8; j < 20; j++) for (let i = 5; i < 15; i++) values[i + ni * (j + nj * k)] = k < 12 ? 1 : 2;
    mkdirSync(TMP, { recursive: true });
    writeFileSync(join(TMP, 'labels.nii.gz'), writeNiftiLabels(values, volume));
    writeFileSync(join(TMP, 'classes.json'), writeLabelSidecar([makeClass(1, 'Anterior'), makeClass(2, 'Posterior')]));
    const out = join(TMP, 'out.dcm');
    const code = await main([
      'export',
      '--format',
      'seg',
      '--data',
      SERIES,
      '--labels',
      join(TMP, 'labels.nii.gz'),
      '--classes',
      join(TMP, 'classes.json'),
      '--provenance',
      'painted',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const seg = readDicomSeg(new Uint8Array(readFileSync(out)));
    expect(seg.segments.map((s) => [s.label, s.algorithmType])).toEqual([
      ['Anterior', 'MANUAL'],
      ['Posterior', 'MANUAL'],
    ]);
    expect(seg.frames).toHaveLength(4);
    const back = labelsFromSeg(seg, volume, (s) => (s.label === 'Anterior' ? 1 : 2));
    expect(Buffer.from(back.labels.voxels).equals(Buffer.from(values))).toBe(true);
    expect([...back.labels.slices[2]].flatMap((p, k) => (p === SliceProvenance.Painted ? [k] : []))).toEqual([10, 11, 12, 13]);
    if (segTools().dciodvfy) expect(validateWithDciodvfy(out).errors).toEqual([]);
  });
});
