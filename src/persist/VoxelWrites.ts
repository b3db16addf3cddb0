import type { Volume } from '../volume/Volume.ts';
import { deleteVolumes, writeVolumeVoxels, type Database } from './database.ts';
import { toVolumeRecord } from './records.ts';

interface VoxelFailure {
  error: unknown;
  attempts: number;
  retryAt: number;
}

/**
 * Each volume's voxels written once, in the background, never awaited by a label save: a 300 MB CT must not hold up
 * strokes. A volume that does not fit fails alone and is retried, less and less often.
 */
export class VoxelWrites {
  /** Writes in flight, by volume id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, VoxelFailure>();

  constructor(
    private readonly db: Database,
    private readonly retryMs: number,
    /** Whether the volume is still in the workspace when its write ends. */
    private readonly stillListed: (id: string) => boolean,
    /** A write committed for a volume still listed. */
    private readonly onStored: (id: string) => void,
    /** A write ended, stored or failed: the save status may change. */
    private readonly onSettled: () => void,
  ) {}

  /** Writes still under way. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Starts the write of a volume's voxels, unless one is under way or its last failure is not yet due a retry. */
  start(volume: Volume): void {
    const id = volume.id;
    if (this.inFlight.has(id)) return;
    const failure = this.failures.get(id);
    if (failure && Date.now() < failure.retryAt) return;
    const task = (async () => {
      try {
        await writeVolumeVoxels(this.db, toVolumeRecord(volume), volume.voxels);
        this.failures.delete(id);
        if (this.stillListed(id)) this.onStored(id);
        // Removed while it was being written: take it out again.
        else await deleteVolumes(this.db, [id]);
      } catch (e) {
        const attempts = (failure?.attempts ?? 0) + 1;
        // A volume that does not fit is retried less and less often (up to 4× the retry interval): each try
        // writes it whole before the quota check fails.
        this.failures.set(id, { error: e, attempts, retryAt: Date.now() + this.retryMs * Math.min(4, 2 ** (attempts - 1)) });
      } finally {
        this.inFlight.delete(id);
        this.onSettled();
      }
    })();
    this.inFlight.set(id, task);
  }

  /** Resolves once no write is under way, including writes started while waiting. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight.values());
  }

  /** The failures of volumes still listed (a removed volume's failure no longer matters). */
  errors(): unknown[] {
    for (const id of this.failures.keys()) if (!this.stillListed(id)) this.failures.delete(id);
    return [...this.failures.values()].map((f) => f.error);
  }

  /** Milliseconds until the next failed volume is due another try (Infinity when none failed). */
  nextRetryIn(): number {
    return Math.min(...[...this.failures.values()].map((f) => f.retryAt - Date.now()));
  }
}
