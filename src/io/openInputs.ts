import type { Volume } from '../volume/Volume.ts';
import { detectFormat, fileNameOf, folderOf, isIgnoredFile, type FileFormat } from './detectFormat.ts';
import { openDicomSeries } from './dicom/openDicomSeries.ts';
import { isDicomSeg } from './dicomSeg/isDicomSeg.ts';
import { parseDicomFile, type DicomFileInfo } from './dicom/parseDicomFile.ts';
import { openImage2D, readImage2D } from './image2d/readImage2D.ts';
import { importedLabels } from './importedLabels.ts';
import { labelValuesFor } from './importLabelFile.ts';
import { findImageMaskRoots } from './monuseg/monusegLayout.ts';
import { openMonusegFolder } from './monuseg/openMonusegFolder.ts';
import { openMsdDataset } from './msd/openMsdDataset.ts';
import { joinNiftiPair } from './nifti/joinNiftiPair.ts';
import { readNifti } from './nifti/readNifti.ts';
import { explain, problemAbout } from './problems.ts';
import { attachDescriptions, type OpenedVolume } from './text/attachDescriptions.ts';
import { readDescriptionsCsv, type DescriptionTable } from './text/readDescriptionsCsv.ts';
import type { InputFile, OpenResult, ProgressFn } from './types.ts';

// Kept here so callers have one import for opening and for importing labels.
export { importLabelFile } from './importLabelFile.ts';

/** A macrotask, not a microtask: only that lets a browser repaint the progress bar between files. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Folders whose files are labels for same-named images elsewhere in the drop: MoNuSeg's labelcol/, a
 * Decathlon labelsTr/ dropped without its dataset.json, and the usual names people give such folders.
 */
const LABEL_FOLDER = /(^|\/)(labelcol|labels?|labelsT[rs]|masks?|annotations?|ground_?truth|gt)$/i;
const LABEL_NAME = /\.(png|tiff?|nii|nii\.gz)$/i;
/** Per-image descriptions (LViT's `*_text.csv`); read by name, since text has no magic number. */
const CSV_NAME = /\.csv$/i;
/** LViT publishes its text as `*_text.xlsx` too; only the CSV is read. */
const SPREADSHEET_NAME = /\.(xlsx|xls|ods)$/i;

/** What pairs an image with its label: the name without extension (and without nnU-Net's first-channel `_0000`). */
function caseName(path: string): string {
  return fileNameOf(path)
    .replace(/_0000(\.nii(\.gz)?)$/i, '$1')
    .replace(/\.(nii\.gz|nii|png|jpe?g|tiff?|dcm)$/i, '');
}

/** Why a file that is not an image is not opened, in words a clinician can act on. */
function notAnImage(format: FileFormat, name: string): string {
  switch (format) {
    case 'nifti-pair':
      return `${name}: is half of a NIfTI/Analyze .hdr/.img pair; open it together with the .hdr or .img file of the same name`;
    case 'zip':
      return `${name}: is a zip archive; unpack it and open the folder inside`;
    case 'gzip-other':
      return `${name}: is a gzip archive that holds no NIfTI image`;
    default:
      return `${name}: its format is not recognised — open NIfTI (.nii, .nii.gz), DICOM, PNG, JPEG or TIFF files, a Decathlon folder with its dataset.json, or a CSV of image descriptions`;
  }
}

/**
 * Everything a user opened — files, folders, a dataset (Decathlon, MoNuSeg), CSVs of image descriptions — as
 * volumes (with their descriptions), the labels that came with them, class names and problems. The format
 * comes from each file's bytes (magic numbers), the name only breaking ties.
 * Never throws for a bad file: each becomes a Problem whose message names the file, and the rest still open.
 * Yields to the event loop after every file so a UI can show progress.
 */
export async function openInputs(files: InputFile[], onProgress?: ProgressFn): Promise<OpenResult> {
  const result: OpenResult = { volumes: [], labels: [], classes: [], problems: [] };
  const total = files.length;
  let done = 0;
  const tick = async (what: string, count = 1): Promise<void> => {
    done = Math.min(total, done + count);
    onProgress?.(done, total, what);
    await yieldToEventLoop();
  };
  try {
    await openAll(files, result, tick);
  } catch (e) {
    // Every step reports its own files; reaching here is a bug, and what did open must still reach the user.
    result.problems.push({
      file: '(opened files)',
      severity: 'error',
      message: 'opening stopped early because of an internal error; files not listed yet were not opened',
      detail: explain(e).detail ?? (e as Error).message,
    });
  }
  onProgress?.(total, total, 'done');
  return result;
}

