import type { AppState } from '../store/appStore.ts';
import type { Volume } from '../volume/Volume.ts';
import { SCHEMA_VERSION, type WorkspaceRecord } from './records.ts';

/** Whether a save is due; `labels` false leaves label versions out (their edits went to deltas). */
export function persistedPartChanged(s: AppState, p: AppState, labels = true): boolean {
  if (s.volumeOrder !== p.volumeOrder || s.activeVolumeId !== p.activeVolumeId) return true;
  if (s.classes !== p.classes || s.activeClassValue !== p.activeClassValue || s.tools !== p.tools) return true;
  if (s.volumes === p.volumes) return false;
  for (const id of s.volumeOrder) {
    const a = s.volumes[id];
    const b = p.volumes[id];
    if (!a || !b || (labels && a.labelsVersion !== b.labelsVersion) || a.view !== b.view || a.validation !== b.validation) return true;
    if (a.volume.description !== b.volume.description) return true;
  }
  return false;
}

/** What a save must write: volumes whose voxels are not stored, ids whose labels changed, removed volumes. */
export function collectChange(
  s: AppState,
  savedVolumes: ReadonlySet<string>,
  savedLabelVersions: ReadonlyMap<string, number>,
): { workspace: WorkspaceRecord; volumes: Volume[]; labels: string[]; deleted: string[] } {
  const volumes: Volume[] = [];
  const labels: string[] = [];
  const views: WorkspaceRecord['views'] = {};
  const labelSources: WorkspaceRecord['labelSources'] = {};
  const validation: Record<string, number[]> = {};
  const descriptions: Record<string, string> = {};
  for (const id of s.volumeOrder) {
    const e = s.volumes[id];
    if (!e) continue;
    views[id] = e.view;
    labelSources[id] = e.labelSource;
    if (e.validation.length) validation[id] = e.validation;
    descriptions[id] = e.volume.description ?? '';
    if (!savedVolumes.has(id)) volumes.push(e.volume);
    // Labels are saved from the committed copy (saveLabels): the live buffer may hold half a brush stroke.
    if (savedLabelVersions.get(id) !== e.labelsVersion) labels.push(id);
  }
  const deleted = [...new Set([...savedVolumes, ...savedLabelVersions.keys()])].filter((id) => !s.volumes[id]);
  const workspace: WorkspaceRecord = {
    schema: SCHEMA_VERSION,
    savedAt: Date.now(),
    volumeOrder: s.volumeOrder,
    activeVolumeId: s.activeVolumeId,
    classes: s.classes,
    activeClassValue: s.activeClassValue,
    tools: s.tools,
    views,
    labelSources,
    validation,
    descriptions,
  };
  return { workspace, volumes, labels, deleted };
}
