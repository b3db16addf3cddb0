import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { flipRasLps, invert, transformPoint, type Mat4, type Vec3 } from '../../volume/geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { openInputs } from '../openInputs.ts';
import { nodeFile, nodeFolder } from './nodeFiles.ts';

/**
 * Our readers against the reference readers on this machine: nibabel for NIfTI (files it writes, and its own
 * test data), pydicom and dcm2niix for DICOM series. Each comparison gives dims, the voxel→world matrix and the
 * values, and says match, mismatch (with the largest difference) or refused (with our message).
 */

export const PYTHON = '/usr/bin/python3';

export function referenceTools(): { nibabel: boolean; pydicom: boolean; dcm2niix: boolean } {
  const has = (mod: string): boolean => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${mod}`]).status === 0;
  const d2n = spawnSync('dcm2niix', ['-h']);
  return { nibabel: has('nibabel'), pydicom: has('pydicom'), dcm2niix: !d2n.error };
}

function python(code: string, args: string[]): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** Writes NIfTI files with nibabel: dtypes, qform-only, sform-only, oblique, big-endian, scaled, 4D, a pair. */
const WRITE_NIFTI = String.raw`
import sys, numpy as np, nibabel as nib
out = sys.argv[1]
rng = np.random.default_rng(7)
shape = (5, 4, 3)
def rot(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
oblique = np.eye(4); oblique[:3, :3] = rot(0.3) @ np.diag([0.8, 1.2, 2.5]); oblique[:3, 3] = [-10, 20, 5.5]
flipped = np.diag([-1.5, 1.0, -2.0, 1.0]); flipped[:3, 3] = [40, -30, 12]
cases = {
  'uint8': (rng.integers(0, 255, shape).astype(np.uint8), np.diag([1, 1, 1, 1.0])),
  'int16': (rng.integers(-2000, 3000, shape).astype(np.int16), oblique),
  'uint16': (rng.integers(0, 60000, shape).astype(np.uint16), flipped),
  'int32': (rng.integers(-100000, 100000, shape).astype(np.int32), oblique),
  'float32': (rng.normal(size=shape).astype(np.float32), flipped),
  'float64': (rng.normal(size=shape), oblique),
  'int64': (rng.integers(0, 5, shape).astype(np.int64), flipped),
  'int8': (rng.integers(-100, 100, shape).astype(np.int8), oblique),
}
for name, (data, aff) in cases.items():
    img = nib.Nifti1Image(data, aff, dtype=data.dtype)
    nib.save(img, f'{out}/{name}.nii.gz')
# sform only, qform only
data, aff = cases['int16']
img = nib.Nifti1Image(data, aff); img.set_qform(None, code=0); img.set_sform(aff, code=2); nib.save(img, f'{out}/sform-only.nii')
img = nib.Nifti1Image(data, aff); img.set_sform(None, code=0); img.set_qform(aff, code=1); nib.save(img, f'{out}/qform-only.nii')
# big-endian
hdr = nib.Nifti1Header(endianness='>')
img = nib.Nifti1Image(cases['float32'][0], flipped, header=hdr); nib.save(img, f'{out}/big-endian.nii')
# scaled int16
img = nib.Nifti1Image(cases['int16'][0], oblique, dtype=np.int16); img.header.set_slope_inter(0.5, -100); nib.save(img, f'{out}/scaled.nii')
# 4D: our reader opens frame 0
img = nib.Nifti1Image(rng.normal(size=shape + (2,)).astype(np.float32), oblique); nib.save(img, f'{out}/4d.nii.gz')
# NIfTI-2
img = nib.Nifti2Image(cases['float32'][0], oblique); nib.save(img, f'{out}/nifti2.nii')
# .hdr/.img pair
img = nib.Nifti1Pair(cases['int16'][0], flipped); nib.save(img, f'{out}/pair.img')
# multi-member gzip (as cat a.gz b.gz or pigz write): the same bytes split into three members
import gzip
raw = gzip.decompress(open(f'{out}/float32.nii.gz', 'rb').read())
cuts = [0, 200, len(raw) // 2, len(raw)]
with open(f'{out}/multi-member.nii.gz', 'wb') as f:
    for a, b in zip(cuts, cuts[1:]): f.write(gzip.compress(raw[a:b]))
`;

/** nibabel's view of a file: shape, RAS affine and the first 3D frame in i-fastest order. */
const READ_NIFTI = String.raw`
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
d = np.asanyarray(img.dataobj)
scaled = img.get_fdata() if d.dtype.kind not in 'V' else None
if scaled is None: raise SystemExit('rgb')
while scaled.ndim > 3: scaled = scaled[..., 0]
while scaled.ndim < 3: scaled = scaled[..., None]
print(json.dumps({'shape': list(scaled.shape), 'affine': img.affine.tolist(), 'values': scaled.ravel(order='F').tolist()}))
`;

export interface Comparison {
  file: string;
  reference: string;
  verdict: 'match' | 'mismatch' | 'refused' | 'reference-failed';
  detail: string;
}

/** Largest relative difference; NaN (null in the reference's JSON) on both sides counts as equal. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number | null>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let n = 0; n < Math.min(a.length, b.length); n++) {
    const x = a[n]!;
    const y = b[n];
    if (y === null || y === undefined || Number.isNaN(y)) {
      if (!Number.isNaN(x)) m = Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(x - y) / Math.max(1, Math.abs(y)));
  }
  return m;
}

/** Python's json writes NaN and Infinity bare, which JSON.parse refuses. */
function parsePythonJson<T>(text: string): T {
  return JSON.parse(text.replace(/\bNaN\b/g, 'null').replace(/-?\bInfinity\b/g, 'null')) as T;
}

async function openOne(paths: string[]): Promise<{ volume?: Volume; message: string }> {
  const r = await openInputs(paths.map((p) => nodeFile(p)));
  return { volume: r.volumes[0], message: r.problems.map((p) => p.message).join(' | ') };
}

/** Compares our reading of one NIfTI file (or pair) with nibabel's. */
export async function compareNifti(path: string): Promise<Comparison> {
  const paths = path.endsWith('.hdr') ? [path, path.replace(/\.hdr$/, '.img')] : path.endsWith('.img') ? [path.replace(/\.img$/, '.hdr'), path] : [path];
  let ref: { shape: number[]; affine: number[][]; values: (number | null)[] };
  try {
    ref = parsePythonJson(python(READ_NIFTI, [path]));
  } catch (e) {
    return {
      file: basename(path),
      reference: 'nibabel',
      verdict: 'reference-failed',
      detail: String((e as Error).message)
        .split('\n')
        .slice(-2)
        .join(' '),
    };
  }
  const ours = await openOne(paths.filter((p) => existsSync(p)));
  if (!ours.volume) return { file: basename(path), reference: 'nibabel', verdict: 'refused', detail: ours.message };
  const v = ours.volume;
  const problems: string[] = [];
  if (v.geometry.dims.join() !== ref.shape.join()) problems.push(`dims ${v.geometry.dims.join('×')} vs ${ref.shape.join('×')}`);
  const ras = flipRasLps(v.geometry.ijkToLps);
  const refAffine = ref.affine.flat();
  const affineDiff = Math.max(...ras.map((x, n) => Math.abs(x - refAffine[n]!)));
  if (affineDiff > 1e-4) problems.push(`affine differs by ${affineDiff.toExponential(2)}`);
  const valueDiff = maxAbsDiff(v.voxels as ArrayLike<number>, ref.values);
  if (valueDiff > 1e-6) problems.push(`values differ by ${valueDiff.toExponential(2)} (relative)`);
  return {
    file: basename(path),
    reference: 'nibabel',
    verdict: problems.length ? 'mismatch' : 'match',
    detail: problems.length
      ? problems.join('; ')
      : `${v.geometry.dims.join('×')}, affine within ${affineDiff.toExponential(1)}, values within ${valueDiff.toExponential(1)}`,
  };
}

export function writeNibabelFiles(dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  python(WRITE_NIFTI, [dir]);
  return readdirSync(dir)
    .filter((f) => !f.endsWith('.img'))
    .sort()
    .map((f) => join(dir, f));
}

export function nibabelTestData(): string[] {
  const r = spawnSync(PYTHON, ['-c', 'import nibabel, os; print(os.path.join(os.path.dirname(nibabel.__file__), "tests", "data"))'], { encoding: 'utf8' });
  const dir = r.stdout.trim();
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(nii|nii\.gz|hdr)$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** pydicom's view of a series: per file, position, orientation, spacing and rescaled pixels (row-major). */
const READ_DICOM = String.raw`
import sys, os, json, numpy as np, pydicom
out = []
for name in sorted(os.listdir(sys.argv[1])):
    ds = pydicom.dcmread(os.path.join(sys.argv[1], name))
    px = ds.pixel_array.astype(np.float64) * float(getattr(ds, 'RescaleSlope', 1)) + float(getattr(ds, 'RescaleIntercept', 0))
    out.append({'position': [float(v) for v in ds.ImagePositionPatient], 'orientation': [float(v) for v in ds.ImageOrientationPatient],
                'spacing': [float(v) for v in ds.PixelSpacing], 'rows': int(ds.Rows), 'columns': int(ds.Columns), 'values': px.ravel().tolist()})
print(json.dumps(out))
`;

/** Compares our assembly of a DICOM series with pydicom's reading of each file. */
export async function compareDicomPydicom(dir: string): Promise<Comparison> {
  const slices = JSON.parse(python(READ_DICOM, [dir])) as {
    position: Vec3;
    orientation: number[];
    spacing: number[];
    rows: number;
    columns: number;
    values: number[];
  }[];
  const r = await openInputs(nodeFolder(dir));
  const v = r.volumes[0];
  const name = basename(dir);
  if (!v) return { file: name, reference: 'pydicom', verdict: 'refused', detail: r.problems.map((p) => p.message).join(' | ') };
  const problems: string[] = [];
  const [nx, ny, nz] = v.geometry.dims;
  if (nz !== slices.length || nx !== slices[0]!.columns || ny !== slices[0]!.rows)
    problems.push(`dims ${v.geometry.dims.join('×')} vs ${slices[0]!.columns}×${slices[0]!.rows}×${slices.length}`);
  // Each pydicom slice must sit where our matrix puts it, with the same values.
  const toIjk = invert(v.geometry.ijkToLps);
  let worstPosition = 0;
  let worstValue = 0;
  for (const s of slices) {
    const ijk = transformPoint(toIjk, s.position);
    const k = Math.round(ijk[2]);
    worstPosition = Math.max(worstPosition, Math.abs(ijk[0]), Math.abs(ijk[1]), Math.abs(ijk[2] - k));
    if (k < 0 || k >= nz) {
      problems.push(`a slice at ${s.position.join(', ')} lies outside our volume`);
      continue;
    }
    const ours = v.voxels as ArrayLike<number> as { subarray?: unknown } & ArrayLike<number>;
    for (let p = 0; p < nx * ny; p++) worstValue = Math.max(worstValue, Math.abs(ours[k * nx * ny + p]! - s.values[p]!));
  }
  const spacingDiff = Math.max(Math.abs(v.geometry.spacing[0] - slices[0]!.spacing[1]!), Math.abs(v.geometry.spacing[1] - slices[0]!.spacing[0]!));
  // DS values carry a few decimals and the volume uses the mean slice gap, so a hundredth of a voxel is agreement.
  if (worstPosition > 1e-2) problems.push(`slice positions off by ${worstPosition.toExponential(2)} voxels`);
  if (spacingDiff > 1e-4) problems.push(`pixel spacing off by ${spacingDiff}`);
  if (worstValue > 1e-3) problems.push(`values differ by up to ${worstValue}`);
  return {
    file: name,
    reference: 'pydicom',
    verdict: problems.length ? 'mismatch' : 'match',
    detail: problems.length
      ? problems.join('; ')
      : `${v.geometry.dims.join('×')}, every slice at its position (within ${worstPosition.toExponential(1)} voxels), values exact`,
  };
}

/**
 * dcm2niix's NIfTI of a series against ours, in world space: every voxel of ours, mapped through our matrix and
 * back through dcm2niix's, must land on a voxel of the same value (dcm2niix may flip rows and reorder slices).
 */
export async function compareDicomDcm2niix(dir: string, tmp: string): Promise<Comparison> {
  const name = basename(dir);
  const out = join(tmp, `d2n-${name}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const run = spawnSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'series', '-o', out, dir], { encoding: 'utf8' });
  const nii = readdirSync(out).filter((f) => f.endsWith('.nii'));
  if (run.status !== 0 || nii.length === 0)
    return { file: name, reference: 'dcm2niix', verdict: 'reference-failed', detail: run.stdout.split('\n').slice(-3).join(' ') };
  const ref = parsePythonJson<{ shape: number[]; affine: number[][]; values: number[] }>(python(READ_NIFTI, [join(out, nii[0]!)]));
  const r = await openInputs(nodeFolder(dir));
  const v = r.volumes[0];
  if (!v) return { file: name, reference: 'dcm2niix', verdict: 'refused', detail: r.problems.map((p) => p.message).join(' | ') };
  const refLps = invert(flipRasLps(ref.affine.flat() as Mat4));
  const [nx, ny, nz] = v.geometry.dims;
  const [rx, ry, rz] = ref.shape as [number, number, number];
  let worstOffset = 0;
  let worstValue = 0;
  let outside = 0;
  const voxels = v.voxels as ArrayLike<number>;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j += 3) {
      for (let i = 0; i < nx; i += 3) {
        const p = transformPoint(refLps, transformPoint(v.geometry.ijkToLps, [i, j, k]));
        const q = p.map(Math.round) as Vec3;
        worstOffset = Math.max(worstOffset, ...p.map((x, n) => Math.abs(x - q[n]!)));
        if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= rx || q[1] >= ry || q[2] >= rz) {
          outside++;
          continue;
        }
        const theirs = ref.values[q[0] + rx * (q[1] + ry * q[2])]!;
        worstValue = Math.max(worstValue, Math.abs(theirs - voxels[i + nx * (j + ny * k)]!));
      }
    }
  }
  const problems: string[] = [];
  if (nx * ny * nz !== rx * ry * rz) problems.push(`dims ${v.geometry.dims.join('×')} vs ${ref.shape.join('×')}`);
  if (outside > 0) problems.push(`${outside} sampled voxels fall outside dcm2niix's grid`);
  if (worstOffset > 1e-2) problems.push(`grids offset by ${worstOffset.toFixed(3)} voxels`);
  if (worstValue > 1e-3) problems.push(`values differ by up to ${worstValue}`);
  return {
    file: name,
    reference: 'dcm2niix',
    verdict: problems.length ? 'mismatch' : 'match',
    detail: problems.length
      ? problems.join('; ')
      : `${v.geometry.dims.join('×')} vs dcm2niix ${ref.shape.join('×')}: same voxels at the same world positions (grid offset ${worstOffset.toExponential(1)} voxels)`,
  };
}

export function dicomSeriesDirs(datasets: string): string[] {
  const root = join(datasets, 'dicom');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => readdirSync(d).length > 0)
    .sort();
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
