import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import { sameGeometry } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { detectFormat, type FileFormat } from './detectFormat.ts';
import { assembleSeries, groupBySeries } from './dicom/assembleSeries.ts';
import { parseDicomFile, type DicomFileInfo } from './dicom/parseDicomFile.ts';
import { readImage2D, readMaskImage } from './image2d/readImage2D.ts';
import { joinPath, parseMsdDataset, type MsdDataset } from './msd/msdDataset.ts';
import { readNifti, readNiftiLabelValues } from './nifti/readNifti.ts';
import type { ArrivedLabels, InputFile, OpenResult, Problem, ProgressFn } from './types.ts';

const yieldToUi = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function folderOf(path: string): string {
  const n = path.lastIndexOf('/');
  return n < 0 ? '' : path.slice(0, n);
}

function baseName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.(nii\.gz|nii|png|jpe?g|dcm)$/i, '');
}

/** Folders whose PNGs are masks for same-named images elsewhere in the drop (MoNuSeg's labelcol/). */
const MASK_FOLDERS = /(^|\/)(labelcol|labels?|masks?|annotations?)$/i;

interface Classified {
  file: InputFile;
  bytes: Uint8Array;
  format: FileFormat;
}

function problemFrom(file: string, e: unknown, severity: Problem['severity'] = 'error'): Problem {
  return { file, severity, message: e instanceof Error ? e.message : String(e) };
}

function fullLabels(volume: Volume, values: Uint8Array, fileName: string): ArrivedLabels {
  const labels = createLabelMap(volume.geometry.dims, values);
  markAllSlices(labels, SliceProvenance.Imported);
  return { volumeId: volume.id, fileName, labels };
}

function sizeText(d: readonly number[]): string {
  return d.join('×');
}

/**
 * Everything a user opened — files, folders, a dataset — as volumes, labels that came with them, class names,
 * and problems. Never throws for a bad file: each becomes a Problem naming the file, and the rest still open.
 */
