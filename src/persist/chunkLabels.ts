import type { VolumeEntry } from '../store/types.ts';
import { deflateInSlices } from './deflateInSlices.ts';
import { chunkLayout, chunkView, hashChunk, LABEL_CHUNK_BYTES, type LabelsRecord } from './records.ts';

/** Longest stretch of main-thread work (hashing, deflating label chunks) between yields. */
const SLICE_MS = 8;

/** Passes over a label volume that a commit interrupts before one is written as it stands. */
const MAX_RESTARTS = 3;

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

/** A volume's labels ready to write: the record, the deflated chunks that changed, and every chunk's hash. */
export interface ChunkedLabels {
  record: LabelsRecord;
  changed: { index: number; deflated: Uint8Array }[];
  hashes: Uint32Array;
  /** The last delta seq handed out when the written pass started: the chunks hold every delta up to it. */
  folds: number;
}

/**
 * Hashes a volume's committed labels chunk by chunk (yielding to the page) and deflates the chunks whose hash
 * differs from `previous` (all of them without it). If a stroke commits meanwhile the pass starts over, so the
 * chunks all come from one committed state; after a few tries it returns what it has, at the version it started
 * from, and the next save (the version moved) completes it. Null when the volume was removed meanwhile.
 * `lastDeltaSeq` is read as each pass starts: edits after that keep their deltas, replayed on top.
 */
export async function chunkLabels(
  id: string,
  entryNow: () => VolumeEntry | undefined,
  previous: Uint32Array | undefined,
  lastDeltaSeq: () => number,
): Promise<ChunkedLabels | null> {
  for (let attempt = 0; ; attempt++) {
    const entry = entryNow();
    if (!entry) return null;
    const version = entry.labelsVersion;
    const folds = lastDeltaSeq();
    const bytes = entry.committed;
    const layout = chunkLayout(bytes.length, LABEL_CHUNK_BYTES);
    const hashes = new Uint32Array(layout.count * 2);
    const known = previous && previous.length === hashes.length ? previous : null;
    const changed: { index: number; deflated: Uint8Array }[] = [];
    let sliceStart = performance.now();
    for (let index = 0; index < layout.count; index++) {
      const view = chunkView(bytes, layout, index);
      hashChunk(view, hashes, index * 2);
      if (!known || known[index * 2] !== hashes[index * 2] || known[index * 2 + 1] !== hashes[index * 2 + 1]) {
        // Level 1: labels compress almost as well at the fastest level, and saves run while the user paints.
        // In pieces with yields: one 4 MB chunk deflated at once is a 100–200 ms task, a visible stall.
        changed.push({ index, deflated: await deflateInSlices(view, yieldToPage, SLICE_MS) });
        sliceStart = performance.now();
      }
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToPage();
        sliceStart = performance.now();
      }
    }
    const now = entryNow();
    if (!now) return null;
    if (now.labelsVersion !== version && attempt < MAX_RESTARTS) continue;
    const l = now.labels;
    const record: LabelsRecord = {
      id,
      version,
      dims: [...l.dims],
      chunks: { ...layout, hashes },
      slices: [l.slices[0].slice(), l.slices[1].slice(), l.slices[2].slice()],
    };
    return { record, changed, hashes, folds };
  }
}
