import type { Run2DSummary, Run3DSummary } from './protocol.ts';

/*
 * Words for the memory verdict (2D and 3D), shared by the panel and the controller's message. No tfjs here: the UI
 * imports it.
 */

type Summary = Run2DSummary | Run3DSummary;

export function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** The estimate against the budget, as the panel shows it: "≈ 740 MiB of 2048 MiB". */
export function memoryLine(estimateBytes: number, budgetBytes: number): string {
  return `≈ ${mib(estimateBytes)} of ${mib(budgetBytes)}`;
}

function batch(r: Summary): string {
  return r.batchUnlabeled > 0 ? `${r.batchLabeled} labeled + ${r.batchUnlabeled} unlabeled` : `${r.batchLabeled}`;
}

/** Each knob that differs between what was asked for and what runs: "patch 16×32×32 → 12×24×24". */
export function describeRun3DChange(requested: Summary, used: Summary): string[] {
  const out: string[] = [];
  const unit = used.patch.length === 2 ? 'pixels' : 'voxels';
  if (requested.patch.join() !== used.patch.join()) out.push(`patch ${requested.patch.join('×')} → ${used.patch.join('×')} ${unit}`);
  if (requested.batchLabeled !== used.batchLabeled || requested.batchUnlabeled !== used.batchUnlabeled)
    out.push(`batch ${batch(requested)} → ${batch(used)} patches`);
  if (requested.width !== used.width) out.push(`width ${requested.width} → ${used.width} channels`);
  return out;
}

/** GiB with one decimal below 10 ("1.3 GiB"), MiB below one GiB. */
export function gib(bytes: number): string {
  return bytes < 2 ** 30 ? mib(bytes) : `${(bytes / 2 ** 30).toFixed(bytes < 10 * 2 ** 30 ? 1 : 0)} GiB`;
}

/** A patch as the user reads it: "256²" when square, else "128×256". */
function patchWords(patch: readonly number[]): string {
  return patch.length === 2 && patch[0] === patch[1] ? `${patch[0]}²` : patch.join('×');
}

/** What runs and what it costs, in one line: "trains at batch 2 + 2, 128² patch: 1.1 GiB of the 2 GiB budget (the WebAssembly heap)". */
export function runMemoryLine(used: Summary, estimateBytes: number, budgetBytes: number, budgetSource: string): string {
  const b = used.batchUnlabeled > 0 ? `${used.batchLabeled} + ${used.batchUnlabeled}` : `${used.batchLabeled}`;
  return `trains at batch ${b}, ${patchWords(used.patch)} patch, width ${used.width}: ≈ ${gib(estimateBytes)} of the ${gib(budgetBytes)} budget (${budgetSource})`;
}
