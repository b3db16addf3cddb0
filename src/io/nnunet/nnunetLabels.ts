import type { ClassDef } from '../../volume/classes.ts';
import { SliceProvenance, type LabelMap } from '../../volume/labels.ts';

/**
 * How Pseudolab's class values become nnU-Net's label values. nnU-Net v2 wants the labels of dataset.json to be
 * consecutive (0, 1, 2, …) with `ignore` the highest, while our class values keep whatever value a class was given
 * (deleting class 2 leaves 1 and 3). So classes are renumbered in value order and `ignore` comes last.
 */
export interface NnunetLabelPlan {
  /** Our class value → nnU-Net label value; background (0) maps to 0. */
  toNnunet: Map<number, number>;
  /** nnU-Net label value → our class value, to map predictions made by the trained model back. */
  toClassValue: number[];
  /** dataset.json's `labels`: name → value, background first and `ignore` last. */
  names: Record<string, number>;
  ignore: number;
}

/** Names must be unique keys of dataset.json, and `background`/`ignore` are reserved for nnU-Net's own meaning. */
function uniqueName(wanted: string, taken: Set<string>): string {
  const base = wanted.trim() || 'class';
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()) || name === 'background' || name === 'ignore'; n++) name = `${base}_${n}`;
  taken.add(name.toLowerCase());
  return name;
}

export function planNnunetLabels(classes: readonly ClassDef[]): NnunetLabelPlan {
  const sorted = [...classes].filter((c) => c.value > 0).sort((a, b) => a.value - b.value);
  if (sorted.length >= 254) throw new Error(`nnU-Net export: ${sorted.length} classes leave no uint8 value for the ignore label`);
  const toNnunet = new Map<number, number>([[0, 0]]);
  const toClassValue = [0];
  const names: Record<string, number> = { background: 0 };
  const taken = new Set<string>(['background', 'ignore']);
  sorted.forEach((c, n) => {
    toNnunet.set(c.value, n + 1);
    toClassValue.push(c.value);
    names[uniqueName(c.name, taken)] = n + 1;
  });
  const ignore = sorted.length + 1;
  names.ignore = ignore;
  return { toNnunet, toClassValue, names, ignore };
}

/**
 * Which voxels are ground truth: those in a labeled slice of any axis (as `labeledVoxelMask` in volume/labels.ts
 * defines it). Without pseudo-labels, slices whose provenance is an accepted pseudo-label count as unlabeled, yet a
 * voxel of such a slice that also lies in a painted slice of another axis stays ground truth.
 */
export function groundTruthMask(labels: LabelMap, includePseudoLabels: boolean): Uint8Array {
  const counts = (p: number): boolean => p !== SliceProvenance.Unlabeled && (includePseudoLabels || p !== SliceProvenance.AcceptedPseudoLabel);
  const [ni, nj, nk] = labels.dims;
  const [si, sj, sk] = labels.slices;
  const iOn = Array.from(si, counts);
  const mask = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < nk; k++) {
    const kOn = counts(sk[k]!);
    for (let j = 0; j < nj; j++) {
      const jOn = kOn || counts(sj[j]!);
      const row = ni * (j + nj * k);
      for (let i = 0; i < ni; i++) if (jOn || iOn[i]) mask[row + i] = 1;
    }
  }
  return mask;
}

/**
 * The label map nnU-Net trains on: ground-truth voxels renumbered by the plan, every other voxel `ignore`, so a
 * partly labeled case adds nothing to the loss where the user said nothing. A value no class owns is an error:
 * silently making it background would teach the model something nobody drew.
 */
export function nnunetLabelVoxels(labels: LabelMap, voxels: Uint8Array, plan: NnunetLabelPlan, includePseudoLabels: boolean): Uint8Array {
  const mask = groundTruthMask(labels, includePseudoLabels);
  const lookup = new Int16Array(256).fill(-1);
  for (const [from, to] of plan.toNnunet) lookup[from] = to;
  const out = new Uint8Array(voxels.length);
  for (let n = 0; n < voxels.length; n++) {
    if (!mask[n]) {
      out[n] = plan.ignore;
      continue;
    }
    const v = lookup[voxels[n]!]!;
    if (v < 0) throw new Error(`nnU-Net export: label value ${voxels[n]} belongs to no class`);
    out[n] = v;
  }
  return out;
}

/** True when a case has at least one ground-truth voxel: only those go to imagesTr. */
export function hasGroundTruth(labels: LabelMap, includePseudoLabels: boolean): boolean {
  const counts = (p: number): boolean => p !== SliceProvenance.Unlabeled && (includePseudoLabels || p !== SliceProvenance.AcceptedPseudoLabel);
  return labels.slices.some((axis) => axis.some(counts));
}
