import { strToU8 } from 'fflate';
import type { ClassDef } from '../../volume/classes.ts';
import type { LabelMap } from '../../volume/labels.ts';
import type { Volume, VoxelData } from '../../volume/Volume.ts';
import { writeNiftiLabels } from '../nifti/writeNiftiLabels.ts';
import { hasGroundTruth, nnunetLabelVoxels, planNnunetLabels, type NnunetLabelPlan } from './nnunetLabels.ts';
import { caseGeometry, channelValues, niftiChannelSteps } from './writeNiftiChannel.ts';

/** One volume of the workspace with its committed labels (never half a stroke). */
export interface NnunetSourceCase {
  volume: Volume;
  labels: LabelMap;
  /** The committed label values; `labels.voxels` may hold a stroke in progress. */
  committed: Uint8Array;
}

export interface NnunetExportOptions {
  /** nnU-Net's dataset number, 1–999 (folders are `Dataset042_Name`). */
  datasetId: number;
  datasetName: string;
  classes: readonly ClassDef[];
  /**
   * Whether slices marked "accepted pseudo-label" count as ground truth. On by default: accepting is the
   * clinician's review of that slice, and dropping it would throw away checked work; off exports hand-painted
   * (and imported) slices only, for a dataset whose every label a person drew.
   */
  includePseudoLabels: boolean;
  /** dataset.json's channel names (nnU-Net picks the normalisation from them: "CT" gets CT windowing); derived when absent. */
  channelNames?: string[];
}

export interface NnunetFile {
  /** Path inside the dataset folder's parent: `Dataset042_Name/imagesTr/case_0000.nii.gz`. */
  path: string;
  bytes: Uint8Array;
}

export const NNUNET_FILE_ENDING = '.nii.gz';

export function datasetFolderName(id: number, name: string): string {
  if (!Number.isInteger(id) || id < 1 || id > 999) throw new Error(`nnU-Net dataset numbers run from 1 to 999, got ${id}`);
  const safe = name.replace(/[^A-Za-z0-9]+/g, '') || 'Pseudolab';
  return `Dataset${String(id).padStart(3, '0')}_${safe}`;
}

/** Case identifiers: nnU-Net splits file names at the channel suffix, so names keep to letters, digits, _ and -. */
export function caseNames(volumeNames: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return volumeNames.map((raw) => {
    const stem = raw.replace(/\.(nii\.gz|nii|dcm|png|jpe?g|tiff?|gz)$/i, '');
    const base = stem.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'case';
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}

/**
 * Every case must have the same channels. RGB images come as three channels (R, G, B) in NIfTI rather than
 * through nnU-Net's PNG reader, so a workspace that mixes 2D and 3D data still exports as one file type and keeps
 * each volume's geometry; a grey 2D image in an RGB workspace is repeated into three channels. Grey volumes next
 * to RGB images cannot share a dataset: that is a sentence, not a guess.
 */
function channelCount(cases: readonly NnunetSourceCase[]): 1 | 3 {
  const rgb = cases.some((c) => c.volume.channels === 3);
  if (rgb) {
    const odd = cases.find((c) => c.volume.channels === 1 && c.volume.source.format !== 'image');
    if (odd)
      throw new Error(
        `nnU-Net export: ${odd.volume.name} has one channel while other images are RGB; nnU-Net needs the same channels in every case (export them as separate datasets)`,
      );
  }
  return rgb ? 3 : 1;
}

function defaultChannelNames(cases: readonly NnunetSourceCase[], channels: 1 | 3): string[] {
  if (channels === 3) return ['R', 'G', 'B'];
  const modalities = new Set(cases.map((c) => (c.volume.source.format === 'dicom' ? (c.volume.source.modality ?? '') : '')));
  const only = modalities.size === 1 ? [...modalities][0] : '';
  return [only || 'image'];
}

function channelsOf(volume: Volume, channels: 1 | 3): VoxelData[] {
  if (volume.channels === channels) return Array.from({ length: channels }, (_, c) => channelValues(volume, c));
  // A grey image in an RGB dataset: the same plane three times, as an RGB reader would show it.
  return [volume.voxels, volume.voxels, volume.voxels];
}

export interface NnunetDatasetJson {
  channel_names: Record<string, string>;
  labels: Record<string, number>;
  numTraining: number;
  file_ending: string;
  name: string;
  description: string;
  /** Ours, ignored by nnU-Net: how to map its label values back, and what the export included. */
  pseudolab: { classValues: number[]; includesAcceptedPseudoLabels: boolean; testCases: string[] };
}

export interface NnunetPlan {
  folder: string;
  labelPlan: NnunetLabelPlan;
  channelNames: string[];
  trainCases: { name: string; source: NnunetSourceCase }[];
  testCases: { name: string; source: NnunetSourceCase }[];
  datasetJson: NnunetDatasetJson;
}

/**
 * Decides the dataset before any voxel is written: names, channels, labels, and which volumes train (those with a
 * ground-truth voxel) and which go to imagesTs for nnUNetv2_predict (those the user has not labeled).
 */
export function planNnunetDataset(cases: readonly NnunetSourceCase[], options: NnunetExportOptions): NnunetPlan {
  if (cases.length === 0) throw new Error('nnU-Net export: the workspace has no images');
  const channels = channelCount(cases);
  const channelNames = options.channelNames ?? defaultChannelNames(cases, channels);
  if (channelNames.length !== channels) throw new Error(`nnU-Net export: ${channelNames.length} channel names for ${channels}-channel images`);
  const labelPlan = planNnunetLabels(options.classes);
  const names = caseNames(cases.map((c) => c.volume.name));
  const trainCases: NnunetPlan['trainCases'] = [];
  const testCases: NnunetPlan['testCases'] = [];
  cases.forEach((source, n) => (hasGroundTruth(source.labels, options.includePseudoLabels) ? trainCases : testCases).push({ name: names[n]!, source }));
  if (trainCases.length === 0) throw new Error('nnU-Net export: no volume has a labeled slice yet; label at least one slice first');
  const datasetJson: NnunetDatasetJson = {
    channel_names: Object.fromEntries(channelNames.map((c, n) => [String(n), c])),
    labels: labelPlan.names,
    numTraining: trainCases.length,
    file_ending: NNUNET_FILE_ENDING,
    name: options.datasetName,
    description: 'Exported by Pseudolab. Voxels outside the slices a person labeled carry the ignore label.',
    pseudolab: { classValues: labelPlan.toClassValue, includesAcceptedPseudoLabels: options.includePseudoLabels, testCases: testCases.map((c) => c.name) },
  };
  return { folder: datasetFolderName(options.datasetId, options.datasetName), labelPlan, channelNames, trainCases, testCases, datasetJson };
}

const suffix = (c: number): string => `_${String(c).padStart(4, '0')}${NNUNET_FILE_ENDING}`;

/** What a stepwise export produces: a finished file, or voxel bytes compressed since the last step (for progress). */
export type NnunetStep = { kind: 'file'; file: NnunetFile } | { kind: 'progress'; caseName: string; bytes: number };

/** The files of one case, step by step: its channels, then for a training case its label map with `ignore`. */
function* caseSteps(
  plan: NnunetPlan,
  name: string,
  source: NnunetSourceCase,
  training: boolean,
  includePseudoLabels: boolean,
): Generator<NnunetStep, void, void> {
  const { volume, labels, committed } = source;
  // The label map first: `committed` is the store's buffer, and a stroke committed while a page yields changes it.
  const mapped = training ? nnunetLabelVoxels(labels, committed, plan.labelPlan, includePseudoLabels) : null;
  const g = caseGeometry(volume);
  const folder = training ? 'imagesTr' : 'imagesTs';
  const channels = channelsOf(volume, plan.channelNames.length as 1 | 3);
  for (let c = 0; c < channels.length; c++) {
    const steps = niftiChannelSteps(channels[c]!, volume, g);
    let reported = 0;
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) {
        yield { kind: 'file', file: { path: `${plan.folder}/${folder}/${name}${suffix(c)}`, bytes: r.value } };
        break;
      }
      yield { kind: 'progress', caseName: name, bytes: r.value - reported };
      reported = r.value;
    }
  }
  if (mapped) yield { kind: 'file', file: { path: `${plan.folder}/labelsTr/${name}${NNUNET_FILE_ENDING}`, bytes: writeNiftiLabels(mapped, volume) } };
}

