import { labelsFromSeg, seriesUIDOf } from '../io/dicomSeg/labelsFromSeg.ts';
import { isDicomSeg } from '../io/dicomSeg/isDicomSeg.ts';
import { readDicomSeg, type DicomSegContent, type SegSegment } from '../io/dicomSeg/readSeg.ts';
import { dicomSegUnavailableReason, writeDicomSeg } from '../io/dicomSeg/writeSeg.ts';
import type { InputFile } from '../io/types.ts';
import type { AppState, AppStore } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import type { VolumeEntry } from '../store/types.ts';
import { makeClass, nextClassValue, type ClassDef } from '../volume/classes.ts';
import { downloadBytes } from './download.ts';
import { baseName } from './labelExport.ts';

/**
 * Why the active volume cannot be exported as DICOM SEG (the menu item's tooltip), or null when it can. Cheap
 * enough for a store selector: it looks at the volume's source, not at its voxels.
 */
export function dicomSegExportBlocker(entry: VolumeEntry | null): string | null {
  if (!entry) return 'Open a DICOM series first';
  const why = dicomSegUnavailableReason(entry.volume);
  return why ? why[0]!.toUpperCase() + why.slice(1) : null;
}

/** The store selector the Export menu uses. */
export const activeDicomSegBlocker = (s: AppState): string | null => dicomSegExportBlocker(activeEntry(s));

/** Downloads the active volume's committed labels as a DICOM Segmentation of its series. */
export function exportDicomSegCommand(store: AppStore): void {
  const s = store.getState();
  const entry = activeEntry(s);
  const why = entry && !entry.committed.some((v) => v !== 0) ? `${entry.volume.name} has no labels yet: paint a slice first` : dicomSegExportBlocker(entry);
  if (why || !entry) {
    s.pushMessage({ severity: 'error', subject: entry?.volume.name ?? null, text: `DICOM SEG export: ${why}.` });
    return;
  }
  try {
    const bytes = writeDicomSeg(
      { volume: entry.volume, labels: { ...entry.labels, voxels: entry.committed }, classes: s.classes },
      { seriesDescription: `Pseudolab labels of ${entry.volume.name}`.slice(0, 64) },
    );
    downloadBytes(bytes, `${baseName(entry.volume.name)}_seg.dcm`, 'application/dicom');
  } catch (e) {
    s.pushMessage({ severity: 'error', subject: entry.volume.name, text: `DICOM SEG export failed: ${(e as Error).message}` });
  }
}

/**
 * Class values for a SEG's segments: a class of the same name (any case) is reused, so a SEG written here comes
 * back onto the classes it was written from; other labels become new classes with the SEG's colour.
 */
function classMapper(classes: readonly ClassDef[]): { valueFor: (s: SegSegment) => number; added: ClassDef[] } {
  const all = [...classes];
  const added: ClassDef[] = [];
  const valueFor = (segment: SegSegment): number => {
    const known = all.find((c) => c.name.trim().toLowerCase() === segment.label.trim().toLowerCase());
    if (known) return known.value;
    const c = makeClass(nextClassValue(all), segment.label);
    if (segment.color) c.color = segment.color;
    all.push(c);
    added.push(c);
    return c.value;
  };
  return { valueFor, added };
}

/** The open volume a SEG segments: the series it names, else (no name) the one DICOM volume its frames fit. */
function targetOf(store: AppStore, seg: DicomSegContent): VolumeEntry | null {
  const s = store.getState();
  const entries = s.volumeOrder.map((id) => s.volumes[id]).filter((e) => e !== undefined);
  if (seg.referencedSeriesUID) return entries.find((e) => seriesUIDOf(e.volume) === seg.referencedSeriesUID) ?? null;
  const fits = entries.filter((e) => e.volume.source.format === 'dicom' && e.volume.geometry.dims[0] === seg.columns && e.volume.geometry.dims[1] === seg.rows);
  return fits.length === 1 ? fits[0]! : null;
}

/**
 * Opened DICOM SEGs onto their series in the workspace (opened with them or before): labels, classes (names
 * and colours) and per-slice provenance from the segments' algorithm types, as one undoable edit. A SEG whose
 * series is not open, or whose frames do not lie on that series' slices, is refused with a message saying so.
 */
export function applyOpenedSegs(store: AppStore, segs: { path: string; name: string; seg: DicomSegContent }[]): void {
  for (const { path, name, seg } of segs) {
    const say = (severity: 'error' | 'warning' | 'info', text: string): void => {
      store.getState().pushMessage({ severity, subject: path, text });
    };
    const entry = targetOf(store, seg);
    if (!entry) {
      say(
        'error',
        `${name}: is a DICOM SEG of series ${seg.referencedSeriesUID ?? '(not named)'}, which is not open; open that series (with the SEG or before it) to see its labels`,
      );
      continue;
    }
    const { valueFor, added } = classMapper(store.getState().classes);
    try {
      const { labels, overlaps } = labelsFromSeg(seg, entry.volume, valueFor);
      if (added.length) store.setState((s) => ({ classes: [...s.classes, ...added], activeClassValue: s.activeClassValue ?? added[0]!.value }));
      store.getState().replaceLabelMap(entry.volume.id, labels);
      store.getState().setActiveVolume(entry.volume.id);
      if (overlaps > 0) say('warning', `${name}: ${overlaps} voxels belong to more than one segment; each took the last segment's class`);
      const classes = new Set(seg.segments.map((x) => x.label.toLowerCase())).size;
      say(
        'info',
        `${name}: DICOM SEG placed on ${entry.volume.name}: ${classes} class${classes === 1 ? '' : 'es'}, ${seg.frames.length} frame${seg.frames.length === 1 ? '' : 's'} (undo with Ctrl+Z).`,
      );
    } catch (e) {
      say('error', `${name}: ${(e as Error).message}; nothing was imported`);
    }
  }
}

/**
 * The Import labels button with a DICOM SEG: placed on its series like an opened SEG. Returns false, reading
 * nothing else, when the file is not a SEG, so the caller imports it as a label file.
 */
export async function importDicomSegCommand(store: AppStore, file: InputFile): Promise<boolean> {
  let bytes: Uint8Array;
  try {
    bytes = await file.read();
  } catch {
    return false;
  }
  if (!isDicomSeg(bytes)) return false;
  try {
    applyOpenedSegs(store, [{ path: file.path, name: file.name, seg: readDicomSeg(bytes) }]);
  } catch (e) {
    store.getState().pushMessage({ severity: 'error', subject: file.path, text: `${file.name}: ${(e as Error).message}` });
  }
  return true;
}