export async function openInputs(files: InputFile[], onProgress?: ProgressFn): Promise<OpenResult> {
  const result: OpenResult = { volumes: [], labels: [], classes: [], problems: [] };
  const total = files.length;
  let done = 0;
  const tick = async (what: string): Promise<void> => {
    done++;
    onProgress?.(done, total, what);
    await yieldToUi();
  };

  // 1. Read and classify. Bytes are read once; unknown formats are reported here.
  const classified: Classified[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await file.read();
    } catch (e) {
      result.problems.push(problemFrom(file.path, new Error(`cannot be read (${(e as Error).message})`)));
      await tick(file.name);
      continue;
    }
    const format = bytes.length === 0 ? 'unknown' : detectFormat(file.path, bytes);
    if (format === 'ignored') {
      await tick(file.name);
      continue;
    }
    if (format === 'unknown' || format === 'json') {
      const why = bytes.length === 0 ? 'the file is empty' : 'its format is not recognised (open NIfTI .nii/.nii.gz, DICOM, PNG or JPEG)';
      result.problems.push({ file: file.path, severity: 'error', message: why });
      await tick(file.name);
      continue;
    }
    classified.push({ file, bytes, format });
  }

  // 2. A Decathlon dataset.json claims the cases it lists.
  const claimed = new Set<InputFile>();
  for (const c of classified.filter((x) => x.format === 'msd-json')) {
    claimed.add(c.file);
    let ds: MsdDataset;
    try {
      ds = parseMsdDataset(new TextDecoder().decode(c.bytes), c.file.path);
    } catch (e) {
      result.problems.push(problemFrom(c.file.path, e));
      continue;
    }
    for (const cl of ds.classes) if (!result.classes.some((x) => x.value === cl.value)) result.classes.push(cl);
    const byPath = new Map(classified.map((x) => [x.file.path, x]));
    let missing = 0;
    for (const kase of ds.cases) {
      const image = byPath.get(joinPath(ds.root, kase.image));
      if (!image) {
        missing++;
        continue;
      }
      claimed.add(image.file);
      const label = kase.label ? byPath.get(joinPath(ds.root, kase.label)) : undefined;
      if (label) claimed.add(label.file);
      let volume: Volume;
      try {
        const read = readNifti(image.bytes, image.file.name);
        volume = read.volume;
        for (const w of read.warnings) result.problems.push({ file: image.file.path, severity: 'warning', message: w });
      } catch (e) {
        result.problems.push(problemFrom(image.file.path, e));
        await tick(image.file.name);
        continue;
      }
      result.volumes.push(volume);
      if (label) {
        try {
          const l = readNiftiLabelValues(label.bytes, label.file.name);
          if (l.dims.some((d, n) => d !== volume.geometry.dims[n])) {
            result.problems.push({
              file: label.file.path,
              severity: 'error',
              message: `label size ${sizeText(l.dims)} does not match its image ${image.file.name} (${sizeText(volume.geometry.dims)}); the image opens unlabeled`,
            });
          } else {
            result.labels.push(fullLabels(volume, l.values, label.file.name));
          }
        } catch (e) {
          result.problems.push(problemFrom(label.file.path, e));
        }
      }
      await tick(image.file.name);
    }
    if (missing > 0) {
      result.problems.push({
        file: c.file.path,
        severity: 'warning',
        message: `lists ${ds.cases.length} training cases; ${missing} of them were not among the opened files`,
      });
    }
    // Label files of the dataset that no case claimed are not images to open.
    for (const x of classified) if (folderOf(x.file.path) === joinPath(ds.root, 'labelsTr')) claimed.add(x.file);
  }

  // 3. DICOM: parse headers, group into series, build one volume per series.
  const dicomInfos: DicomFileInfo[] = [];
  for (const c of classified.filter((x) => x.format === 'dicom' && !claimed.has(x.file))) {
    try {
      dicomInfos.push(parseDicomFile(c.bytes, c.file.path));
    } catch (e) {
      result.problems.push(problemFrom(c.file.path, e));
    }
    await tick(c.file.name);
  }
  const series = groupBySeries(dicomInfos);
  if (series.size > 1) {
    const folders = [...new Set(dicomInfos.map((i) => folderOf(i.fileName) || '(the opened files)'))];
    result.problems.push({
      file: folders.length === 1 ? folders[0]! : `${folders.length} folders`,
      severity: 'warning',
      message: `holds ${series.size} series; each opens as its own volume`,
    });
  }
  for (const files of series.values()) {
    const r = await assembleSeries(files);
    result.problems.push(...r.problems);
    if (r.volume) result.volumes.push(r.volume);
  }

  // 4. NIfTI files and 2D images; PNGs in a mask folder pair with the same-named image.
  const rest = classified.filter((x) => !claimed.has(x.file) && (x.format === 'nifti' || x.format === 'png' || x.format === 'jpeg'));
  const masks = rest.filter((x) => x.format === 'png' && MASK_FOLDERS.test(folderOf(x.file.path)));
  const images = rest.filter((x) => !masks.includes(x));
  const maskByBase = new Map(masks.map((m) => [baseName(m.file.path), m]));
  for (const c of images) {
    try {
      if (c.format === 'nifti') {
        const read = readNifti(c.bytes, c.file.name);
        for (const w of read.warnings) result.problems.push({ file: c.file.path, severity: 'warning', message: w });
        result.volumes.push(read.volume);
      } else {
        const volume = readImage2D(c.bytes, c.file.name, c.format as 'png' | 'jpeg');
        result.volumes.push(volume);
        const mask = maskByBase.get(baseName(c.file.path));
        if (mask) {
          maskByBase.delete(baseName(c.file.path));
          try {
            const m = readMaskImage(mask.bytes, mask.file.name);
            if (m.width !== volume.geometry.dims[0] || m.height !== volume.geometry.dims[1]) {
              result.problems.push({
                file: mask.file.path,
                severity: 'error',
                message: `mask size ${m.width}×${m.height} does not match its image ${c.file.name} (${volume.geometry.dims[0]}×${volume.geometry.dims[1]}); the image opens unlabeled`,
              });
            } else {
              result.labels.push(fullLabels(volume, m.values, mask.file.name));
            }
          } catch (e) {
            result.problems.push(problemFrom(mask.file.path, e));
          }
        }
      }
    } catch (e) {
      result.problems.push(problemFrom(c.file.path, e));
    }
    await tick(c.file.name);
  }
  // Masks without an image are images in their own right.
  for (const m of maskByBase.values()) {
    try {
      result.volumes.push(readImage2D(m.bytes, m.file.name, 'png'));
    } catch (e) {
      result.problems.push(problemFrom(m.file.path, e));
    }
  }
  onProgress?.(total, total, 'done');
  return result;
}

/**
 * A label file (NIfTI or PNG mask) for an open volume. Sizes must match exactly; a different voxel→world
 * matrix is allowed (labels are per voxel) but reported.
 */
export async function importLabelFile(file: InputFile, volume: Volume): Promise<{ values: Uint8Array; warnings: string[] }> {
  const bytes = await file.read();
  const format = bytes.length === 0 ? 'unknown' : detectFormat(file.path, bytes);
  const warnings: string[] = [];
  const dims = volume.geometry.dims;
  if (format === 'nifti') {
    const l = readNiftiLabelValues(bytes, file.name);
    if (l.dims.some((d, n) => d !== dims[n])) {
      throw new Error(`label size ${sizeText(l.dims)} does not match ${volume.name} (${sizeText(dims)}); nothing was imported`);
    }
    if (!sameGeometry({ dims: l.dims, spacing: [1, 1, 1], ijkToLps: l.ijkToLps }, volume.geometry)) {
      warnings.push(`its voxel-to-world matrix differs from ${volume.name}'s; labels were placed voxel by voxel`);
    }
    return { values: l.values, warnings };
  }
  if (format === 'png') {
    const m = readMaskImage(bytes, file.name);
    if (dims[2] !== 1 || m.width !== dims[0] || m.height !== dims[1]) {
      throw new Error(`mask size ${m.width}×${m.height} does not match ${volume.name} (${sizeText(dims)}); nothing was imported`);
    }
    return { values: m.values, warnings };
  }
  throw new Error('is not a label file: import NIfTI (.nii, .nii.gz) or a PNG mask');
}
