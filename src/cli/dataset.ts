import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CaseSplit } from '../data/split.ts';
import { detectFormat } from '../io/detectFormat.ts';
import { openImage2D, readImage2D } from '../io/image2d/readImage2D.ts';
import { readMaskImage, readMaskImage2D } from '../io/image2d/readMaskImage.ts';
import { IMAGE_FILE, IMAGES_FOLDER, maskNamesFor, MASKS_FOLDER, MONUSEG_CLASS, roleOfFolder, type DatasetRole } from '../io/monuseg/monusegLayout.ts';
import { parseMsdDataset } from '../io/msd/msdDataset.ts';
import { readNifti, readNiftiLabelValues } from '../io/nifti/readNifti.ts';
import { listNames } from '../io/text/attachDescriptions.ts';
import { descriptionKey, readDescriptionsCsv, type DescriptionRow } from '../io/text/readDescriptionsCsv.ts';
import { spacingOf, type Vec3 } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';

export interface Case {
  id: string;
  imagePath: string;
  labelPath: string | null;
  /** The image's sentence from the dataset's description CSV (MoNuSeg `*_text.csv`), when it has one. */
  description?: string;
  /** Fixed by the dataset's folders (MoNuSeg Train_Folder / Val_Folder); undefined where the dataset leaves it open. */
  role?: DatasetRole;
}

export interface MsdFolder {
  name: string;
  classes: { value: number; name: string }[];
  cases: Case[];
  /** The imaging modality when the dataset names one (MSD `modality`), for the text prompts ("An MR scan of …"). */
  modality?: string;
}

export interface DatasetFolder extends MsdFolder {
  layout: 'msd' | 'monuseg';
  /** Things worth a line on stderr that do not stop training (CSV rows naming no image, images without a mask). */
  warnings: string[];
}

export function caseId(path: string): string {
  return basename(path).replace(/\.(nii(\.gz)?|png|jpe?g|tiff?)$/i, '');
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
    return { name: ds.name, classes: ds.classes, cases, ...(ds.modalities[0] ? { modality: ds.modalities[0] } : {}) };
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

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
const isImageMaskFolder = (dir: string): boolean => isDir(join(dir, IMAGES_FOLDER)) && isDir(join(dir, MASKS_FOLDER));

/**
 * One MoNuSeg-style folder: each image of img/ with the mask of its name from labelcol/ and its sentence from
 * the folder's `*.csv` (matched by image name, as the app does).
 */
function readImageMaskFolder(dir: string, role: DatasetRole | undefined, warnings: string[]): Case[] {
  const folder = basename(dir);
  const masks = new Set(readdirSync(join(dir, MASKS_FOLDER)));
  const rows = new Map<string, DescriptionRow & { csv: string }>();
  for (const csv of readdirSync(dir)
    .filter((f) => /\.csv$/i.test(f))
    .sort()) {
    const table = readDescriptionsCsv(new Uint8Array(readFileSync(join(dir, csv))), `${folder}/${csv}`);
    for (const p of table.problems) warnings.push(p.message);
    for (const [key, row] of table.byName) if (!rows.has(key)) rows.set(key, { ...row, csv });
  }
  const unlabeled: string[] = [];
  const cases: Case[] = [];
  for (const name of readdirSync(join(dir, IMAGES_FOLDER))
    .filter((f) => IMAGE_FILE.test(f) && !f.startsWith('.'))
    .sort()) {
    const mask = maskNamesFor(name).find((m) => masks.has(m));
    if (!mask) unlabeled.push(name);
    const key = descriptionKey(name);
    const row = rows.get(key);
    rows.delete(key);
    cases.push({
      id: caseId(name),
      imagePath: join(dir, IMAGES_FOLDER, name),
      labelPath: mask ? join(dir, MASKS_FOLDER, mask) : null,
      ...(row ? { description: row.description } : {}),
      ...(role ? { role } : {}),
    });
  }
  if (unlabeled.length) warnings.push(`${folder}: ${unlabeled.length} image(s) have no mask of their name in ${MASKS_FOLDER}/: ${listNames(unlabeled)}`);
  const byCsv = new Map<string, string[]>();
  for (const r of rows.values()) byCsv.set(r.csv, [...(byCsv.get(r.csv) ?? []), r.image]);
  for (const [csv, images] of byCsv)
    warnings.push(`${csv}: describes ${images.length} image(s) that are not in ${folder}/${IMAGES_FOLDER}/: ${listNames(images)}`);
  return cases;
}

/**
 * A MoNuSeg dataset (the LViT/DuSSS layout): DIR with img/ + labelcol/ (+ a description CSV), whose cases
 * have no fixed role; or DIR with Train_Folder/ and Val_Folder/, whose cases are marked train and validation.
 * A Test_Folder is left out: it is for the final check, never for choosing a model. Masks are 0/255 → class 1.
 */
export function readMonusegFolder(dir: string): DatasetFolder {
  const warnings: string[] = [];
  let cases: Case[];
  if (isImageMaskFolder(dir)) {
    cases = readImageMaskFolder(dir, undefined, warnings);
  } else {
    const sets = readdirSync(dir)
      .filter((f) => isImageMaskFolder(join(dir, f)))
      .sort()
      .map((f) => ({ folder: f, role: roleOfFolder(f) }));
    const used = sets.filter((s) => s.role !== undefined);
    if (!used.some((s) => s.role === 'train')) throw new Error(`${dir} has no Train_Folder/ with img/ and labelcol/`);
    for (const s of sets.filter((x) => x.role === undefined)) warnings.push(`${s.folder}/ is left out: only Train_Folder/ and Val_Folder/ are read`);
    cases = used.flatMap((s) => readImageMaskFolder(join(dir, s.folder), s.role, warnings));
  }
  if (cases.length === 0) throw new Error(`${join(dir, IMAGES_FOLDER)} holds no PNG or JPEG image`);
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`${dir}: two images are both named ${c.id}; case names must be unique`);
    ids.add(c.id);
  }
  return { name: basename(dir), layout: 'monuseg', classes: [{ ...MONUSEG_CLASS }], cases, warnings, modality: 'microscopy' };
}

