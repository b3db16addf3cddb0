import { inflateSync } from 'fflate';
import { deflateInSlices } from './deflateInSlices.ts';
import type { RunLayerRecord } from './database.ts';

/** Raw bytes per deflated piece: a piece (1 MiB) deflates in about 10 ms, so the page stays responsive between them. */
const PIECE_BYTES = 1 << 20;

const yieldToPage = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * A byte buffer (labels, or uncertainty with `onlyWhere`: zero wherever that buffer is) as deflated pieces of whole slices (a 512²×300 volume is 75 MB raw; mostly background, it deflates
 * to a few hundred kB), yielding to the page between pieces so a save during training never freezes the viewer.
 */
export async function packLabels(
  labels: Uint8Array,
  dims: readonly [number, number, number],
  onlyWhere?: Uint8Array,
  pause: () => Promise<void> = yieldToPage,
): Promise<Uint8Array[]> {
  const per = dims[0] * dims[1];
  const slicesPerPiece = Math.max(1, Math.floor(PIECE_BYTES / Math.max(1, per)));
  const pieces: Uint8Array[] = [];
  for (let k = 0; k < dims[2]; k += slicesPerPiece) {
    const from = k * per;
    const to = Math.min(dims[2], k + slicesPerPiece) * per;
    let piece = labels.subarray(from, to);
    if (onlyWhere) {
      // Kept only where the mask is set (the uncertainty of pseudo-labelled voxels): the rest deflates to nothing.
      piece = piece.slice();
      for (let i = 0; i < piece.length; i++) if (onlyWhere[from + i] === 0) piece[i] = 0;
    }
    // In slices of a few milliseconds with `pause` between them: a layer is stored while the model trains and the
    // user scrolls, and one 1 MiB deflate is a task long enough to be felt.
    pieces.push(await deflateInSlices(piece, pause, 8));
    if (k + slicesPerPiece < dims[2]) await pause();
  }
  return pieces;
}

/** The label buffer a record holds; null when its pieces do not add up to its dims (a damaged or foreign record). */
export function unpackLabels(record: Pick<RunLayerRecord, 'dims' | 'pieces'>): Uint8Array | null {
  const n = record.dims[0] * record.dims[1] * record.dims[2];
  const out = new Uint8Array(n);
  let at = 0;
  try {
    for (const p of record.pieces) {
      const raw = inflateSync(p);
      if (at + raw.length > n) return null;
      out.set(raw, at);
      at += raw.length;
    }
  } catch {
    return null;
  }
  return at === n ? out : null;
}
