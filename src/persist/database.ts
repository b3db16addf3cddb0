import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { allocateVoxels, chunkView, voxelBytes, type LabelDeltaRecord, type LabelsRecord, type VolumeRecord, type WorkspaceRecord } from './records.ts';
import { inflateSync } from 'fflate';
import type { Volume } from '../volume/Volume.ts';
import type { ModelSize } from '../train/modelSize.ts';
import { peekCheckpoint } from '../train/checkpoint.ts';
import type { LossPoint, ValidationPoint } from '../store/trainingSlice.ts';
import { runKey, sizeOfWidth, type RunSummary } from './runKey.ts';

/** A run's latest checkpoint (one per method, network and size: runKey.ts); resuming continues from here. */
export interface CheckpointRecord {
  bytes: Uint8Array;
  step: number;
  preset: string;
  classValues: number[];
  savedAt: number;
  /** The network the checkpoint holds; absent in records saved before 3D existed, which are all 2D. */
  network?: '2d' | '3d';
  /** The model size it was trained at; absent in records saved before checkpoints were kept per size. */
  size?: ModelSize;
}

/**
 * What the training panel showed when a run's checkpoint was taken: its loss and validation history and the
 * classes it predicts, so a reload shows the run where it stood instead of "not started". Stored beside the
 * checkpoint, in the same transaction, under the same key; small (the loss history is thinned to ~1500 points).
 */
export interface RunRecord extends RunSummary {
  classes: { value: number; name: string }[];
  losses: LossPoint[];
  validation: ValidationPoint[];
  /** The run's epoch and training time at the checkpoint; absent in records made without them (migrated, imported). */
  epoch?: number;
  elapsedMs?: number;
}

/**
 * A run's last answer for one volume: the argmax labels (pseudo-labels while training, or the whole volume from
 * Predict all), deflated in pieces of whole slices, and the step of each slice's pseudo-label (−1 where none).
 */
export interface RunLayerRecord {
  run: string;
  volumeId: string;
  /** 'uncertainty': the pseudo-label's uncertainty where it labels a class (0 elsewhere), for the confidence threshold. */
  kind: 'pseudo' | 'full' | 'uncertainty';
  dims: [number, number, number];
  sliceStep: Int32Array | null;
  /** Deflated consecutive pieces of the label buffer; inflated and concatenated they are dims[0]·dims[1]·dims[2] bytes. */
  pieces: Uint8Array[];
  /*
   * Optional value fields: IndexedDB stores whatever a record holds, and records written without them read back as
   * before, so they need no schema version (openDatabase's upgrade only creates stores).
   */
  /** The file an imported layer came from (app/training/importedLayers.ts); absent for a run's own layers. */
  imported?: string;
  /** The k-slices of an imported layer the user rejected. */
  rejected?: number[];
  /** When this record was written (ms since epoch): restore keeps the newer of an imported layer and a run's. */
  savedAt?: number;
}

interface PseudolabDB extends DBSchema {
  workspace: { key: string; value: WorkspaceRecord };
  volumes: { key: string; value: VolumeRecord };
  labels: { key: string; value: LabelsRecord };
  /** Keyed by runKey (method/network/size); version 4 and older held one record under 'current'. */
  checkpoints: { key: string; value: CheckpointRecord };
  runs: { key: string; value: RunRecord };
  /** Keyed [run key, volume id, kind]. */
  runLayers: { key: [string, string, string]; value: RunLayerRecord };
  /** Raw voxel bytes of one chunk, keyed [volume id, chunk index] (records.ts: VolumeRecord.voxelChunks). */
  voxelChunks: { key: [string, number]; value: Uint8Array };
  /** Deflated label bytes of one chunk, keyed [volume id, chunk index] (records.ts: LabelsRecord.chunks). */
  labelChunks: { key: [string, number]; value: Uint8Array };
  /** Edits stored as they commit, keyed [volume id, seq], until a chunk save folds them in (records.ts). */
  labelDeltas: { key: [string, number]; value: LabelDeltaRecord };
}

export type Database = IDBPDatabase<PseudolabDB>;

export const DB_NAME = 'pseudolab';
const WORKSPACE_KEY = 'current';

