import type { ClassDef } from '../volume/classes.ts';
import type { LabelEdit, LabelMap } from '../volume/labels.ts';
import type { VoxelAxis } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';

/** Per-volume display state the viewer hands back when the user switches away, so switching back restores it. */
export interface ViewState {
  /** Voxel index of the focal point: the slice each view shows. */
  focusVoxel: [number, number, number];
  /** Window centre and width. */
  window: [number, number] | null;
  /** Parallel scale per view (zoom), keyed by view name. */
  zoom: Record<string, number>;
}

export interface VolumeEntry {
  volume: Volume;
  /** Live labels; the viewer's brushes write into labels.voxels directly. */
  labels: LabelMap;
  /** Labels as of the last committed edit: the diff base that turns any tool's stroke into one undoable edit. */
  committed: Uint8Array;
  /** Bumped on every committed change (stroke, undo, redo, import, slice toggle); savers and views watch it. */
  labelsVersion: number;
  view: ViewState | null;
  /** Where the labels came from when the volume was opened (MSD labelsTr, import), for the UI. */
  labelSource: string | null;
  /** Labeled k-slices the user set aside to measure the model (validation Dice); they never train it. */
  validation: number[];
}

export interface EditHistory {
  undo: LabelEdit[];
  redo: LabelEdit[];
}

export type ToolName = 'brush' | 'eraser' | 'threshold' | 'fill' | 'windowLevel' | 'crosshairs' | 'pan' | 'zoom';

export interface ToolSettings {
  tool: ToolName;
  /** Brush diameter in millimetres (brush, eraser, threshold brush). */
  brushSizeMm: number;
  /** Intensity range the threshold brush paints inside, in the volume's physical units. */
  thresholdRange: [number, number];
  labelOpacity: number;
  labelOutline: boolean;
  labelsVisible: boolean;
}

export type MessageSeverity = 'error' | 'warning' | 'info';

export interface AppMessage {
  id: number;
  severity: MessageSeverity;
  /** File or object the message is about (shown in bold), when there is one. */
  subject: string | null;
  text: string;
  /** The raw text behind a plain-words message (an engine's error), shown behind a "details" toggle. */
  details?: string;
  /** What the message belongs to ('training'), so starting a new run can clear the last run's errors. */
  topic?: string;
  /** How many times the same message was raised; repeats merge into one entry instead of stacking. */
  count: number;
  /** When it was last raised (ms since epoch); information fades a while after this. */
  at: number;
}

/** A message as callers raise it; the store numbers, counts and times it. */
export type NewAppMessage = Omit<AppMessage, 'id' | 'count' | 'at'>;

export type SaveState =
  | { kind: 'idle' }
  /** Changes exist that are not stored yet; a save is scheduled, or `reason` says what it waits for. */
  | { kind: 'pending'; reason?: string }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number }
  /** `reason`: a few words for the status line ("storage full"); `message` says it in full. */
  | { kind: 'error'; at: number; message: string; lastSavedAt: number | null; reason?: string };

export interface Progress {
  label: string;
  done: number;
  total: number;
}

export interface WorkspaceState {
  volumes: Record<string, VolumeEntry>;
  volumeOrder: string[];
  activeVolumeId: string | null;
  classes: ClassDef[];
  activeClassValue: number | null;
  tools: ToolSettings;
  history: Record<string, EditHistory>;
  messages: AppMessage[];
  save: SaveState;
  progress: Progress | null;
}

export type SliceRef = { axis: VoxelAxis; index: number };
