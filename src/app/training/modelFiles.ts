import { readCheckpoint, writeRun } from '../../persist/database.ts';
import { runKey, sizeOfWidth } from '../../persist/runKey.ts';
import type { AppStore } from '../../store/appStore.ts';
import { decodeCheckpoint } from '../../train/checkpoint.ts';
import { downloadBytes } from '../download.ts';
import type { SavedRuns } from './savedRuns.ts';

/*
 * Model files (.pslb): a checkpoint (weights, optimiser state, step, config, classes) as a download, and back.
 */

/**
 * Downloads the latest model as a file: the run's newest checkpoint from memory when there is one (it may never have
 * reached storage: a read-only tab, a full disk), else the stored one the panel shows.
 */
export async function exportModel(store: AppStore, runs: SavedRuns): Promise<void> {
  const s = store.getState();
  const shown = s.training.checkpoint;
  const key = shown?.size ? runKey(shown.preset, shown.network, shown.size) : null;
  const stored = runs.db && key ? await readCheckpoint(runs.db, key).catch(() => null) : null;
  const held = runs.held;
  const latest = held && (!stored || held.step >= stored.step) ? held : stored;
  if (!latest) {
    s.pushMessage({
      severity: 'info',
      subject: 'Export model',
      text: 'There is no model yet: train for a little while (it is kept on pause, on stop and every minute or 25 steps).',
    });
    return;
  }
  downloadBytes(latest.bytes, `pseudolab-model-step${latest.step}.pslb`, 'application/octet-stream');
}

/**
 * Reads a model file; a valid one for this workspace's classes is stored as a run, which the panel then shows and
 * the next Start resumes. `running` as for SavedRuns.showNewest.
 */
export async function importModel(store: AppStore, runs: SavedRuns, running: () => boolean, bytes: Uint8Array, fileName: string): Promise<void> {
  const s = store.getState();
  try {
    const c = decodeCheckpoint(bytes);
    const values = c.classes.map((x) => x.value);
    const known = s.classes.map((x) => x.value);
    if (values.length !== known.length || values.some((v, n) => v !== known[n])) {
      throw new Error(
        `it predicts ${c.classes.map((x) => x.name).join(', ')}; this workspace's classes are ${s.classes.map((x) => x.name).join(', ') || 'none'}`,
      );
    }
    if (!runs.db) throw new Error('browser storage is unavailable, so the model cannot be kept');
    const network = c.config.model.kind;
    const size = sizeOfWidth(c.config.model.width);
    const savedAt = Date.now();
    const key = runKey(c.config.preset, network, size);
    await writeRun(
      runs.db,
      { bytes, step: c.step, preset: c.config.preset, classValues: values, savedAt, network, size },
      { key, preset: c.config.preset, network, size, step: c.step, savedAt, classValues: values, classes: c.classes, losses: [], validation: [] },
    );
    await runs.showNewest(running);
    s.pushMessage({ severity: 'info', subject: fileName, text: `Model imported (step ${c.step}); press Start to continue training from it.` });
  } catch (e) {
    s.pushMessage({ severity: 'error', subject: fileName, text: `This model cannot be used: ${(e as Error).message}.` });
  }
}