export async function openDatabase(): Promise<Database> {
  if (typeof indexedDB === 'undefined') throw new Error('this browser offers no IndexedDB');
  return openDB<PseudolabDB>(DB_NAME, 5, {
    // Each version adds what it needs, so a workspace saved by an older version opens unchanged.
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('workspace');
        db.createObjectStore('volumes', { keyPath: 'id' });
        db.createObjectStore('labels', { keyPath: 'id' });
      }
      if (oldVersion < 2) db.createObjectStore('checkpoints');
      if (oldVersion < 3) {
        db.createObjectStore('voxelChunks');
        db.createObjectStore('labelChunks');
      }
      if (oldVersion < 4) db.createObjectStore('labelDeltas');
      if (oldVersion < 5) {
        db.createObjectStore('runs');
        db.createObjectStore('runLayers');
        // The single checkpoint of version ≤ 4 is filed under its run's key, with an empty history.
        if (oldVersion >= 2)
          void tx
            .objectStore('checkpoints')
            .get(LEGACY_CHECKPOINT_KEY)
            .then((old) => (old ? migrateLegacyCheckpoint(tx, old) : undefined));
      }
    },
  });
}

export interface StoredWorkspace {
  workspace: WorkspaceRecord;
  volumes: VolumeRecord[];
  labels: LabelsRecord[];
}

export async function readWorkspace(db: Database): Promise<StoredWorkspace | null> {
  const tx = db.transaction(['workspace', 'volumes', 'labels'], 'readonly');
  const workspace = await tx.objectStore('workspace').get(WORKSPACE_KEY);
  if (!workspace) return null;
  const volumes = await tx.objectStore('volumes').getAll();
  const labels = await tx.objectStore('labels').getAll();
  await tx.done;
  return { workspace, volumes, labels };
}

/**
 * The format-1 save: the workspace record, inline volumes, whole-volume labels and deletions in one
 * transaction. The app now saves per volume (writeVolumeVoxels, writeLabels, writeWorkspaceRecord); this stays
 * so tests can build a workspace as the previous version stored it.
 */
export async function writeWorkspace(
  db: Database,
  change: { workspace: WorkspaceRecord; volumes: VolumeRecord[]; labels: LabelsRecord[]; deleted: string[] },
): Promise<void> {
  const tx = db.transaction(['workspace', 'volumes', 'labels'], 'readwrite');
  const puts: Promise<unknown>[] = [tx.objectStore('workspace').put(change.workspace, WORKSPACE_KEY)];
  for (const v of change.volumes) puts.push(tx.objectStore('volumes').put(v));
  for (const l of change.labels) puts.push(tx.objectStore('labels').put(l));
  for (const id of change.deleted) {
    puts.push(tx.objectStore('volumes').delete(id));
    puts.push(tx.objectStore('labels').delete(id));
  }
  await Promise.all([...puts, tx.done]);
}

export async function clearDatabase(db: Database): Promise<void> {
  const tx = db.transaction(['workspace', 'volumes', 'labels', 'checkpoints', 'runs', 'runLayers', 'voxelChunks', 'labelChunks', 'labelDeltas'], 'readwrite');
  await Promise.all([
    tx.objectStore('runs').clear(),
    tx.objectStore('runLayers').clear(),
    tx.objectStore('labelDeltas').clear(),
    tx.objectStore('workspace').clear(),
    tx.objectStore('volumes').clear(),
    tx.objectStore('labels').clear(),
    tx.objectStore('checkpoints').clear(),
    tx.objectStore('voxelChunks').clear(),
    tx.objectStore('labelChunks').clear(),
    tx.done,
  ]);
}

/** Every chunk key of one volume: [id, 0] … [id, +∞). */
function chunkRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id, 0], [id, Infinity]);
}

/** The small workspace record on its own: a save of it never waits on a volume's voxels. */
export async function writeWorkspaceRecord(db: Database, workspace: WorkspaceRecord): Promise<void> {
  const tx = db.transaction('workspace', 'readwrite');
  await Promise.all([tx.store.put(workspace, WORKSPACE_KEY), tx.done]);
}

/**
 * One volume's voxels in chunks, then its record, in one transaction of its own: the volume is stored whole or
 * not at all (a quota failure rolls back every chunk), and its record, which restore looks for, exists only
 * once every chunk does. Each chunk is put after the previous one succeeded, so the page runs between chunks
 * (each put clones one chunk, a few milliseconds) and the transaction stays alive, as it would not across a
 * timer. Label and workspace saves use other stores, so they never queue behind this.
 */
export async function writeVolumeVoxels(
  db: Database,
  record: VolumeRecord,
  voxels: Volume['voxels'],
  onChunk?: (done: number, total: number) => void,
): Promise<void> {
  const tx = db.transaction(['volumes', 'voxelChunks'], 'readwrite');
  // An aborted transaction rejects `done` whether or not anyone awaits it; the failure is reported below.
  tx.done.catch(() => undefined);
  const layout = record.voxelChunks;
  try {
    if (layout) {
      const bytes = voxelBytes(voxels);
      if (bytes.byteLength !== layout.byteLength)
        throw new Error(`${record.volume.name}: ${bytes.byteLength} voxel bytes, the record says ${layout.byteLength}`);
      const chunks = tx.objectStore('voxelChunks');
      for (let index = 0; index < layout.count; index++) {
        // slice(): a typed-array view clones its whole buffer, so each record gets a buffer of its own.
        await chunks.put(chunkView(bytes, layout, index).slice(), [record.id, index]);
        onChunk?.(index + 1, layout.count);
      }
    }
    await tx.objectStore('volumes').put(record);
    await tx.done;
  } catch (e) {
    // The transaction may already be aborting; either way nothing of this volume is stored.
    try {
      tx.abort();
    } catch {
      // Already finished or aborted.
    }
    await tx.done.catch(() => undefined);
    throw e;
  }
}

