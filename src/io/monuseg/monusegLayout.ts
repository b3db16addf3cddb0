import { fileNameOf, folderOf } from '../detectFormat.ts';

/**
 * The image/mask folder layout of MoNuSeg as LViT and DuSSS publish it (QaTa-COV19 uses the same): a folder
 * with `img/` (the images), `labelcol/` (one mask per image, same name, 0/255) and `*_text.csv` (columns
 * Image, Description), and a dataset root holding `Train_Folder/`, `Val_Folder/` (and `Test_Folder/`).
 */
export const IMAGES_FOLDER = 'img';
export const MASKS_FOLDER = 'labelcol';

/** MoNuSeg names no classes; its masks mark nuclei. A class the workspace already has keeps its own name. */
export const MONUSEG_CLASS = { value: 1, name: 'Nucleus' } as const;

export const IMAGE_FILE = /\.(png|jpe?g|tiff?)$/i;

/** Folders (paths, '' for the top of a drop) that hold both img/ with images and labelcol/ with files. */
export function findImageMaskRoots(paths: Iterable<string>): string[] {
  const withImages = new Set<string>();
  const withMasks = new Set<string>();
  for (const p of paths) {
    const folder = folderOf(p);
    const leaf = fileNameOf(folder);
    const root = folderOf(folder);
    if (leaf === IMAGES_FOLDER && IMAGE_FILE.test(p)) withImages.add(root);
    else if (leaf === MASKS_FOLDER && IMAGE_FILE.test(p)) withMasks.add(root);
  }
  return [...withImages].filter((r) => withMasks.has(r)).sort();
}

/** The names a mask of `imageName` may have in labelcol/: the same name, as PNG, or QaTa's `mask_` prefix. */
export function maskNamesFor(imageName: string): string[] {
  const png = imageName.replace(IMAGE_FILE, '.png');
  return [...new Set([imageName, png, `mask_${imageName}`, `mask_${png}`])];
}

export type DatasetRole = 'train' | 'validation';

/** Train_Folder → train, Val_Folder (or Validation) → validation; anything else has no fixed role. */
export function roleOfFolder(folderName: string): DatasetRole | undefined {
  const n = folderName.toLowerCase().replace(/[\s_-]*folder$/, '');
  if (n === 'train' || n === 'training') return 'train';
  if (n === 'val' || n === 'valid' || n === 'validation') return 'validation';
  return undefined;
}
