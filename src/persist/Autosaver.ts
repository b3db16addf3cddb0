import type { AppState, AppStore } from '../store/appStore.ts';
import type { EditHistory, VolumeEntry } from '../store/types.ts';
import { chunkLabels } from './chunkLabels.ts';
import { deleteVolumes, writeLabels, writeWorkspaceRecord, type Database } from './database.ts';
import { LabelDeltas } from './LabelDeltas.ts';
import { describeStorageError, storageErrorReason } from './storageErrors.ts';
import { VoxelWrites } from './VoxelWrites.ts';
import { collectChange, persistedPartChanged } from './workspaceChange.ts';

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
  /**
   * A scheduled compaction waits for this before it starts (the page passes "a pause in the user's input"): it can
   * wait, and deflating label chunks under a slice change is what makes the change slow while training.
   */
  whenIdle?: () => Promise<void>;
}

export const DEFAULT_AUTOSAVE: AutosaveOptions = { debounceMs: 300, maxDelayMs: 2000, retryMs: 15_000, compactMs: 3000 };

/** Says why the status is not "saved" while the user is still drawing: the stroke commits on release. */
export const PAINTING_REASON = 'stroke in progress';

/**
 * Saves the workspace to IndexedDB as the user works. Owns its timers and store subscription; dispose() ends both.
 *
 * Each volume saves on its own: its voxels (once, in chunks, in the background) and its labels (only the
 * chunks that changed) each in their own transaction, then the small workspace record. A volume that does not
 * fit in storage fails alone; strokes on the others keep saving. The status says "saved" only once every write
 * has committed, voxel writes included. Edits go to storage at once as deltas (LabelDeltas), folded into the label
 * chunks (chunkLabels) after a quiet spell; voxels are written by VoxelWrites.
 */
export class Autosaver {
  private savedVolumes = new Set<string>();
  private savedLabelVersions = new Map<string, number>();
  /** Per volume, the hashes of the label chunks as last stored: a save rewrites the chunks whose hash moved. */
  private labelHashes = new Map<string, Uint32Array>();
  private readonly voxels: VoxelWrites;
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
  private readonly deltas: LabelDeltas;
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
  ) {
    this.voxels = new VoxelWrites(
      db,
      options.retryMs,
      (id) => !!store.getState().volumes[id],
      (id) => this.savedVolumes.add(id),
      () => this.report(),
    );
    this.deltas = new LabelDeltas(db, {
      stored: (id, version) => {
        if ((this.savedLabelVersions.get(id) ?? -1) < version) this.savedLabelVersions.set(id, version);
        this.lastSavedAt = Date.now();
        this.scheduleCompaction();
      },
      failed: () => this.schedule(0),
      settled: () => this.report(),
    });
  }

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
      this.deltas.markBase(id);
    }
    for (const [id, h] of labelHashes ?? []) this.labelHashes.set(id, h);
    // Deltas another session stored: number after them, and fold them in soon.
    for (const [id, seq] of deltaSeqs) this.deltas.markStoredSeq(id, seq);
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
    await this.voxels.settled();
    await this.compact();
    this.report();
  }

  /** Resolves once every delta handed to storage so far has committed or failed (tests, benchmarks). */
  deltasSettled(): Promise<void> {
    return this.deltas.settled();
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
    if (this.disposed || !this.deltas.tryStore(id, e, p, h, ph)) return false;
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
    this.compactTimer = setTimeout(() => void this.compactWhenIdle(), delay);
  }

  /** A scheduled compaction, once the page says the user has paused (a flush compacts at once). */
  private async compactWhenIdle(): Promise<void> {
    this.compactTimer = null;
    await this.options.whenIdle?.();
    // A flush or an edit meanwhile may have compacted or scheduled again; then this one has nothing left to do.
    if (!this.disposed && this.compactTimer === null) await this.compact();
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
    for (const id of this.deltas.volumes()) {
      if (!this.deltas.needsFold(id) || !this.store.getState().volumes[id]) continue;
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
    const change = collectChange(s, this.savedVolumes, this.deltas.covered(this.savedLabelVersions));
    this.report();
    // 1. Voxels of new volumes start in the background, smallest first: a 300 MB CT must not hold up strokes.
    for (const volume of [...change.volumes].sort((a, b) => a.voxels.byteLength - b.voxels.byteLength)) this.voxels.start(volume);
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
          this.deltas.forget(id);
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
    const chunked = await chunkLabels(
      id,
      () => this.store.getState().volumes[id],
      this.labelHashes.get(id),
      () => this.deltas.lastSeqOf(id),
    );
    if (!chunked) return;
    const { version } = chunked.record;
    const { folds } = chunked;
    await writeLabels(this.db, chunked.record, chunked.changed, folds);
    if ((this.savedLabelVersions.get(id) ?? -1) < version) this.savedLabelVersions.set(id, version);
    this.labelHashes.set(id, chunked.hashes);
    this.deltas.chunksStored(id, folds);
  }

  /** Puts the save status in words from every write's outcome; one message per kind of failure. */
  private report(): void {
    const st = this.store.getState();
    const voxelErrors = this.voxels.errors();
    const errors = [...this.saveErrors, ...this.deltas.errors(), ...voxelErrors];
    if (errors.length) {
      const text = describeStorageError(errors[0]);
      st.setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: this.lastSavedAt, reason: storageErrorReason(errors[0]) });
      if (text !== this.lastErrorText) st.pushMessage({ severity: 'error', subject: 'Browser storage', text });
      this.lastErrorText = text;
      // Come back when the next volume is due for another try (or at once-per-interval for label failures).
      const due = this.voxels.nextRetryIn();
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
    else if (this.saving || this.voxels.pending || this.deltas.pending) st.setSaveState({ kind: 'saving' });
    else if (this.lastSavedAt !== null) st.setSaveState({ kind: 'saved', at: this.lastSavedAt });
  }
}
