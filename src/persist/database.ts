import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LabelsRecord, VolumeRecord, WorkspaceRecord } from './records.ts';

/** The latest training checkpoint: resuming after a reload continues from here. */
export interface CheckpointRecord {
  bytes: Uint8Array;
  step: number;
  preset: string;
  classValues: number[];
  savedAt: number;
  /** The network the checkpoint holds; absent in records saved before 3D existed, which are all 2D. */
  network?: '2d' | '3d';
}

interface PseudolabDB extends DBSchema {
  workspace: { key: string; value: WorkspaceRecord };
  volumes: { key: string; value: VolumeRecord };
  labels: { key: string; value: LabelsRecord };
  checkpoints: { key: string; value: CheckpointRecord };
}

export type Database = IDBPDatabase<PseudolabDB>;

export const DB_NAME = 'pseudolab';
const WORKSPACE_KEY = 'current';

export async function openDatabase(): Promise<Database> {
  if (typeof indexedDB === 'undefined') throw new Error('this browser offers no IndexedDB');
  return openDB<PseudolabDB>(DB_NAME, 2, {
    // Each version adds what it needs, so a workspace saved by an older version opens unchanged.
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('workspace');
        db.createObjectStore('volumes', { keyPath: 'id' });
        db.createObjectStore('labels', { keyPath: 'id' });
      }
      if (oldVersion < 2) db.createObjectStore('checkpoints');
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
 * One transaction per save: the workspace record, new volumes, changed labels and deletions land together or
 * not at all, so a crash mid-save leaves the previous consistent state.
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
  const tx = db.transaction(['workspace', 'volumes', 'labels', 'checkpoints'], 'readwrite');
  await Promise.all([
    tx.objectStore('workspace').clear(),
    tx.objectStore('volumes').clear(),
    tx.objectStore('labels').clear(),
    tx.objectStore('checkpoints').clear(),
    tx.done,
  ]);
}

const CHECKPOINT_KEY = 'current';

export async function writeCheckpoint(db: Database, record: CheckpointRecord): Promise<void> {
  await db.put('checkpoints', record, CHECKPOINT_KEY);
}

export async function readCheckpoint(db: Database): Promise<CheckpointRecord | null> {
  return (await db.get('checkpoints', CHECKPOINT_KEY)) ?? null;
}

export async function deleteCheckpoint(db: Database): Promise<void> {
  await db.delete('checkpoints', CHECKPOINT_KEY);
}