function filesOf(steps: Generator<NnunetStep, void, void>): NnunetFile[] {
  const files: NnunetFile[] = [];
  for (const s of steps) if (s.kind === 'file') files.push(s.file);
  return files;
}

/** The files of one training case: its channels and its label map with `ignore` outside labeled slices. */
export function trainCaseFiles(plan: NnunetPlan, name: string, source: NnunetSourceCase, includePseudoLabels: boolean): NnunetFile[] {
  return filesOf(caseSteps(plan, name, source, true, includePseudoLabels));
}

export function testCaseFiles(plan: NnunetPlan, name: string, source: NnunetSourceCase): NnunetFile[] {
  return filesOf(caseSteps(plan, name, source, false, false));
}

function datasetJsonFile(plan: NnunetPlan): NnunetFile {
  return { path: `${plan.folder}/dataset.json`, bytes: strToU8(`${JSON.stringify(plan.datasetJson, null, 2)}\n`) };
}

/** Voxel bytes a whole export compresses: the total its progress steps add up to. */
export function nnunetImageBytes(plan: NnunetPlan): number {
  const perVoxel = (v: Volume): number => v.voxels.BYTES_PER_ELEMENT * (v.voxels.length / v.channels) * plan.channelNames.length;
  return [...plan.trainCases, ...plan.testCases].reduce((n, c) => n + perVoxel(c.source.volume), 0);
}

/**
 * The whole dataset as steps a page can yield between (`progress` after every few MiB of compressed voxels):
 * dataset.json first, then every training case, then the test images.
 */
export function* nnunetDatasetSteps(plan: NnunetPlan, includePseudoLabels: boolean): Generator<NnunetStep, void, void> {
  yield { kind: 'file', file: datasetJsonFile(plan) };
  for (const c of plan.trainCases) yield* caseSteps(plan, c.name, c.source, true, includePseudoLabels);
  for (const c of plan.testCases) yield* caseSteps(plan, c.name, c.source, false, false);
}

/** The whole dataset one case at a time (the CLI writes each file as it comes): dataset.json, training cases, test images. */
export function* nnunetDatasetFiles(plan: NnunetPlan, includePseudoLabels: boolean): Generator<NnunetFile[], void, void> {
  yield [datasetJsonFile(plan)];
  for (const c of plan.trainCases) yield trainCaseFiles(plan, c.name, c.source, includePseudoLabels);
  for (const c of plan.testCases) yield testCaseFiles(plan, c.name, c.source);
}
