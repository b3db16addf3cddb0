import { configureDicomCodecs } from '../io/dicom/codecs.ts';
import { adoptStoredWorkspace } from '../persist/adoptStoredWorkspace.ts';
import { Autosaver, DEFAULT_AUTOSAVE } from '../persist/Autosaver.ts';
import { openDatabase, type Database } from '../persist/database.ts';
import { restoreWorkspace, type RestoreResult } from '../persist/restore.ts';
import type { AppStore } from '../store/appStore.ts';
import { loadDemo, regenerateDemoVoxels } from './demoWorkspace.ts';
import { initImportedModel } from './importedModel.ts';
import { watchPageInput, whenInputQuiet } from './inputActivity.ts';
import { initTrainingController, trainingController } from './training.ts';
import { watchPainting } from './watchPainting.ts';
import { claimWriterLock } from './writerLock.ts';

export interface Session {
  autosaver: Autosaver | null;
  db: Database | null;
  /** False while another tab holds the writer lock; this tab then saves nothing until it takes over. */
  writer: boolean;
}

/** Starts saving: the autosaver, told what is already stored, and everything that tells it what happens. */
function startSaving(store: AppStore, db: Database, stored: RestoreResult | null, saveAllNow: boolean): Autosaver {
  const autosaver = new Autosaver(store, db, { ...DEFAULT_AUTOSAVE, whenIdle: whenInputQuiet });
  if (stored) autosaver.markStored(stored.volumeIds, stored.labelVersions, stored.savedAt, stored.labelHashes, stored.orphanIds, stored.deltaSeqs);
  autosaver.start();
  watchPainting(store, (painting) => autosaver.setPainting(painting));
  if (saveAllNow) void autosaver.flush();
  const flush = (): void => void autosaver.flush();
  window.addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flush();
  });
  // Ask the browser not to evict our data under storage pressure; a refusal changes nothing else.
  void navigator.storage?.persist?.().catch(() => undefined);
  return autosaver;
}

/**
 * The writing tab went away and this read-only tab holds the lock now. It re-reads what that tab stored, keeps
 * its own edits on top (adoptStoredWorkspace says how the two merge), saves, and says it is the writer.
 * `openedHere`: volumes this tab did not get from storage at start (it opened them, or the demo).
 */
async function takeOver(store: AppStore, db: Database, session: Session, restoredIds: ReadonlySet<string>, notice: number): Promise<void> {
  const s = store.getState();
  const changedHere = new Set(s.volumeOrder.filter((id) => !restoredIds.has(id) || (s.volumes[id]?.labelsVersion ?? 0) > 0));
  let stored: RestoreResult | null = null;
  try {
    stored = await adoptStoredWorkspace(db, store, regenerateDemoVoxels, changedHere);
    for (const p of stored.problems) s.pushMessage({ severity: 'warning', subject: 'Saved workspace', text: p });
  } catch (e) {
    // Unreadable: this tab's workspace replaces it rather than leaving nothing saving at all.
    s.pushMessage({
      severity: 'warning',
      subject: 'Saved workspace',
      text: `What the other tab saved could not be read (${(e as Error).message}); this tab's workspace is saved instead.`,
    });
  }
  s.dismissMessage(notice);
  s.pushMessage({
    severity: 'info',
    subject: null,
    text: changedHere.size
      ? 'The other Pseudolab tab closed: this tab now saves the workspace, with what the other tab saved and your changes here on top.'
      : 'The other Pseudolab tab closed: this tab now saves the workspace, and shows what the other tab saved.',
  });
  session.writer = true;
  session.autosaver = startSaving(store, db, stored?.restored ? stored : null, true);
  // Training checkpoints are stored from now on too (a model held in this tab only is written first).
  await trainingController()?.useDatabase(db);
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
    store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: null, reason: 'storage unavailable' });
  }
  let restored = false;
  let autosaveAllowed = db !== null;
  const lock = db ? await claimWriterLock() : null;
  let readOnlyNotice: number | null = null;
  if (lock && !lock.now) {
    autosaveAllowed = false;
    const text =
      'Pseudolab is open in another tab, which saves the workspace. Changes made in this tab are not saved while that tab is open; when it closes, this tab takes over and saves them.';
    readOnlyNotice = say({ severity: 'warning', subject: 'Another tab', text });
    store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: null, reason: 'another tab saves' });
  }
  let stored: RestoreResult | null = null;
  let unreadable = false;
  if (db) {
    try {
      stored = await restoreWorkspace(db, store, regenerateDemoVoxels);
      restored = stored.restored;
      for (const p of stored.problems) say({ severity: 'warning', subject: 'Saved workspace', text: p });
    } catch (e) {
      autosaveAllowed = false;
      unreadable = true;
      const text = `The saved workspace could not be read (${(e as Error).message}). It is left as it was; autosave is off in this tab so nothing overwrites it.`;
      say({ severity: 'error', subject: 'Saved workspace', text });
      store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: null, reason: 'saved workspace unreadable' });
    }
  }
  if (!restored) loadDemo(store);
  const session: Session = { autosaver: null, db, writer: autosaveAllowed };
  if (db && autosaveAllowed) session.autosaver = startSaving(store, db, restored ? stored : null, !restored);
  if (db && lock && !lock.now && !unreadable && readOnlyNotice !== null) {
    const restoredIds = new Set(restored && stored ? stored.volumeIds : []);
    const notice = readOnlyNotice;
    const database = db;
    void lock.later.then(() => takeOver(store, database, session, restoredIds, notice));
  }
  // Checkpoints are saved only by the tab that writes at start (app/training.ts takes the database once).
  initTrainingController(store, autosaveAllowed ? db : null);
  initImportedModel(store);
  watchPageInput();
  return session;
}
