import { zipSync } from 'fflate';
import { nnunetDatasetSteps, nnunetImageBytes, planNnunetDataset, type NnunetExportOptions } from '../io/nnunet/buildNnunetDataset.ts';
import type { AppStore } from '../store/appStore.ts';
import type { VolumeEntry } from '../store/types.ts';
import { downloadBytes } from './download.ts';

export type NnunetZipOptions = Omit<NnunetExportOptions, 'classes'>;

/**
 * The workspace as one nnU-Net v2 dataset in a zip: the folder `Dataset<ID>_<Name>/` whole, so unzipping into
 * `nnUNet_raw` is all a cluster needs. Committed labels only. Yields to the page after every few MiB compressed
 * and reports progress in MiB of voxels: a workspace of large CT series takes seconds to compress.
 */
export async function nnunetZip(
  entries: readonly VolumeEntry[],
  options: NnunetExportOptions,
  onProgress?: (doneMiB: number, totalMiB: number, caseName: string) => void,
): Promise<{ zip: Uint8Array; folder: string; trainCases: number; testCases: number }> {
  const plan = planNnunetDataset(
    entries.map((e) => ({ volume: e.volume, labels: e.labels, committed: e.committed })),
    options,
  );
  const tree: Record<string, Uint8Array> = {};
  const mib = (bytes: number): number => Math.ceil(bytes / (1 << 20));
  const total = mib(nnunetImageBytes(plan));
  let done = 0;
  for (const step of nnunetDatasetSteps(plan, options.includePseudoLabels)) {
    if (step.kind === 'file') {
      tree[step.file.path] = step.file.bytes;
      continue;
    }
    done += step.bytes;
    onProgress?.(Math.min(total, mib(done)), total, step.caseName);
    await new Promise((r) => setTimeout(r, 0));
  }
  // Every file but dataset.json is gzip already: storing avoids compressing twice.
  return { zip: zipSync(tree, { level: 0 }), folder: plan.folder, trainCases: plan.trainCases.length, testCases: plan.testCases.length };
}

/** Export menu → nnU-Net dataset: downloads `Dataset<ID>_<Name>.zip` and says what went where. */
export async function exportNnunetCommand(store: AppStore, options: NnunetZipOptions): Promise<void> {
  const s = store.getState();
  const entries = s.volumeOrder.map((id) => s.volumes[id]).filter((e) => e !== undefined);
  if (entries.length === 0) return;
  try {
    const out = await nnunetZip(entries, { ...options, classes: s.classes }, (done, total, caseName) =>
      store.getState().setProgress({ label: `Exporting nnU-Net dataset: ${caseName} (MiB)`, done, total }),
    );
    downloadBytes(out.zip, `${out.folder}.zip`, 'application/zip');
    const test = out.testCases ? `; ${out.testCases} unlabeled volume${out.testCases === 1 ? '' : 's'} in imagesTs for nnUNetv2_predict` : '';
    store.getState().pushMessage({
      severity: 'info',
      subject: `${out.folder}.zip`,
      text: `nnU-Net dataset with ${out.trainCases} training case${out.trainCases === 1 ? '' : 's'}${test}. Voxels outside labeled slices carry the ignore label${options.includePseudoLabels ? '' : '; accepted pseudo-labels were left out'}.`,
    });
  } catch (e) {
    store.getState().pushMessage({ severity: 'error', subject: 'nnU-Net export', text: (e as Error).message.replace(/^nnU-Net export: /, '') });
  } finally {
    store.getState().setProgress(null);
  }
}
