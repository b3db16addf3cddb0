import type { Volume } from '../../volume/Volume.ts';
import { fileNameOf, folderOf } from '../detectFormat.ts';
import { importedLabels } from '../importedLabels.ts';
import { labelValuesFor } from '../importLabelFile.ts';
import { readNifti } from '../nifti/readNifti.ts';
import { problemAbout } from '../problems.ts';
import type { OpenedVolume } from '../text/attachDescriptions.ts';
import type { ArrivedLabels, InputFile, OpenResult, Problem } from '../types.ts';
import { joinPath, parseMsdDataset, type MsdCase, type MsdDataset } from './msdDataset.ts';

export interface MsdOpened extends OpenResult {
  /** Paths this dataset took care of (everything under its folder); nothing else should open them. */
  claimed: Set<string>;
  /** Each volume with the path of its image, to match descriptions by name. */
  opened: OpenedVolume[];
}

const NIFTI_NAME = /\.nii(\.gz)?$/i;
/** nnU-Net names channel files `<case>_0000.nii.gz`, `<case>_0001.nii.gz`, … */
const CHANNEL_NAME = /^(.*)_(\d{4})(\.nii(?:\.gz)?)$/i;

function filesIn(folder: string, paths: Iterable<string>): string[] {
  return [...paths].filter((p) => folderOf(p) === folder && NIFTI_NAME.test(p)).sort();
}

/**
 * Cases paired by file name, for a dataset.json that lists none (nnU-Net v2): the first channel of each case
 * in `imagesFolder`, with the label of the same case id in `labelsFolder` when one is there.
 */
function casesFromFiles(ds: MsdDataset, paths: Set<string>, imagesFolder: string, labelsFolder: string | null): MsdCase[] {
  const cases: MsdCase[] = [];
  for (const path of filesIn(joinPath(ds.root, imagesFolder), paths)) {
    const name = fileNameOf(path);
    const channel = CHANNEL_NAME.exec(name);
    if (channel && channel[2] !== '0000') continue;
    const id = channel ? channel[1]! : name.replace(NIFTI_NAME, '');
    const labelNames = [`${id}.nii.gz`, `${id}.nii`, name];
    const label = labelsFolder ? labelNames.map((n) => joinPath(ds.root, `${labelsFolder}/${n}`)).find((p) => paths.has(p)) : undefined;
    cases.push({ image: `${imagesFolder}/${name}`, label: label ? `${labelsFolder}/${fileNameOf(label)}` : null });
  }
  return cases;
}

function channelWarning(ds: MsdDataset, fileName: string, frames: number): string {
  const names = ds.modalities.length === frames ? ` (${ds.modalities.join(', ')})` : '';
  const first = ds.modalities[0] ? ` (${ds.modalities[0]})` : '';
  return `${fileName}: holds ${frames} channels${names}; only the first${first} is opened`;
}

/**
 * A Medical Segmentation Decathlon (or nnU-Net) folder: class names from dataset.json, each training image
 * with its label (every slice marked imported), test images without. Everything under the json's folder is
 * this function's to open. A label whose size differs from its image is reported and the image opens
 * unlabeled; a broken file never stops the others.
 */
export async function openMsdDataset(json: InputFile, files: InputFile[], afterEach: (what: string) => Promise<void>): Promise<MsdOpened> {
  const result: MsdOpened = { volumes: [], labels: [], classes: [], problems: [], claimed: new Set([json.path]), opened: [] };
  let ds: MsdDataset;
  try {
    ds = parseMsdDataset(new TextDecoder().decode(await json.read()), json.path);
  } catch (e) {
    // Not a usable dataset description: the images beside it still open as ordinary files.
    result.problems.push(problemAbout(json.path, 'dataset.json', e));
    return result;
  }
  result.classes = ds.classes;
  const under = ds.root ? `${ds.root}/` : '';
  const byPath = new Map(files.filter((f) => f.path.startsWith(under)).map((f) => [f.path, f]));
  for (const path of byPath.keys()) result.claimed.add(path);
  const paths = new Set(byPath.keys());

  const training = ds.cases.length > 0 ? ds.cases : casesFromFiles(ds, paths, 'imagesTr', 'labelsTr');
  const tests: MsdCase[] = ds.tests.length > 0 ? ds.tests.map((image) => ({ image, label: null })) : casesFromFiles(ds, paths, 'imagesTs', null);
  const present = (c: MsdCase): boolean => byPath.has(joinPath(ds.root, c.image));
  const missingImages = training.filter((c) => !present(c)).length;
  let missingLabels = 0;

  for (const kase of [...training.filter(present), ...tests.filter(present)]) {
    const imagePath = joinPath(ds.root, kase.image);
    const image = byPath.get(imagePath)!;
    let volume: Volume;
    try {
      const read = readNifti(await image.read(), image.name);
      volume = read.volume;
      if (read.frames > 1) result.problems.push({ file: imagePath, severity: 'warning', message: channelWarning(ds, image.name, read.frames) });
    } catch (e) {
      result.problems.push(problemAbout(imagePath, image.name, e));
      await afterEach(image.name);
      continue;
    }
    result.volumes.push(volume);
    result.opened.push({ volume, path: imagePath });
    const labelFile = kase.label ? byPath.get(joinPath(ds.root, kase.label)) : undefined;
    if (kase.label && !labelFile) missingLabels++;
    if (labelFile) {
      const arrived = await readCaseLabel(labelFile, volume, result.problems);
      if (arrived) result.labels.push(arrived);
    }
    await afterEach(image.name);
  }

  const jsonName = `${ds.root ? `${fileNameOf(ds.root)}/` : ''}dataset.json`;
  if (missingImages > 0) {
    result.problems.push({
      file: json.path,
      severity: 'warning',
      message: `${jsonName}: lists ${training.length} training cases; ${missingImages} of their images were not among the opened files`,
    });
  }
  if (missingLabels > 0) {
    result.problems.push({
      file: json.path,
      severity: 'warning',
      message: `${jsonName}: ${missingLabels} training image${missingLabels > 1 ? 's open' : ' opens'} unlabeled because ${missingLabels > 1 ? 'their label files were' : 'its label file was'} not among the opened files`,
    });
  }
  return result;
}

/** A case's label file onto its image, or null with the reason added to `problems`. */
async function readCaseLabel(file: InputFile, volume: Volume, problems: Problem[]): Promise<ArrivedLabels | null> {
  try {
    const { values, warnings } = await labelValuesFor(file, volume, 'the image opens unlabeled');
    for (const w of warnings) problems.push({ file: file.path, severity: 'warning', message: w });
    return importedLabels(volume, values, file.name);
  } catch (e) {
    problems.push(problemAbout(file.path, file.name, e));
    return null;
  }
}
