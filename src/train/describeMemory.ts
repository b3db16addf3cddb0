import type { Run3DSummary } from './protocol.ts';

/*
 * Words for the 3D memory verdict, shared by the panel and the controller's message. No tfjs here: the UI imports it.
 */

export function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** The estimate against the budget, as the panel shows it: "≈ 740 MiB of 2048 MiB". */
export function memoryLine(estimateBytes: number, budgetBytes: number): string {
  return `≈ ${mib(estimateBytes)} of ${mib(budgetBytes)}`;
}

function batch(r: Run3DSummary): string {
  return r.batchUnlabeled > 0 ? `${r.batchLabeled} labeled + ${r.batchUnlabeled} unlabeled` : `${r.batchLabeled}`;
}

/** Each knob that differs between what was asked for and what runs: "patch 16×32×32 → 12×24×24". */
export function describeRun3DChange(requested: Run3DSummary, used: Run3DSummary): string[] {
  const out: string[] = [];
  if (requested.patch.join() !== used.patch.join()) out.push(`patch ${requested.patch.join('×')} → ${used.patch.join('×')} voxels`);
  if (requested.batchLabeled !== used.batchLabeled || requested.batchUnlabeled !== used.batchUnlabeled) out.push(`batch ${batch(requested)} → ${batch(used)} patches`);
  if (requested.width !== used.width) out.push(`width ${requested.width} → ${used.width} channels`);
  return out;
}