async function openAll(files: InputFile[], result: OpenResult, tick: (what: string, count?: number) => Promise<void>): Promise<void> {
  const visible = files.filter((f) => !isIgnoredFile(f.path));
  if (visible.length < files.length) await tick('skipped hidden files', files.length - visible.length);

  // 0. Description CSVs are read first and applied last, whatever layout their images come in.
  const tables: DescriptionTable[] = [];
  for (const csv of visible.filter((f) => CSV_NAME.test(f.name))) {
    try {
      const table = readDescriptionsCsv(await csv.read(), csv.path);
      result.problems.push(...table.problems);
      if (table.byName.size > 0) tables.push(table);
    } catch (e) {
      result.problems.push(problemAbout(csv.path, csv.name, `cannot be read (${(e as Error).message})`));
    }
    await tick(csv.name);
  }
  const csvFolders = new Set(visible.filter((f) => CSV_NAME.test(f.name)).map((f) => folderOf(f.path)));
  for (const sheet of visible.filter((f) => SPREADSHEET_NAME.test(f.name))) {
    // Beside a CSV it is the same table in another format (LViT ships both); alone, say what to do with it.
    if (!csvFolders.has(folderOf(sheet.path))) {
      result.problems.push({
        file: sheet.path,
        severity: 'warning',
        message: `${sheet.name}: is a spreadsheet; descriptions are read from CSV — save it as CSV (columns Image, Description) and open that with the images`,
      });
    }
    await tick(sheet.name);
  }
  const opened: OpenedVolume[] = [];
  const claimed = new Set<string>();
  for (const f of visible) if (CSV_NAME.test(f.name) || SPREADSHEET_NAME.test(f.name)) claimed.add(f.path);

  // 1. A Decathlon dataset.json takes every file under its folder (outermost dataset first).
  const jsons = visible.filter((f) => fileNameOf(f.path).toLowerCase() === 'dataset.json').sort((a, b) => a.path.length - b.path.length);
  for (const json of jsons) {
    if (claimed.has(json.path)) continue;
    const msd = await openMsdDataset(
      json,
      visible.filter((f) => !claimed.has(f.path)),
      (what) => tick(what),
    );
    result.volumes.push(...msd.volumes);
    result.labels.push(...msd.labels);
    opened.push(...msd.opened);
    for (const c of msd.classes) if (!result.classes.some((x) => x.value === c.value)) result.classes.push(c);
    result.problems.push(...msd.problems);
    for (const p of msd.claimed) claimed.add(p);
    // Images were counted as they opened; labels and other files of the dataset count now.
    await tick('dataset.json', msd.claimed.size - msd.volumes.length);
  }

  // 1b. A MoNuSeg-style folder takes the files of its img/ and labelcol/.
  for (const root of findImageMaskRoots(visible.filter((f) => !claimed.has(f.path)).map((f) => f.path))) {
    let ticked = 0;
    const folder = await openMonusegFolder(
      root,
      visible.filter((f) => !claimed.has(f.path)),
      (what) => {
        ticked++;
        return tick(what);
      },
    );
    result.volumes.push(...folder.volumes);
    result.labels.push(...folder.labels);
    opened.push(...folder.opened);
    for (const c of folder.classes) if (!result.classes.some((x) => x.value === c.value)) result.classes.push(c);
    result.problems.push(...folder.problems);
    if (folder.validationVolumeIds.length > 0) result.validationVolumeIds = [...(result.validationVolumeIds ?? []), ...folder.validationVolumeIds];
    for (const p of folder.claimed) claimed.add(p);
    // Images were counted as they opened; masks and other files count now.
    await tick(root || 'img/', folder.claimed.size - ticked);
  }
  const rest = visible.filter((f) => !claimed.has(f.path));

  // 2. Label files beside their images, paired by path before anything is read. A label folder's file with no
  // image of its name is opened as an image in its own right.
  const labelFiles = new Map<string, InputFile>();
  for (const f of rest) if (LABEL_NAME.test(f.name) && LABEL_FOLDER.test(folderOf(f.path))) labelFiles.set(caseName(f.path), f);
  const imageCases = new Set(rest.filter((f) => !LABEL_FOLDER.test(folderOf(f.path))).map((f) => caseName(f.path)));
  const isPairedLabel = (f: InputFile): boolean => labelFiles.get(caseName(f.path)) === f && imageCases.has(caseName(f.path));
  const labelFor = (f: InputFile): InputFile | undefined => (isPairedLabel(f) ? undefined : labelFiles.get(caseName(f.path)));

  // 3. Every other file by its content: NIfTI and 2D images open now, DICOM headers are collected into series.
  const openLabelFor = async (image: InputFile, volume: Volume): Promise<void> => {
    const label = labelFor(image);
    if (!label || label === image) return;
    try {
      const { values, warnings } = await labelValuesFor(label, volume, 'the image opens unlabeled');
      for (const w of warnings) result.problems.push({ file: label.path, severity: 'warning', message: w });
      result.labels.push(importedLabels(volume, values, label.name));
    } catch (e) {
      result.problems.push(problemAbout(label.path, label.name, e));
    }
    await tick(label.name);
  };
  // 3a. NIfTI .hdr/.img pairs, joined by name into one file's bytes (nibabel and ITK read them so).
  const PAIR_HEADER = /\.hdr(\.gz)?$/i;
  const PAIR_IMAGE = /\.img(\.gz)?$/i;
  const stem = (path: string): string => path.replace(/\.(hdr|img)(\.gz)?$/i, '');
  const pairImages = new Map(rest.filter((f) => PAIR_IMAGE.test(f.path)).map((f) => [stem(f.path), f] as const));
  const pairHalves = new Set<InputFile>();
  for (const hdr of rest.filter((f) => PAIR_HEADER.test(f.path))) {
    const img = pairImages.get(stem(hdr.path));
    if (!img) continue;
    pairHalves.add(hdr).add(img);
    try {
      const read = readNifti(joinNiftiPair(await hdr.read(), await img.read(), hdr.name), hdr.name);
      result.volumes.push(read.volume);
      opened.push({ volume: read.volume, path: hdr.path });
      for (const w of read.warnings) result.problems.push({ file: hdr.path, severity: 'warning', message: w });
    } catch (e) {
      result.problems.push(problemAbout(hdr.path, hdr.name, e));
    }
    await tick(hdr.name, 2);
  }

  const dicom: DicomFileInfo[] = [];
  for (const file of rest) {
    if (isPairedLabel(file) || pairHalves.has(file)) continue; // opened with its image
    let bytes: Uint8Array;
    try {
      bytes = await file.read();
    } catch (e) {
      result.problems.push(problemAbout(file.path, file.name, `cannot be read (${(e as Error).message})`));
      await tick(file.name);
      continue;
    }
    const format: FileFormat = bytes.length === 0 ? 'unknown' : detectFormat(file.path, bytes);
    try {
      if (bytes.length === 0) {
        result.problems.push({ file: file.path, severity: 'error', message: `${file.name}: is empty (0 bytes); was the copy or download interrupted?` });
      } else if (format === 'dicom' && isDicomSeg(bytes)) {
        // A Segmentation is labels for a series, not an image: read now, placed on its series by the app.
        // Its reader (and dcmjs) loads only when one is opened.
        const { readDicomSeg } = await import('./dicomSeg/readSeg.ts');
        result.segmentations = [...(result.segmentations ?? []), { path: file.path, name: file.name, seg: readDicomSeg(bytes) }];
      } else if (format === 'dicom') {
        dicom.push(parseDicomFile(bytes, file.path));
      } else if (format === 'nifti') {
        const read = readNifti(bytes, file.name);
        result.volumes.push(read.volume);
        opened.push({ volume: read.volume, path: file.path });
        for (const w of read.warnings) result.problems.push({ file: file.path, severity: 'warning', message: w });
        await openLabelFor(file, read.volume);
      } else if (format === 'png' || format === 'jpeg') {
        const volume = readImage2D(bytes, file.name, format);
        result.volumes.push(volume);
        opened.push({ volume, path: file.path });
        await openLabelFor(file, volume);
      } else if (format === 'tiff') {
        const volume = await openImage2D(bytes, file.name, 'tiff');
        result.volumes.push(volume);
        opened.push({ volume, path: file.path });
        await openLabelFor(file, volume);
      } else if (format !== 'ignored') {
        result.problems.push({ file: file.path, severity: 'error', message: notAnImage(format, file.name) });
      }
    } catch (e) {
      result.problems.push(problemAbout(file.path, file.name, e));
    }
    await tick(file.name);
  }

  // 4. DICOM series, once every file of each is known.
  const series = await openDicomSeries(dicom, yieldToEventLoop);
  result.volumes.push(...series.volumes);
  result.problems.push(...series.problems);
  for (const volume of series.volumes) {
    // A series answers to its folder's name ("mr-brain-t1post") as well as to its description.
    const first = volume.source.format === 'dicom' ? volume.source.fileNames[0] : undefined;
    if (first) opened.push({ volume, path: folderOf(first) || first });
  }

  // 5. Descriptions onto the images opened with them; a CSV that came alone is for the workspace's images.
  if (tables.length === 0) return;
  if (result.volumes.length === 0) result.descriptions = tables;
  else result.problems.push(...attachDescriptions(tables, opened));
}