/**
 * `--data DIR` for any layout the CLI reads: a Decathlon folder (dataset.json or imagesTr/), or a MoNuSeg
 * folder (img/ + labelcol/, or Train_Folder/ + Val_Folder/). Throws one sentence naming DIR otherwise.
 */
export function readDatasetFolder(dir: string): DatasetFolder {
  if (!existsSync(dir)) throw new Error(`data folder ${dir} does not exist`);
  if (existsSync(join(dir, 'dataset.json')) || isDir(join(dir, 'imagesTr'))) return { ...readMsdFolder(dir), layout: 'msd', warnings: [] };
  const hasSets = isDir(dir) && readdirSync(dir).some((f) => roleOfFolder(f) && isImageMaskFolder(join(dir, f)));
  if (isImageMaskFolder(dir) || hasSets) return readMonusegFolder(dir);
  throw new Error(
    `${dir} is neither a Decathlon folder (dataset.json or imagesTr/) nor a MoNuSeg folder (img/ and labelcol/, or Train_Folder/ and Val_Folder/)`,
  );
}

/** The split a dataset fixes by its folders (train on Train_Folder, validate on Val_Folder), or null if it fixes none. */
export function splitFromRoles(cases: readonly Case[], seed: number): CaseSplit | null {
  if (!cases.some((c) => c.role)) return null;
  const ids = (role: DatasetRole) =>
    cases
      .filter((c) => c.role === role && c.labelPath)
      .map((c) => c.id)
      .sort();
  return { seed, train: ids('train'), val: ids('validation') };
}

/**
 * An image for training: NIfTI, or a PNG/JPEG read as the app reads it (2D, RGB kept). Synchronous because
 * training reads every case up front in a loop; TIFF decodes asynchronously, so it goes through readImageFile.
 */
export function loadImage(path: string): Volume {
  const bytes = new Uint8Array(readFileSync(path));
  const format = detectFormat(path, bytes);
  if (format === 'png' || format === 'jpeg') return readImage2D(bytes, basename(path), format);
  if (format === 'tiff')
    throw new Error(`${basename(path)}: train reads NIfTI, PNG and JPEG; TIFF is read by predict and eval (save the training images as PNG)`);
  return readNifti(bytes, basename(path)).volume;
}

/** A label map: NIfTI, or a PNG mask (0/255 → class 1) of dims [width, height, 1]. */
export function loadLabels(path: string): { values: Uint8Array; dims: [number, number, number] } {
  const bytes = new Uint8Array(readFileSync(path));
  const format = detectFormat(path, bytes);
  if (format === 'png') {
    const m = readMaskImage(bytes, basename(path));
    return { values: m.values, dims: [m.width, m.height, 1] };
  }
  if (format === 'tiff' || format === 'jpeg')
    throw new Error(`${basename(path)}: train reads NIfTI label maps and PNG masks; TIFF and JPEG masks are read by eval (save the masks as PNG)`);
  const l = readNiftiLabelValues(bytes, basename(path));
  return { values: l.values, dims: l.dims };
}

