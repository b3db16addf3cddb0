import type { Volume } from '../../volume/Volume.ts';
import { detectFormat, fileNameOf } from '../detectFormat.ts';
import { openImage2D } from '../image2d/readImage2D.ts';
import { importedLabels } from '../importedLabels.ts';
import { labelValuesFor } from '../importLabelFile.ts';
import { problemAbout } from '../problems.ts';
import type { OpenedVolume } from '../text/attachDescriptions.ts';
import { listNames } from '../text/attachDescriptions.ts';
import type { InputFile, OpenResult } from '../types.ts';
import { IMAGE_FILE, IMAGES_FOLDER, maskNamesFor, MASKS_FOLDER, MONUSEG_CLASS, roleOfFolder } from './monusegLayout.ts';

export interface MonusegOpened extends OpenResult {
  /** Paths this folder took care of: the files of its img/ and labelcol/ (CSVs beside them are openInputs'). */
  claimed: Set<string>;
  /** Each volume with the path of its image, to match descriptions by name. */
  opened: OpenedVolume[];
  /** Volumes of a validation folder (Val_Folder): their labels measure the model and never train it. */
  validationVolumeIds: string[];
}

const under = (root: string, sub: string): string => (root ? `${root}/${sub}/` : `${sub}/`);

/**
 * A MoNuSeg-style folder: every image in `img/` as a 2D volume (RGB stays RGB) with the mask of its name from
 * `labelcol/` (0/255 → class 1, named Nucleus; every slice marked imported). Images without a mask open
 * unlabeled and one warning lists them. A broken file never stops the others.
 */
export async function openMonusegFolder(root: string, files: InputFile[], afterEach: (what: string) => Promise<void>): Promise<MonusegOpened> {
  const result: MonusegOpened = { volumes: [], labels: [], classes: [], problems: [], claimed: new Set(), opened: [], validationVolumeIds: [] };
  const inFolder = (f: InputFile, sub: string): boolean => f.path.startsWith(under(root, sub)) && !f.path.slice(under(root, sub).length).includes('/');
  const images = files.filter((f) => inFolder(f, IMAGES_FOLDER));
  const maskFiles = files.filter((f) => inFolder(f, MASKS_FOLDER));
  for (const f of [...images, ...maskFiles]) result.claimed.add(f.path);
  const masks = new Map(maskFiles.map((f) => [f.name, f]));
  const folderName = root ? fileNameOf(root) : 'the opened folder';
  const validation = roleOfFolder(fileNameOf(root)) === 'validation';
  const unlabeled: string[] = [];
  const usedMasks = new Set<InputFile>();

  for (const image of [...images].sort((a, b) => a.path.localeCompare(b.path))) {
    let volume: Volume;
    try {
      const bytes = await image.read();
      const format = detectFormat(image.path, bytes);
      if (format !== 'png' && format !== 'jpeg' && format !== 'tiff') throw new Error('is not a PNG, JPEG or TIFF image, though it lies in img/');
      volume = await openImage2D(bytes, image.name, format);
    } catch (e) {
      result.problems.push(problemAbout(image.path, image.name, e));
      await afterEach(image.name);
      continue;
    }
    result.volumes.push(volume);
    result.opened.push({ volume, path: image.path });
    const mask = maskNamesFor(image.name)
      .map((n) => masks.get(n))
      .find((m) => m !== undefined);
    if (!mask) unlabeled.push(image.name);
    else {
      usedMasks.add(mask);
      try {
        const { values, warnings } = await labelValuesFor(mask, volume, 'the image opens unlabeled');
        for (const w of warnings) result.problems.push({ file: mask.path, severity: 'warning', message: w });
        result.labels.push(importedLabels(volume, values, mask.name));
        if (validation) result.validationVolumeIds.push(volume.id);
      } catch (e) {
        result.problems.push(problemAbout(mask.path, mask.name, e));
      }
    }
    await afterEach(image.name);
  }

  if (result.labels.length > 0) result.classes = [{ ...MONUSEG_CLASS }];
  if (unlabeled.length > 0) {
    result.problems.push({
      file: root || IMAGES_FOLDER,
      severity: 'warning',
      message: `${folderName}: ${unlabeled.length} image${unlabeled.length === 1 ? ' opens' : 's open'} unlabeled because ${MASKS_FOLDER}/ has no mask of ${unlabeled.length === 1 ? 'its' : 'their'} name: ${listNames(unlabeled)}`,
    });
  }
  const strayMasks = [...masks.values()].filter((m) => !usedMasks.has(m) && IMAGE_FILE.test(m.name)).map((m) => m.name);
  if (strayMasks.length > 0) {
    result.problems.push({
      file: root || MASKS_FOLDER,
      severity: 'warning',
      message: `${folderName}: ${MASKS_FOLDER}/ holds ${strayMasks.length} mask${strayMasks.length === 1 ? '' : 's'} with no image of ${strayMasks.length === 1 ? 'its' : 'their'} name in ${IMAGES_FOLDER}/: ${listNames(strayMasks)}`,
    });
  }
  return result;
}
