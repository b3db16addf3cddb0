import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseMsdDataset } from '../io/msd/msdDataset.ts';
import { readNifti, readNiftiLabelValues } from '../io/nifti/readNifti.ts';
import type { Volume } from '../volume/Volume.ts';

export interface Case {
  id: string;
  imagePath: string;
  labelPath: string | null;
}

export interface MsdFolder {
  name: string;
  classes: { value: number; name: string }[];
  cases: Case[];
}

export function caseId(path: string): string {
  return basename(path).replace(/\.nii(\.gz)?$/i, '');
}

/** Training cases of a Decathlon folder: from dataset.json, or imagesTr/labelsTr paired by file name. */
export function readMsdFolder(dir: string): MsdFolder {
  if (!existsSync(dir)) throw new Error(`data folder ${dir} does not exist`);
  const json = join(dir, 'dataset.json');
  if (existsSync(json)) {
    const ds = parseMsdDataset(readFileSync(json, 'utf8'), 'dataset.json');
    const cases = ds.cases
      .map((c) => ({ id: caseId(c.image), imagePath: join(dir, c.image), labelPath: c.label ? join(dir, c.label) : null }))
      .filter((c) => existsSync(c.imagePath));
    if (cases.length === 0) throw new Error(`${json} lists no training case whose image exists`);
    return { name: ds.name, classes: ds.classes, cases };
  }
  const images = join(dir, 'imagesTr');
  if (!existsSync(images)) throw new Error(`${dir} is not a Decathlon folder: no dataset.json and no imagesTr/`);
  const cases = readdirSync(images)
    .filter((f) => /\.nii(\.gz)?$/i.test(f))
    .sort()
    .map((f) => {
      const label = join(dir, 'labelsTr', f);
      return { id: caseId(f), imagePath: join(images, f), labelPath: existsSync(label) ? label : null };
    });
  return { name: basename(dir), classes: [], cases };
}

export function loadImage(path: string): Volume {
  return readNifti(new Uint8Array(readFileSync(path)), basename(path)).volume;
}

export function loadLabels(path: string): { values: Uint8Array; dims: [number, number, number] } {
  const l = readNiftiLabelValues(new Uint8Array(readFileSync(path)), basename(path));
  return { values: l.values, dims: l.dims };
}

export function niftiFilesIn(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`folder ${dir} does not exist`);
  return readdirSync(dir).filter((f) => /\.nii(\.gz)?$/i.test(f)).sort();
}