/** A volume's chunked voxels read back chunk by chunk into one buffer (peak memory: the volume plus a chunk). */
export async function readVoxelChunks(db: Database, record: VolumeRecord): Promise<Volume['voxels']> {
  const layout = record.voxelChunks;
  if (!layout) throw new Error('the volume record has no chunks');
  const voxels = allocateVoxels(layout.type, layout.byteLength);
  const bytes = voxelBytes(voxels);
  const tx = db.transaction('voxelChunks', 'readonly');
  for (let index = 0; index < layout.count; index++) {
    const chunk = await tx.store.get([record.id, index]);
    const want = chunkView(bytes, layout, index);
    if (!chunk || chunk.length !== want.length) {
      throw new Error(`voxel chunk ${index + 1} of ${layout.count} is ${chunk ? `${chunk.length} bytes, expected ${want.length}` : 'missing'}`);
    }
    want.set(chunk);
  }
  await tx.done;
  return voxels;
}

/**
 * One volume's labels record and its changed chunks (deflated) in one transaction of their own; chunks not
 * listed keep what is stored. `foldedThrough`: the last delta seq whose edit the chunks hold; those deltas go
 * in the same transaction, so storage never holds chunks without the deltas they lack, nor deltas twice over
 * chunks that already hold them (harmless too: replaying an absolute delta is idempotent).
 */
export async function writeLabels(db: Database, record: LabelsRecord, chunks: { index: number; deflated: Uint8Array }[], foldedThrough = -1): Promise<void> {
  const tx = db.transaction(['labels', 'labelChunks', 'labelDeltas'], 'readwrite');
  const puts: Promise<unknown>[] = chunks.map((c) => tx.objectStore('labelChunks').put(c.deflated, [record.id, c.index]));
  puts.push(tx.objectStore('labels').put(record));
  if (foldedThrough >= 0) puts.push(tx.objectStore('labelDeltas').delete(IDBKeyRange.bound([record.id, 0], [record.id, foldedThrough])));
  await Promise.all([...puts, tx.done]);
}

/**
 * One edit, stored the moment it commits: a transaction of its own on a store nothing large writes to, so it
 * commits in milliseconds whatever else is being saved. 'strict' asks the browser to flush to disk before
 * reporting success, so "saved" also survives a power cut, not only a crashed browser; a delta is a few kB.
 */
export async function writeLabelDelta(db: Database, delta: LabelDeltaRecord): Promise<void> {
  const tx = db.transaction('labelDeltas', 'readwrite', { durability: 'strict' });
  await Promise.all([tx.store.put(delta, [delta.id, delta.seq]), tx.done]);
}

/** A volume's stored deltas in seq order (keys sort by seq within a volume). */
export async function readLabelDeltas(db: Database, id: string): Promise<LabelDeltaRecord[]> {
  return db.getAll('labelDeltas', chunkRange(id));
}

/**
 * One volume's stored labels as the last save left them: its record, the voxels (chunks inflated straight into
 * their place, or format 1's single deflate) and the deltas not yet folded in, all read in one transaction so
 * a save committing meanwhile (another tab's) cannot hand back chunks from one save and deltas from another.
 * Null when no labels are stored for the volume.
 */
export async function readStoredLabels(db: Database, id: string): Promise<{ record: LabelsRecord; voxels: Uint8Array; deltas: LabelDeltaRecord[] } | null> {
  const tx = db.transaction(['labels', 'labelChunks', 'labelDeltas'], 'readonly');
  const record = await tx.objectStore('labels').get(id);
  if (!record) {
    await tx.done;
    return null;
  }
  const expected = record.dims[0] * record.dims[1] * record.dims[2];
  let voxels: Uint8Array;
  const layout = record.chunks;
  if (layout) {
    if (layout.byteLength !== expected) throw new Error(`stored labels have ${layout.byteLength} voxels, expected ${expected}`);
    voxels = new Uint8Array(layout.byteLength);
    const chunks = tx.objectStore('labelChunks');
    for (let index = 0; index < layout.count; index++) {
      const deflated = await chunks.get([id, index]);
      if (!deflated) throw new Error(`label chunk ${index + 1} of ${layout.count} is missing`);
      const want = chunkView(voxels, layout, index);
      const got = inflateSync(deflated, { out: want });
      if (got.length !== want.length) throw new Error(`label chunk ${index + 1} holds ${got.length} voxels, expected ${want.length}`);
    }
  } else {
    if (!record.voxelsDeflated) throw new Error('stored labels hold neither inline voxels nor chunks');
    voxels = inflateSync(record.voxelsDeflated);
    if (voxels.length !== expected) throw new Error(`stored labels have ${voxels.length} voxels, expected ${expected}`);
  }
  const deltas = await tx.objectStore('labelDeltas').getAll(chunkRange(id));
  await tx.done;
  return { record, voxels, deltas };
}

