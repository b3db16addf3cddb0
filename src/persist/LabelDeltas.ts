import type { EditHistory, VolumeEntry } from '../store/types.ts';
import { changedIndices } from './changedIndices.ts';
import { writeLabelDelta, type Database } from './database.ts';
import { makeLabelDelta } from './records.ts';

/**
 * An edit larger than this many voxels (an import, a whole-volume pseudo-label) goes to the chunks directly: as
 * a delta it would be five bytes a voxel, more than the deflated chunks it changes.
 */
const MAX_DELTA_VOXELS = 1 << 20;

/** What the autosaver hears of a delta write. */
export interface DeltaEvents {
  /** The delta holding labels `version` of volume `id` committed. */
  stored(id: string, version: number): void;
  /** It failed: this volume's labels need a chunk save. */
  failed(id: string): void;
  /** It ended either way. */
  settled(): void;
}

/**
 * Each volume's log of label deltas: every committed edit stored at once as the voxels it changed (their values
 * now), numbered, on top of the volume's stored label chunks; a later chunk save folds them in and deletes them.
 * It tracks which volumes have chunks to stack deltas on, the numbering, what the chunks already hold, and
 * failures: after one, a volume's edits go to the chunks until a chunk save succeeds, so no delta lands on a hole.
 */
export class LabelDeltas {
  /** Volumes whose labels have a stored record, so an edit can be stored as a delta on top of it. */
  private readonly baseStored = new Set<string>();
  /** Per volume, the version the latest delta (stored or in flight) holds: the labels need no other save. */
  private readonly queuedVersions = new Map<string, number>();
  /** Per volume, the last delta seq handed out or found stored; the next delta takes the one after. */
  private readonly lastSeq = new Map<string, number>();
  /** Per volume, the last seq the stored chunks hold (deltas up to it are deleted). */
  private readonly foldedSeq = new Map<string, number>();
  private writes = 0;
  /** A failed delta write, by volume. */
  private readonly failures = new Map<string, unknown>();

  constructor(
    private readonly db: Database,
    private readonly events: DeltaEvents,
  ) {}

  /** The volume's labels have a stored record (found at restore). */
  markBase(id: string): void {
    this.baseStored.add(id);
  }

  /** Deltas another session stored, up to `seq`: new ones are numbered after them. */
  markStoredSeq(id: string, seq: number): void {
    this.lastSeq.set(id, Math.max(seq, this.lastSeq.get(id) ?? -1));
  }

  /**
   * Stores one committed change (`p` → `e`) as a delta. False when it cannot be: no stored record under it yet,
   * not one step of the undo history, too large, or a delta of this volume failed before.
   */
  tryStore(id: string, e: VolumeEntry, p: VolumeEntry, h: EditHistory | undefined, ph: EditHistory | undefined): boolean {
    if (!this.baseStored.has(id) || this.failures.has(id)) return false;
    if (e.labelsVersion !== p.labelsVersion + 1 || e.committed !== p.committed) return false;
    const indices = changedIndices(ph, h);
    if (!indices || indices.length > MAX_DELTA_VOXELS) return false;
    const seq = (this.lastSeq.get(id) ?? -1) + 1;
    this.lastSeq.set(id, seq);
    const version = e.labelsVersion;
    this.queuedVersions.set(id, version);
    const delta = makeLabelDelta(id, seq, indices, e.committed, e.labels.slices);
    this.writes++;
    writeLabelDelta(this.db, delta)
      .then(() => this.events.stored(id, version))
      .catch((err: unknown) => {
        this.failures.set(id, err);
        this.queuedVersions.delete(id);
        this.events.failed(id);
      })
      .finally(() => {
        this.writes--;
        this.events.settled();
      });
    return true;
  }

  /** The label versions storage holds or will: those saved in chunks, raised by the deltas handed out since. */
  covered(savedVersions: ReadonlyMap<string, number>): Map<string, number> {
    const covered = new Map(savedVersions);
    for (const [id, v] of this.queuedVersions) covered.set(id, Math.max(v, covered.get(id) ?? -1));
    return covered;
  }

  /** The last seq handed out for a volume (-1: none); a chunk save that starts now holds every delta up to it. */
  lastSeqOf(id: string): number {
    return this.lastSeq.get(id) ?? -1;
  }

  /** Volumes that have had deltas. */
  volumes(): string[] {
    return [...this.lastSeq.keys()];
  }

  /** Whether a volume has stored deltas its chunks do not hold yet. */
  needsFold(id: string): boolean {
    return (this.lastSeq.get(id) ?? -1) > (this.foldedSeq.get(id) ?? -1) && this.baseStored.has(id);
  }

  /** The volume's chunks were stored, holding deltas up to `folds`: deltas can stack on them again. */
  chunksStored(id: string, folds: number): void {
    this.foldedSeq.set(id, folds);
    this.baseStored.add(id);
    this.failures.delete(id);
  }

  /** The volume was removed from storage. */
  forget(id: string): void {
    this.baseStored.delete(id);
    this.queuedVersions.delete(id);
    this.lastSeq.delete(id);
    this.foldedSeq.delete(id);
    this.failures.delete(id);
  }

  /** Delta writes under way. */
  get pending(): number {
    return this.writes;
  }

  errors(): unknown[] {
    return [...this.failures.values()];
  }

  /** Resolves once every delta handed to storage so far has committed or failed. */
  async settled(): Promise<void> {
    while (this.writes > 0) await new Promise((r) => setTimeout(r, 1));
  }
}
