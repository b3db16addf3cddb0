import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readNiftiLabelValues } from '../io/nifti/readNifti.ts';
import { UsageError } from './args.ts';
import { parseExportArgs } from './export.ts';
import { main } from './main.ts';

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');
const MONUSEG = join(process.cwd(), '..', 'shared', 'datasets', 'monuseg', 'Train_Folder');
const PYTHON = '/usr/bin/python3';
const CHECKER = join(process.cwd(), 'src', 'io', 'nnunet', 'testing', 'verify_nnunet_dataset.py');
const hasNibabel = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import nibabel']).status === 0;

async function quietMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await main(argv);
    return { code, out: log.mock.calls.map((c) => String(c[0])).join('\n'), err: error.mock.calls.map((c) => String(c[0])).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('pseudolab export: arguments', () => {
  it('parses the contract and refuses wrong arguments with a reason', () => {
    expect(parseExportArgs(['--format', 'nnunet', '--data', 'd', '--out', 'o', '--cases', 'a, b', '--pseudo-labels', 'off'])).toMatchObject({
      format: 'nnunet',
      cases: ['a', 'b'],
      datasetId: 500,
      pseudoLabels: false,
      labeledSlices: null,
    });
    expect(parseExportArgs(['--format', 'nifti', '--help'])).toBeNull();
    const bad: [string[], RegExp][] = [
      [['--format', 'png', '--data', 'd', '--out', 'o'], /nnunet or nifti/],
      [['--format', 'nnunet', '--out', 'o'], /--data is required/],
      [['--format', 'nnunet', '--data', 'd', '--out', 'o', '--dataset-id', '1000'], /from 1 to 999/],
      [['--format', 'nnunet', '--data', 'd', '--out', 'o', '--pseudo-labels', 'maybe'], /on or off/],
      [['--format', 'nnunet', '--data', 'd', '--out', 'o', '--bogus', '1'], /bogus/],
    ];
    for (const [argv, msg] of bad) expect(() => parseExportArgs(argv), argv.join(' ')).toThrow(msg);
    expect(() => parseExportArgs(['--format'])).toThrow(UsageError);
  });

  it('is listed by pseudolab --help and explains itself', async () => {
    expect((await quietMain(['--help'])).out).toMatch(/^  pseudolab export --format nnunet\|nifti/m);
    const help = await quietMain(['export', '--help']);
    expect(help.out).toMatch(/^Usage: pseudolab export --format/);
    expect(help.out).toContain('ignore');
    const wrong = await quietMain(['export', '--format', 'nnunet']);
    expect([wrong.code, wrong.err]).toEqual([2, 'pseudolab: --data is required (pseudolab export --help shows its usage)']);
  });
});

describe.skipIf(!existsSync(HIPPO) || !hasNibabel)(
  'pseudolab export on hippocampus (skipped: needs ../shared/datasets/hippocampus and python3-nibabel)',
  () => {
    it("writes a dataset nibabel accepts under nnU-Net's rules, ignore outside the N labeled slices", async () => {
      const out = mkdtempSync(join(tmpdir(), 'nnunet-cli-'));
      const r = await quietMain([
        'export',
        '--format',
        'nnunet',
        '--data',
        HIPPO,
        '--cases',
        'hippocampus_001,hippocampus_003',
        '--labeled-slices',
        '3',
        '--dataset-id',
        '7',
        '--out',
        out,
      ]);
      expect(r).toMatchObject({ code: 0, err: '' });
      const folder = join(out, 'Dataset007_Hippocampus');
      const check = spawnSync(PYTHON, [CHECKER, folder], { encoding: 'utf8' });
      expect(check.stdout.trim()).toBe('ok 2');
      const json = JSON.parse(readFileSync(join(folder, 'dataset.json'), 'utf8'));
      expect(json).toMatchObject({
        channel_names: { 0: 'MRI' },
        labels: { background: 0, Anterior: 1, Posterior: 2, ignore: 3 },
        numTraining: 2,
        file_ending: '.nii.gz',
      });
      const labels = readNiftiLabelValues(new Uint8Array(readFileSync(join(folder, 'labelsTr/hippocampus_001.nii.gz'))), 'l');
      const per = labels.dims[0] * labels.dims[1];
      let labeledSlices = 0;
      for (let k = 0; k < labels.dims[2]; k++) if (labels.values.subarray(k * per, (k + 1) * per).some((v) => v !== 3)) labeledSlices++;
      expect(labeledSlices).toBe(3);
    });

    it('writes NIfTI label maps and the class sidecar with --format nifti', async () => {
      const out = mkdtempSync(join(tmpdir(), 'nifti-cli-'));
      expect((await quietMain(['export', '--format', 'nifti', '--data', HIPPO, '--cases', 'hippocampus_001', '--out', out])).code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['classes.json', 'hippocampus_001_labels.nii.gz']);
      const truth = readNiftiLabelValues(new Uint8Array(readFileSync(join(HIPPO, 'labelsTr/hippocampus_001.nii.gz'))), 't');
      const back = readNiftiLabelValues(new Uint8Array(readFileSync(join(out, 'hippocampus_001_labels.nii.gz'))), 'b');
      expect(back.values).toEqual(truth.values);
      expect(back.ijkToLps).toEqual(truth.ijkToLps);
    });
  },
);

describe.skipIf(!existsSync(MONUSEG) || !hasNibabel)('pseudolab export on MoNuSeg (skipped: needs ../shared/datasets/monuseg and python3-nibabel)', () => {
  it('writes RGB tiles as three channels', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nnunet-rgb-'));
    const ids = readdirSync(join(MONUSEG, 'img'))
      .sort()
      .slice(0, 2)
      .map((f) => f.replace(/\.[^.]+$/, ''));
    expect((await quietMain(['export', '--format', 'nnunet', '--data', MONUSEG, '--cases', ids.join(','), '--out', out])).code).toBe(0);
    const folder = join(out, readdirSync(out)[0]!);
    expect(spawnSync(PYTHON, [CHECKER, folder], { encoding: 'utf8' }).stdout.trim()).toBe('ok 2');
    expect(JSON.parse(readFileSync(join(folder, 'dataset.json'), 'utf8')).channel_names).toEqual({ 0: 'R', 1: 'G', 2: 'B' });
    expect(readdirSync(join(folder, 'imagesTr'))).toHaveLength(6);
  });
});
