import { deflateInSlices } from './deflateInSlices.ts';
import type { AppState, AppStore } from '../store/appStore.ts';
import type { EditHistory, VolumeEntry } from '../store/types.ts';
import type { Volume } from '../volume/Volume.ts';
import { deleteVolumes, writeLabelDelta, writeLabels, writeVolumeVoxels, writeWorkspaceRecord, type Database } from './database.ts';
import {
  chunkLayout,
  chunkView,
  hashChunk,
  LABEL_CHUNK_BYTES,
  makeLabelDelta,
  SCHEMA_VERSION,
  toVolumeRecord,
  type LabelsRecord,
  type WorkspaceRecord,
} from './records.ts';

export interface AutosaveOptions {
  /** Quiet time after the last change before saving: one save per burst of strokes. */
  debounceMs: number;
  /** A burst never delays a save longer than this, so a crash loses at most this much work. */
  maxDelayMs: number;
  /** After a failure (storage full, blocked), try again this often while work stays in memory. */
  retryMs: number;
  /**
   * Edits are stored as deltas the moment they commit; after this much quiet they are folded into the label
   * chunks (compaction), so restore replays few of them. Not a durability knob: deltas are already stored.
   */
  compactMs?: number;
}

export const DEFAULT_AUTOSAVE: AutosaveOptions = { debounceMs: 300, maxDelayMs: 2000, retryMs: 15_000, compactMs: 3000 };

/**
 * An edit larger than this many voxels (an import, a whole-volume pseudo-label) goes to the chunks directly: as
 * a delta it would be five bytes a voxel, more than the deflated chunks it changes.
 */
const MAX_DELTA_VOXELS = 1 << 20;

/** Says why the status is not "saved" while the user is still drawing: the stroke commits on release. */
export const PAINTING_REASON = 'stroke in progress';

/** Names the failure the way a user can act on it. */
export function describeStorageError(e: unknown): string {
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  const message = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) {
    return 'Browser storage is full. Your latest changes are kept in this tab only — export your labels, or free disk space; saving resumes by itself.';
  }
  if (name === 'InvalidStateError' || name === 'UnknownError') {
    return `Browser storage stopped working (${message}). Your changes are kept in this tab only — export your labels before closing it.`;
  }
  return `Saving failed: ${message}. Your changes are kept in this tab only; saving will be retried.`;
}

/** The same failure in a few words, for the status line ("Not saved: storage full"). */
export function storageErrorReason(e: unknown): string {
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  const message = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) return 'storage full';
  if (name === 'InvalidStateError' || name === 'UnknownError') return 'storage stopped working';
  return 'saving failed';
}

/**
 * The voxels one committed change touched, read from the undo history the store keeps: a commit or a redo
 * leaves its edit last in `undo`, an undo leaves it last in `redo`. Null when the change is not one step of
 * that history (a class deleted, labels replaced wholesale, history cleared): the caller then saves chunks.
 * Only the indices are taken; the values are read from the committed labels, so a delta holds what is true now.
 */
export function changedIndices(prev: EditHistory | undefined, next: EditHistory | undefined): Uint32Array | null {
  const pu = prev?.undo ?? [];
  const pr = prev?.redo ?? [];
  const u = next?.undo ?? [];
  const r = next?.redo ?? [];
  const lastUndo = u[u.length - 1];
  const lastRedo = r[r.length - 1];
  // An undo: the edit moved from the end of undo to the end of redo.
  if (r.length === pr.length + 1 && lastRedo && lastRedo === pu[pu.length - 1]) return lastRedo.indices;
  // A commit (redo emptied) or a redo (redo shortened): a new edit ends undo.
  if (lastUndo && lastUndo !== pu[pu.length - 1] && r.length <= pr.length) return lastUndo.indices;
  return null;
}

/**
 * Lets the page draw and take input: a task boundary, without the 4 ms clamp nested timers get. Node (tests)
 * has setImmediate.
 */
function yieldToPage(): Promise<void> {
  const g = globalThis as { scheduler?: { yield?: () => Promise<void> }; setImmediate?: (f: () => void) => void };
  if (g.scheduler?.yield) return g.scheduler.yield();
  if (g.setImmediate) return new Promise((r) => g.setImmediate!(r));
  return new Promise((r) => setTimeout(r, 0));
}

/** Longest stretch of main-thread work (hashing, deflating label chunks) between yields. */
const SLICE_MS = 8;

