import type { ClassDef } from '../volume/classes.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import type { DicomSegContent } from './dicomSeg/readSeg.ts';
import type { DescriptionTable } from './text/readDescriptionsCsv.ts';

/**
 * A file as io sees it: browser File objects (picker, drag-and-drop, folders) and Node files both adapt to
 * this, so io never touches the DOM or the file system.
 */
export interface InputFile {
  /** Relative path including folders when known (webkitRelativePath, dropped directory entries), else the name. */
  path: string;
  name: string;
  size: number;
  read(): Promise<Uint8Array>;
}

export interface Problem {
  /** The file (or folder) the message is about, as the user named it. */
  file: string;
  message: string;
  severity: 'error' | 'warning';
  /** What a library or the engine said, when that is behind the message: for a details line, never the message. */
  detail?: string;
}

/** Labels that arrived with an image (MSD labelsTr, or a label file dropped beside its image). */
export interface ArrivedLabels {
  volumeId: string;
  fileName: string;
  labels: LabelMap;
}

export interface OpenResult {
  volumes: Volume[];
  labels: ArrivedLabels[];
  /** Class names from an MSD dataset.json (background excluded), keyed by label value. */
  classes: Pick<ClassDef, 'value' | 'name'>[];
  problems: Problem[];
  /**
   * Description CSVs opened without any image: they are for the images already in the workspace, matched by
   * name there. (A CSV opened with images is applied to them here, and set as each Volume's description.)
   */
  descriptions?: DescriptionTable[];
  /** Volumes that came as validation data (a MoNuSeg Val_Folder): their labels measure the model, never train it. */
  validationVolumeIds?: string[];
  /** DICOM Segmentations among the files, read: they belong on their series, opened now or before (the app places them). */
  segmentations?: { path: string; name: string; seg: DicomSegContent }[];
}

export type ProgressFn = (done: number, total: number, what: string) => void;
