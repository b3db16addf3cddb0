import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDicomDcm2niix, compareDicomPydicom, compareNifti, referenceTools, writeNibabelFiles } from './testing/conformance.ts';
import { configureNodeCodecs } from './testing/nodeCodecs.ts';

const tools = referenceTools();
const SERIES = join(process.cwd(), '..', 'shared', 'datasets', 'dicom', 'hippocrop-series');
const TMP = join(tmpdir(), `pseudolab-conformance-${process.pid}`);

describe.skipIf(!tools.nibabel)('NIfTI files written by nibabel read as nibabel reads them (skipped: needs /usr/bin/python3 with python3-nibabel)', () => {
  it('matches dims, affine and values for every dtype, qform/sform-only, big-endian, scaled, 4D, NIfTI-2, a pair and a multi-member gzip', {
    timeout: 120_000,
  }, async () => {
    const files = writeNibabelFiles(join(TMP, 'nibabel'));
    expect(files.length).toBeGreaterThanOrEqual(15);
    const results = await Promise.all(files.map((f) => compareNifti(f)));
    expect(results.filter((r) => r.verdict !== 'match').map((r) => `${r.file}: ${r.verdict} — ${r.detail}`)).toEqual([]);
  });
});

describe.skipIf(!existsSync(SERIES) || !tools.pydicom)(
  'a DICOM series as pydicom reads it (skipped: needs ../shared/datasets/dicom and python3-pydicom)',
  () => {
    it('puts every pydicom slice at its position with the same values', { timeout: 120_000 }, async () => {
      configureNodeCodecs();
      const r = await compareDicomPydicom(SERIES);
      expect(`${r.verdict}: ${r.detail}`).toMatch(/^match/);
    });
  },
);

describe.skipIf(!existsSync(SERIES) || !tools.dcm2niix || !tools.nibabel)(
  'a DICOM series as dcm2niix converts it (skipped: needs ../shared/datasets/dicom, dcm2niix and python3-nibabel)',
  () => {
    it('holds the same voxels at the same world positions', { timeout: 120_000 }, async () => {
      configureNodeCodecs();
      const r = await compareDicomDcm2niix(SERIES, TMP);
      expect(`${r.verdict}: ${r.detail}`).toMatch(/^match/);
    });
  },
);