/** Volumes removed from the workspace: records and chunks, together. */
export async function deleteVolumes(db: Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const tx = db.transaction(['volumes', 'labels', 'voxelChunks', 'labelChunks', 'labelDeltas'], 'readwrite');
  const ops: Promise<unknown>[] = [];
  for (const id of ids) {
    ops.push(tx.objectStore('volumes').delete(id), tx.objectStore('labels').delete(id), tx.objectStore('labelDeltas').delete(chunkRange(id)));
    ops.push(tx.objectStore('voxelChunks').delete(chunkRange(id)), tx.objectStore('labelChunks').delete(chunkRange(id)));
  }
  await Promise.all([...ops, tx.done]);
}

/** Where version ≤ 4 kept its one checkpoint. */
const LEGACY_CHECKPOINT_KEY = 'current';

type UpgradeTransaction = IDBPTransaction<PseudolabDB, StoreNames<PseudolabDB>[], 'versionchange'>;

/** Runs inside the upgrade transaction: only IndexedDB requests are awaited, so it stays alive. */
async function migrateLegacyCheckpoint(tx: UpgradeTransaction, old: CheckpointRecord): Promise<void> {
  const head = peekCheckpoint(old.bytes);
  const network = old.network ?? head?.config.model.kind ?? '2d';
  const size = old.size ?? sizeOfWidth(head?.config.model.width ?? 16);
  const key = runKey(old.preset, network, size);
  const names = new Map((head?.classes ?? []).map((c) => [c.value, c.name]));
  const run: RunRecord = {
    key,
    preset: old.preset,
    network,
    size,
    step: old.step,
    savedAt: old.savedAt,
    classValues: old.classValues,
    classes: old.classValues.map((value) => ({ value, name: names.get(value) ?? `class ${value}` })),
    losses: [],
    validation: [],
  };
  await tx.objectStore('checkpoints').put({ ...old, network, size }, key);
  await tx.objectStore('runs').put(run, key);
  await tx.objectStore('checkpoints').delete(LEGACY_CHECKPOINT_KEY);
}

/** A run's checkpoint and the panel's history, together: a reload never shows a history the model lacks. */
export async function writeRun(db: Database, checkpoint: CheckpointRecord, run: RunRecord): Promise<void> {
  const tx = db.transaction(['checkpoints', 'runs'], 'readwrite');
  await Promise.all([tx.objectStore('checkpoints').put(checkpoint, run.key), tx.objectStore('runs').put(run, run.key), tx.done]);
}

/** Every stored run's summary and history (no weights): small. */
export async function readRuns(db: Database): Promise<RunRecord[]> {
  return db.getAll('runs');
}

export async function readCheckpoint(db: Database, key: string): Promise<CheckpointRecord | null> {
  return (await db.get('checkpoints', key)) ?? null;
}

/** A run's checkpoint, history and stored layers. */
export async function deleteRun(db: Database, key: string): Promise<void> {
  const tx = db.transaction(['checkpoints', 'runs', 'runLayers'], 'readwrite');
  await Promise.all([
    tx.objectStore('checkpoints').delete(key),
    tx.objectStore('runs').delete(key),
    tx.objectStore('runLayers').delete(IDBKeyRange.bound([key], [key, []])),
    tx.done,
  ]);
}

export async function writeRunLayer(db: Database, layer: RunLayerRecord): Promise<void> {
  await db.put('runLayers', layer, [layer.run, layer.volumeId, layer.kind]);
}

/** One stored layer, gone (a volume's imported layer that no longer shows). */
export async function deleteRunLayer(db: Database, run: string, volumeId: string, kind: RunLayerRecord['kind']): Promise<void> {
  await db.delete('runLayers', [run, volumeId, kind]);
}

/** The stored layers of one run, every volume and kind. */
export async function readRunLayers(db: Database, key: string): Promise<RunLayerRecord[]> {
  return db.getAll('runLayers', IDBKeyRange.bound([key], [key, []]));
}
