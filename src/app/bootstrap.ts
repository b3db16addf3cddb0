import { DEMO_GENERATOR_VERSION, generateDemoDataset, renderDemoVolume } from '../demo/generateDemo.ts';
import { configureDicomCodecs } from '../io/dicom/codecs.ts';
import { Autosaver } from '../persist/Autosaver.ts';
import { openDatabase, type Database } from '../persist/database.ts';
import { restoreWorkspace } from '../persist/restore.ts';
import type { AppStore } from '../store/appStore.ts';
import type { Volume } from '../volume/Volume.ts';
import { initTrainingController } from './training.ts';

/**
 * Demo volumes are stored without voxels; the same seed and generator version rebuild them bit for bit. A volume
 * saved by another generator version cannot be rebuilt faithfully and is reported instead.
 */
function regenerateDemoVoxels(volume: Omit<Volume, 'voxels'>): Volume['voxels'] | null {
  if (volume.source.format !== 'demo' || volume.source.generator !== DEMO_GENERATOR_VERSION) return null;
  const { seed, index } = volume.source;
  return renderDemoVolume(seed, index, volume.geometry.dims, volume.geometry.spacing).volume.voxels;
}

export function loadDemo(store: AppStore): void {
  const demo = generateDemoDataset();
  store.getState().setClasses(demo.classes);
  store.getState().addVolumes(demo.volumes.map((volume, n) => ({ volume, labels: demo.initialLabels[n], labelSource: null })));
  // Open on a labeled slice, so a first-time user sees painted labels before anything else.
  const first = demo.volumes[0];
  const labeledK = demo.initialLabels[0]?.slices[2].findIndex((p) => p !== 0) ?? -1;
  if (first && labeledK >= 0) {
    const [ni, nj] = first.geometry.dims;
    store.getState().setViewState(first.id, { focusVoxel: [Math.floor(ni / 2), Math.floor(nj / 2), labeledK], window: null, zoom: {} });
  }
}

export interface Session {
  autosaver: Autosaver | null;
  db: Database | null;
}

/**
 * One tab writes the workspace. Two writers would overwrite each other's labels, so a second tab holds no lock,
 * reads the workspace and says that its changes are not saved. The lock is released when the tab closes or
 * crashes, so the next tab to open becomes the writer.
 */
async function claimWriterLock(): Promise<boolean> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return true;
  return new Promise<boolean>((resolve) => {
    void locks.request('pseudolab-workspace-writer', { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Hold the lock for the life of the tab.
      return lock ? new Promise<void>(() => undefined) : undefined;
    });
  });
}

/**
 * Start-up: restore the saved workspace, or open the demo on a first visit, then keep saving. If storage is
 * unavailable the app still works, says so, and keeps work in the tab. If a saved workspace cannot be read it
 * is left untouched (autosave stays off) rather than overwritten by the demo.
 */
export async function bootstrap(store: AppStore): Promise<Session> {
  configureDicomCodecs({ wasmBasePath: new URL('codecs/', document.baseURI).href });
  const say = store.getState().pushMessage;
  let db: Database | null = null;
  try {
    db = await openDatabase();
  } catch (e) {
    const text = `Browser storage is unavailable (${(e as Error).message}). You can work as usual, but nothing is saved when this tab closes: export your labels.`;
    say({ severity: 'error', subject: 'Browser storage', text });
    store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: null });
  }
  let restored = false;
  let autosaveAllowed = db !== null;
  if (db && !(await claimWriterLock())) {
    autosaveAllowed = false;
    const text = 'Pseudolab is open in another tab, which saves the workspace. Changes made in this tab are not saved: close it and work in the other, or export what you do here.';
    say({ severity: 'warning', subject: 'Another tab', text });
    store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: null });
  }
  let stored: Awaited<ReturnType<typeof restoreWorkspace>> | null = null;
  if (db) {
    try {
      stored = await restoreWorkspace(db, store, regenerateDemoVoxels);
      restored = stored.restored;
      for (const p of stored.problems) say({ severity: 'warning', subject: 'Saved workspace', text: p });
    } catch (e) {
      autosaveAllowed = false;
      const text = `The saved workspace could not be read (${(e as Error).message}). It is left as it was; autosave is off in this tab so nothing overwrites it.`;
      say({ severity: 'error', subject: 'Saved workspace', text });
      store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: null });
    }
  }
  if (!restored) loadDemo(store);
  let autosaver: Autosaver | null = null;
  if (db && autosaveAllowed) {
    autosaver = new Autosaver(store, db);
    if (stored && restored) autosaver.markStored(stored.volumeIds, stored.labelVersions, stored.savedAt, stored.labelHashes, stored.orphanIds);
    autosaver.start();
    if (!restored) void autosaver.flush();
    const flush = (): void => void autosaver?.flush();
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') flush();
    });
    // Ask the browser not to evict our data under storage pressure; a refusal changes nothing else.
    void navigator.storage?.persist?.().catch(() => undefined);
  }
  initTrainingController(store, autosaveAllowed ? db : null);
  return { autosaver, db };
}