export function niftiFilesIn(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`folder ${dir} does not exist`);
  return readdirSync(dir)
    .filter((f) => /\.nii(\.gz)?$/i.test(f))
    .sort();
}

/** Files predict and eval read, by name: NIfTI volumes and 2D images (PNG, JPEG, TIFF). */
export const PREDICTABLE_FILE = /\.(nii(\.gz)?|png|jpe?g|tiff?)$/i;

/**
 * The images (or label files) of DIR for predict and eval, sorted: DIR's own NIfTI/PNG/JPEG/TIFF files, or, when
 * it holds none, those of its `inner` folder — so a MoNuSeg folder can be named by its root (img/ for predict,
 * labelcol/ for eval) as well as directly.
 */
export function predictableFilesIn(dir: string, inner: string): { dir: string; files: string[] } {
  if (!isDir(dir)) throw new Error(`folder ${dir} does not exist`);
  const list = (d: string) =>
    readdirSync(d)
      .filter((f) => PREDICTABLE_FILE.test(f) && !f.startsWith('.'))
      .sort();
  const own = list(dir);
  if (own.length > 0 || !isDir(join(dir, inner))) return { dir, files: own };
  return { dir: join(dir, inner), files: list(join(dir, inner)) };
}

/** Any image predict reads: NIfTI as a volume, PNG/JPEG/TIFF as a single-slice volume; one sentence naming the file otherwise. */
export async function readImageFile(path: string): Promise<Volume> {
  const bytes = new Uint8Array(readFileSync(path));
  const name = basename(path);
  const format = detectFormat(path, bytes);
  if (format === 'png' || format === 'jpeg' || format === 'tiff') return openImage2D(bytes, name, format);
  if (format === 'nifti') return readNifti(bytes, name).volume;
  throw new Error(`${name}: is not a NIfTI, PNG, JPEG or TIFF image`);
}

export interface LabelFile {
  values: Uint8Array;
  dims: [number, number, number];
  /** Voxel size in mm from a NIfTI header; null for a 2D mask, whose pixels have no physical size. */
  spacing: Vec3 | null;
}

/** A label map eval reads: NIfTI, or a PNG/TIFF/JPEG mask (0/255 → class 1; JPEG split at 128). */
export async function readLabelFile(path: string): Promise<LabelFile> {
  const bytes = new Uint8Array(readFileSync(path));
  const name = basename(path);
  const format = detectFormat(path, bytes);
  if (format === 'png' || format === 'jpeg' || format === 'tiff') {
    const m = await readMaskImage2D(bytes, name, format);
    return { values: m.values, dims: [m.width, m.height, 1], spacing: null };
  }
  if (format === 'nifti') {
    const l = readNiftiLabelValues(bytes, name);
    return { values: l.values, dims: l.dims, spacing: spacingOf(l.ijkToLps) };
  }
  throw new Error(`${name}: is not a label file — eval reads NIfTI label maps and PNG, TIFF or JPEG masks`);
}

/**
 * A 2D image as the model's input channels: a grey image (or an RGB one whose channels agree, which io stores as
 * grey) is repeated into RGB for an RGB model; anything else must match.
 */
export function matchChannels(volume: Volume, channels: number): Volume {
  if (volume.channels === channels) return volume;
  const grey = volume.voxels;
  if (volume.channels === 1 && channels === 3 && volume.source.format === 'image' && (grey instanceof Uint8Array || grey instanceof Uint16Array)) {
    const rgb = new Uint8Array(grey.length * 3);
    // 16-bit grey keeps its top 8 bits, as 16-bit colour does when io reads it.
    const shift = grey instanceof Uint16Array ? 8 : 0;
    for (let n = 0; n < grey.length; n++) rgb[3 * n] = rgb[3 * n + 1] = rgb[3 * n + 2] = grey[n]! >> shift;
    return { ...volume, channels: 3, voxels: rgb };
  }
  throw new Error(`${volume.name} has ${volume.channels} channel${volume.channels === 1 ? '' : 's'}, the model expects ${channels}`);
}
