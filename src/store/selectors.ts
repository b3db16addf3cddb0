import { labelingProgress } from '../volume/labels.ts';
import type { AppState } from './appStore.ts';
import type { VolumeEntry } from './types.ts';

export function activeEntry(s: AppState): VolumeEntry | null {
  return s.activeVolumeId ? (s.volumes[s.activeVolumeId] ?? null) : null;
}

export function canUndo(s: AppState): boolean {
  return s.activeVolumeId !== null && (s.history[s.activeVolumeId]?.undo.length ?? 0) > 0;
}

export function canRedo(s: AppState): boolean {
  return s.activeVolumeId !== null && (s.history[s.activeVolumeId]?.redo.length ?? 0) > 0;
}

export function progressOf(e: VolumeEntry): { labeled: number; total: number; axisName: string } {
  const p = labelingProgress(e.labels);
  return { labeled: p.labeled, total: p.total, axisName: ['i', 'j', 'k'][p.axis]! };
}