interface VoxelFailure {
  error: unknown;
  attempts: number;
  retryAt: number;
}

/**
 * Saves the workspace to IndexedDB as the user works. Owns its timers and store subscription; dispose() ends both.
 *
 * Each volume saves on its own: its voxels (once, in chunks, in the background) and its labels (only the
 * chunks that changed) each in their own transaction, then the small workspace record. A volume that does not
 * fit in storage fails alone; strokes on the others keep saving. The status says "saved" only once every write
 * has committed, voxel writes included.
 */
export class Autosaver {
  private savedVolumes = new Set<string>();
  private savedLabelVersions = new Map<string, number>();
  /** Per volume, the hashes of the label chunks as last stored: a save rewrites the chunks whose hash moved. */
  private labelHashes = new Map<string, Uint32Array>();
  /** Voxel writes in flight, by volume id; never awaited by a label save. */
  private voxelWrites = new Map<string, Promise<void>>();
  private voxelFailures = new Map<string, VoxelFailure>();
  /** Failures of the last label/workspace save, cleared by the next one that succeeds. */
  private saveErrors: unknown[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstChangeAt: number | null = null;
  private saving: Promise<void> | null = null;
  private dirtyWhileSaving = false;
  private lastErrorText: string | null = null;
  /** Set by every change, cleared when a save starts: a change during a save keeps the status at pending. */
  private dirty = false;
  private lastSavedAt: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private disposed = false;
  /** Volumes whose labels have a stored record, so an edit can be stored as a delta on top of it. */
  private baseStored = new Set<string>();
  /** Per volume, the version the latest delta (stored or in flight) holds: the labels need no other save. */
  private queuedLabelVersions = new Map<string, number>();
  /** Per volume, the last delta seq handed out or found stored; the next delta takes the one after. */
  private lastSeq = new Map<string, number>();
  /** Per volume, the last seq the stored chunks hold (deltas up to it are deleted). */
  private foldedSeq = new Map<string, number>();
  private deltaWrites = 0;
  /** A failed delta write, by volume: its next edits go to the chunks until a chunk save succeeds. */
  private deltaFailures = new Map<string, unknown>();
  /** Chunk saves of labels (a save or a compaction) one at a time, so two never interleave on one volume. */
  private labelQueue: Promise<void> = Promise.resolve();
  private compactTimer: ReturnType<typeof setTimeout> | null = null;
  private firstUnfoldedAt: number | null = null;
  /** The user is drawing: the live buffer holds paint that is not committed, so nothing of it is stored. */
  private painting = false;

  constructor(
    private readonly store: AppStore,
    private readonly db: Database,
    private readonly options: AutosaveOptions = DEFAULT_AUTOSAVE,
  ) {}

  /**
   * Marks what is already stored (after a restore) so the first save writes only what changes. `labelHashes`
   * (from chunked label records) lets that save rewrite only changed chunks; without them it writes all once.
   * `orphanIds`: stored volumes the workspace no longer lists, deleted by the first save.
   */
  markStored(
    volumeIds: string[],
    labelVersions: Map<string, number>,
    savedAt: number | null,
    labelHashes?: Map<string, Uint32Array>,
    orphanIds: string[] = [],
    deltaSeqs: Map<string, number> = new Map(),
  ): void {
    for (const id of volumeIds) this.savedVolumes.add(id);
    for (const id of orphanIds) this.savedVolumes.add(id);
    for (const [id, v] of labelVersions) {
      this.savedLabelVersions.set(id, v);
      this.baseStored.add(id);
    }
    for (const [id, h] of labelHashes ?? []) this.labelHashes.set(id, h);
    // Deltas another session stored: number after them, and fold them in soon.
    for (const [id, seq] of deltaSeqs) this.lastSeq.set(id, Math.max(seq, this.lastSeq.get(id) ?? -1));
    this.lastSavedAt = savedAt;
    if (savedAt !== null) this.store.getState().setSaveState({ kind: 'saved', at: savedAt });
    if (orphanIds.length) this.schedule();
    if (deltaSeqs.size) this.scheduleCompaction();
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((s, prev) => {
      // Label edits are stored at once, as deltas; what cannot be (or the rest of the workspace) is scheduled.
      const labelsStored = s.volumes === prev.volumes || this.storeDeltas(s, prev);
      if (!labelsStored) this.schedule(0);
      else if (persistedPartChanged(s, prev, false)) this.schedule();
    });
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.timer = null;
    this.compactTimer = null;
  }

  /**
   * The user pressed (true) or released (false) a labeling tool on a view. While drawing, the status says the
   * paint is not saved; the stroke is stored once it commits, right after the release.
   */
  setPainting(painting: boolean): void {
    if (this.painting === painting) return;
    this.painting = painting;
    this.report();
  }

  /**
   * Saves now (page hide, tests); resolves once what was pending, voxels included, is written or has failed,
   * and the deltas stored so far are folded into the chunks.
   */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.saving) await this.saving;
    await this.save();
    while (this.voxelWrites.size) await Promise.all(this.voxelWrites.values());
    await this.compact();
    this.report();
  }

  /** Resolves once every delta handed to storage so far has committed or failed (tests, benchmarks). */
  async deltasSettled(): Promise<void> {
    while (this.deltaWrites > 0) await new Promise((r) => setTimeout(r, 1));
  }

  /**
   * Stores each committed label change as a delta, at once. Returns false when some change could not be
   * (no stored record under it yet, not one step of the undo history, too large, a delta failed before):
   * those labels then need a chunk save.
   */
  private storeDeltas(s: AppState, prev: AppState): boolean {
    let all = true;
    for (const id of s.volumeOrder) {
      const e = s.volumes[id];
      const p = prev.volumes[id];
      if (!e || e.labelsVersion === p?.labelsVersion) continue;
      if (!p || !this.storeDelta(id, e, p, s.history[id], prev.history[id])) all = false;
    }
    return all;
  }

  private storeDelta(id: string, e: VolumeEntry, p: VolumeEntry, h: EditHistory | undefined, ph: EditHistory | undefined): boolean {
    if (this.disposed || !this.baseStored.has(id) || this.deltaFailures.has(id)) return false;
    if (e.labelsVersion !== p.labelsVersion + 1 || e.committed !== p.committed) return false;
    const indices = changedIndices(ph, h);
    if (!indices || indices.length > MAX_DELTA_VOXELS) return false;
    const seq = (this.lastSeq.get(id) ?? -1) + 1;
    this.lastSeq.set(id, seq);
    const version = e.labelsVersion;
    this.queuedLabelVersions.set(id, version);
    const delta = makeLabelDelta(id, seq, indices, e.committed, e.labels.slices);
    this.deltaWrites++;
    writeLabelDelta(this.db, delta)
      .then(() => {
        if ((this.savedLabelVersions.get(id) ?? -1) < version) this.savedLabelVersions.set(id, version);
        this.lastSavedAt = Date.now();
        this.scheduleCompaction();
      })
      .catch((err: unknown) => {
        // Later deltas must not land on a hole: this volume's edits go to the chunks until a chunk save works.
        this.deltaFailures.set(id, err);
        this.queuedLabelVersions.delete(id);
        this.schedule(0);
      })
      .finally(() => {
        this.deltaWrites--;
        this.report();
      });
    this.report();
    return true;
  }

  private scheduleCompaction(): void {
    if (this.disposed) return;
    const quiet = this.options.compactMs ?? 3000;
    const now = Date.now();
    this.firstUnfoldedAt ??= now;
    if (this.compactTimer) clearTimeout(this.compactTimer);
    // Quiet time after the last edit, but never more than a few quiet periods behind the first unfolded one.
    const delay = Math.max(0, Math.min(quiet, this.firstUnfoldedAt + 4 * quiet - now));
    this.compactTimer = setTimeout(() => void this.compact(), delay);
  }

  /**
   * Folds stored deltas into the label chunks. Everything is already stored, so the status does not change
   * and a failure is only retried: the deltas stay until a fold succeeds.
   */
  private async compact(): Promise<void> {
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.compactTimer = null;
    this.firstUnfoldedAt = null;
    let failed = false;
    for (const [id, seq] of [...this.lastSeq]) {
      if (seq <= (this.foldedSeq.get(id) ?? -1) || !this.store.getState().volumes[id] || !this.baseStored.has(id)) continue;
      try {
        await this.saveLabels(id);
      } catch {
        failed = true;
      }
    }
    if (failed) {
      this.firstUnfoldedAt = Date.now();
      if (!this.disposed) this.compactTimer = setTimeout(() => void this.compact(), this.options.retryMs);
    }
  }

  private schedule(delayMs?: number): void {
    // While saving is failing the error stays on screen; otherwise say at once that changes are unsaved.
    this.dirty = true;
    if (this.store.getState().save.kind !== 'error') this.report();
    const now = Date.now();
    this.firstChangeAt ??= now;
    if (this.timer) clearTimeout(this.timer);
    const waited = now - this.firstChangeAt;
    const delay = delayMs ?? Math.max(0, Math.min(this.options.debounceMs, this.options.maxDelayMs - waited));
    this.timer = setTimeout(() => void this.run(), delay);
  }

  private retryLater(delayMs = this.options.retryMs): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), Math.max(0, delayMs));
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (this.saving) {
      this.dirtyWhileSaving = true;
      return;
    }
    await this.save();
  }

  private save(): Promise<void> {
    const task = this.doSave().finally(() => {
      this.saving = null;
      // A change that came while this save ran (its timer found us busy) is saved next, whoever started this
      // one: a flush's save must not leave it waiting with no timer, the status stuck at pending.
      if (this.dirtyWhileSaving) {
        this.dirtyWhileSaving = false;
        this.schedule();
      }
      this.report();
    });
    this.saving = task;
    return task;
  }

  private async doSave(): Promise<void> {
    this.firstChangeAt = null;
    this.dirty = false;
    const s = this.store.getState();
    // Labels whose latest edit is in a delta (stored or on its way) need no chunk save now.
    const covered = new Map(this.savedLabelVersions);
    for (const [id, v] of this.queuedLabelVersions) covered.set(id, Math.max(v, covered.get(id) ?? -1));
    const change = collectChange(s, this.savedVolumes, covered);
    this.report();
    // 1. Voxels of new volumes start in the background, smallest first: a 300 MB CT must not hold up strokes.
    for (const volume of [...change.volumes].sort((a, b) => a.voxels.byteLength - b.voxels.byteLength)) this.startVoxelWrite(volume);
    const errors: unknown[] = [];
    // 2. Labels, one transaction per volume, so one volume's failure leaves the others saved.
    for (const id of change.labels) {
      try {
        await this.saveLabels(id);
      } catch (e) {
        errors.push(e);
      }
    }
    // 3. The workspace record, then removed volumes.
    try {
      await writeWorkspaceRecord(this.db, change.workspace);
      this.lastSavedAt = change.workspace.savedAt;
      if (change.deleted.length) {
        await deleteVolumes(this.db, change.deleted);
        for (const id of change.deleted) {
          this.savedVolumes.delete(id);
          this.savedLabelVersions.delete(id);
          this.labelHashes.delete(id);
          this.baseStored.delete(id);
          this.queuedLabelVersions.delete(id);
          this.lastSeq.delete(id);
          this.foldedSeq.delete(id);
          this.deltaFailures.delete(id);
        }
      }
    } catch (e) {
      errors.push(e);
    }
    this.saveErrors = errors;
    if (errors.length) this.dirty = true;
  }

  /**
   * Hashes the committed labels chunk by chunk (yielding to the page), deflates the chunks that changed, and
   * writes them with the labels record. If a stroke commits meanwhile the pass starts over, so the stored
   * chunks all come from one committed state; after a few tries it writes what it has, and the next save
   * (the version moved) completes it. The write deletes the deltas the chunks now hold: every delta handed out
   * before the pass started (edits after it keep theirs, replayed on top; being absolute, that is exact even
   * where a chunk already holds them). Runs one at a time (labelQueue).
   */
  private saveLabels(id: string): Promise<void> {
    const task = this.labelQueue.then(() => this.saveLabelsNow(id));
    this.labelQueue = task.catch(() => undefined);
    return task;
  }

  private async saveLabelsNow(id: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const entry = this.store.getState().volumes[id];
      if (!entry) return;
      const version = entry.labelsVersion;
      const folds = this.lastSeq.get(id) ?? -1;
      const bytes = entry.committed;
      const layout = chunkLayout(bytes.length, LABEL_CHUNK_BYTES);
      const hashes = new Uint32Array(layout.count * 2);
      const previous = this.labelHashes.get(id);
      const known = previous && previous.length === hashes.length ? previous : null;
      const changed: { index: number; deflated: Uint8Array }[] = [];
      let sliceStart = performance.now();
      for (let index = 0; index < layout.count; index++) {
        const view = chunkView(bytes, layout, index);
        hashChunk(view, hashes, index * 2);
        if (!known || known[index * 2] !== hashes[index * 2] || known[index * 2 + 1] !== hashes[index * 2 + 1]) {
          // Level 1: labels compress almost as well at the fastest level, and saves run while the user paints.
          // In pieces with yields: one 4 MB chunk deflated at once was a 100–200 ms task during training.
          changed.push({ index, deflated: await deflateInSlices(view, yieldToPage, SLICE_MS) });
          sliceStart = performance.now();
        }
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToPage();
          sliceStart = performance.now();
        }
      }
      const now = this.store.getState().volumes[id];
      if (!now) return;
      if (now.labelsVersion !== version && attempt < 3) continue;
      const l = now.labels;
      const record: LabelsRecord = {
        id,
        version,
        dims: [...l.dims],
        chunks: { ...layout, hashes },
        slices: [l.slices[0].slice(), l.slices[1].slice(), l.slices[2].slice()],
      };
      await writeLabels(this.db, record, changed, folds);
      if ((this.savedLabelVersions.get(id) ?? -1) < version) this.savedLabelVersions.set(id, version);
      this.labelHashes.set(id, hashes);
      this.foldedSeq.set(id, folds);
      this.baseStored.add(id);
      this.deltaFailures.delete(id);
      return;
    }
  }

  private startVoxelWrite(volume: Volume): void {
    const id = volume.id;
    if (this.voxelWrites.has(id)) return;
    const failure = this.voxelFailures.get(id);
    if (failure && Date.now() < failure.retryAt) return;
    const task = (async () => {
      try {
        await writeVolumeVoxels(this.db, toVolumeRecord(volume), volume.voxels);
        this.voxelFailures.delete(id);
        if (this.store.getState().volumes[id]) this.savedVolumes.add(id);
        // Removed while it was being written: take it out again.
        else await deleteVolumes(this.db, [id]);
      } catch (e) {
        const attempts = (failure?.attempts ?? 0) + 1;
        // A volume that does not fit is retried less and less often (up to 4× the retry interval): each try
        // writes it whole before the quota check fails.
        this.voxelFailures.set(id, { error: e, attempts, retryAt: Date.now() + this.options.retryMs * Math.min(4, 2 ** (attempts - 1)) });
      } finally {
        this.voxelWrites.delete(id);
        this.report();
      }
    })();
    this.voxelWrites.set(id, task);
  }

  /** Puts the save status in words from every write's outcome; one message per kind of failure. */
  private report(): void {
    const st = this.store.getState();
    for (const id of this.voxelFailures.keys()) if (!st.volumes[id]) this.voxelFailures.delete(id);
    const errors = [...this.saveErrors, ...this.deltaFailures.values(), ...[...this.voxelFailures.values()].map((f) => f.error)];
    if (errors.length) {
      const text = describeStorageError(errors[0]);
      st.setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: this.lastSavedAt, reason: storageErrorReason(errors[0]) });
      if (text !== this.lastErrorText) st.pushMessage({ severity: 'error', subject: 'Browser storage', text });
      this.lastErrorText = text;
      // Come back when the next volume is due for another try (or at once-per-interval for label failures).
      const due = Math.min(...[...this.voxelFailures.values()].map((f) => f.retryAt - Date.now()));
      if (!this.saving) this.retryLater(this.saveErrors.length ? this.options.retryMs : due);
      return;
    }
    if (this.lastErrorText) {
      st.pushMessage({ severity: 'info', subject: null, text: 'Saving works again; all changes are stored.' });
      this.lastErrorText = null;
    }
    // "saved" only when nothing the user did is outside storage: no paint on screen that is not committed, no
    // save waiting or under way, no delta or voxel write that has not committed.
    if (this.painting) st.setSaveState({ kind: 'pending', reason: PAINTING_REASON });
    else if (this.dirty) st.setSaveState({ kind: 'pending' });
    else if (this.saving || this.voxelWrites.size || this.deltaWrites) st.setSaveState({ kind: 'saving' });
    else if (this.lastSavedAt !== null) st.setSaveState({ kind: 'saved', at: this.lastSavedAt });
  }
}

/** Whether a save is due; `labels` false leaves label versions out (their edits went to deltas). */
function persistedPartChanged(s: AppState, p: AppState, labels = true): boolean {
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
