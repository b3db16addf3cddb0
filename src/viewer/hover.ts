import type { Vec3, VolumeGeometry } from '../volume/geometry.ts';
import { voxelOf } from './camera.ts';

/** What the pointer is over: the voxel, its intensity (grey) or colour, and its label; null values outside. */
export interface VoxelSample {
  voxel: Vec3;
  value: number[] | null;
  label: number | null;
}

/**
 * Samples a volume and its labels at a world point: the voxel whose centre is nearest, its `channels` values
 * (interleaved, i fastest) and its label.
 */
export function sampleAt(g: VolumeGeometry, channels: number, voxels: ArrayLike<number>, labels: ArrayLike<number>, world: Vec3): VoxelSample {
  const voxel = voxelOf(g, world);
  const { dims } = g;
  const inside = voxel[0] >= 0 && voxel[0] < dims[0] && voxel[1] >= 0 && voxel[1] < dims[1] && voxel[2] >= 0 && voxel[2] < dims[2];
  if (!inside) return { voxel, value: null, label: null };
  const idx = voxel[0] + dims[0] * (voxel[1] + dims[1] * voxel[2]);
  const value: number[] = [];
  for (let c = 0; c < channels; c++) value.push(voxels[idx * channels + c]!);
  return { voxel, value, label: labels[idx] ?? null };
}
