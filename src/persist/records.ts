import { deflateSync, inflateSync } from 'fflate';
import type { ClassDef } from '../volume/classes.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import type { ToolSettings, ViewState } from '../store/types.ts';

/** Bumped when a stored shape changes incompatibly; older workspaces are then migrated or refused with a message. */
export const SCHEMA_VERSION = 1;

/** Everything small about the workspace: one record, rewritten on each save. */
export interface WorkspaceRecord {
  schema: number;
  savedAt: number;
  volumeOrder: string[];
  activeVolumeId: string | null;
  classes: ClassDef[];
  activeClassValue: number | null;
  tools: ToolSettings;
  views: Record<string, ViewState | null>;
  labelSources: Record<string, string | null>;
  /** Validation k-slices per volume (absent in workspaces saved before they existed). */
  validation?: Record<string, number[]>;
  /**
   * Each volume's image description, '' for none. Kept here rather than in the volume record, which is written
   * once, so an edit is saved with the next small write. Absent in workspaces saved before descriptions could
   * be edited: the description stored with the volume then stands.
   */
  descriptions?: Record<string, string>;
}

/**
 * A volume's voxels are written once when it is opened. Demo volumes store no voxels: they regenerate from
 * their seed, which keeps a first-time user's storage tiny.
 */
export interface VolumeRecord {
  id: string;
  volume: Omit<Volume, 'voxels'> & { voxels: Volume['voxels'] | null };
}

/** Labels are mostly zeros, so deflate shrinks them a hundredfold and makes frequent saves cheap. */
export interface LabelsRecord {
  id: string;
  version: number;
  dims: [number, number, number];
  voxelsDeflated: Uint8Array;
  slices: [Uint8Array, Uint8Array, Uint8Array];
}

export function toVolumeRecord(volume: Volume): VolumeRecord {
  return { id: volume.id, volume: { ...volume, voxels: volume.source.format === 'demo' ? null : volume.voxels } };
}

export function toLabelsRecord(id: string, labels: LabelMap, version: number): LabelsRecord {
  return {
    id,
    version,
    dims: [...labels.dims],
    // Level 1: labels compress almost as well at the fastest level, and saves run while the user paints.
    voxelsDeflated: deflateSync(labels.voxels, { level: 1 }),
    slices: [labels.slices[0].slice(), labels.slices[1].slice(), labels.slices[2].slice()],
  };
}

export function fromLabelsRecord(r: LabelsRecord): LabelMap {
  const voxels = inflateSync(r.voxelsDeflated);
  const expected = r.dims[0] * r.dims[1] * r.dims[2];
  if (voxels.length !== expected) throw new Error(`stored labels have ${voxels.length} voxels, expected ${expected}`);
  return { dims: [...r.dims], voxels, slices: [r.slices[0], r.slices[1], r.slices[2]] };
}
