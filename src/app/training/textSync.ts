import type { AppState, AppStore } from '../../store/appStore.ts';
import { withAnatomyDefaults } from '../../text/anatomyDefaults.ts';
import { modalityOfVolume } from '../../text/classPrompts.ts';
import { takPromptTexts, type TakPromptTexts } from '../../text/takPrompts.ts';
import { sameTexts, workspaceTexts, type WorkspaceTexts } from '../../text/workspaceTexts.ts';
import { usesText, type PresetName } from '../../train/config.ts';
import type { TrainingClient } from '../../train/TrainingClient.ts';
import type { FixedTextVectors } from '../../train/vlm/textStage.ts';
import type { TextEncoders } from './textEncoders.ts';

/** Re-encoding waits for typing to stop this long. */
const TEXT_SYNC_MS = 600;

/** Class prompts and descriptions of these volumes, in this order. */
export function textsOfVolumes(s: AppState, volumeIds: readonly string[]): WorkspaceTexts {
  const first = volumeIds.length ? s.volumes[volumeIds[0]!]?.volume : undefined;
  return workspaceTexts(
    s.classes,
    volumeIds.map((id) => s.volumes[id]?.volume.description),
    first ? modalityOfVolume(first) : undefined,
  );
}

/**
 * TAK's prompts for the run's classes: the user's position and shape texts, else the built-in anatomy defaults
 * (matched by class name, and by the run's volume names for datasets like MSD's hippocampus).
 */
export function takTextsOfVolumes(s: AppState, runVolumeIds: readonly string[]): TakPromptTexts {
  const ids = runVolumeIds.length ? runVolumeIds : s.volumeOrder;
  const first = ids.length ? s.volumes[ids[0]!]?.volume : undefined;
  const datasetName = ids.map((id) => s.volumes[id]?.volume.name ?? '').join(' ');
  return takPromptTexts(
    s.classes.map((c) => withAnatomyDefaults(c, datasetName)),
    first ? modalityOfVolume(first) : undefined,
  );
}

/** The texts a run starts with: for the text-guided methods and TAK, with their vectors when an encoder was chosen. */
export interface RunTexts {
  texts: WorkspaceTexts | null;
  textVectors: FixedTextVectors | null;
  tak: TakPromptTexts | null;
  takVectors: FixedTextVectors | null;
}

/**
 * The running model's texts: what it was given at start, and, when the user edits a class name or a description
 * mid-run, the new texts (re-encoded by the chosen encoder), so the text mask or TAK's prompts follow without a
 * restart. Only real changes are sent.
 */
export class TextSync {
  /** The texts the running model was given (text presets), to send only real changes. */
  private sentTexts: WorkspaceTexts | null = null;
  /** TAK's position and shape prompts as the running model last got them (tak only). */
  private sentTak: TakPromptTexts | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: AppStore,
    private readonly encoders: TextEncoders,
    private readonly client: () => TrainingClient | null,
    private readonly volumeIds: () => readonly string[],
  ) {}

  /** Whether the running model reads texts, so that class and description edits are worth watching. */
  get watching(): boolean {
    return this.sentTexts !== null || this.sentTak !== null;
  }

  /** The learned encoder's texts of the running run (null: none runs, or TAK, or a chosen encoder). */
  get runningTexts(): WorkspaceTexts | null {
    return this.sentTexts;
  }

  /**
   * The texts a run of `preset` starts with, now remembered as sent. Throws when the chosen encoder fails on the
   * workspace texts: the run cannot start without them.
   */
  async forRun(preset: PresetName): Promise<RunTexts> {
    const s = this.store.getState();
    // TAK reads each class's position and shape prompt; its learned text tower also sees the workspace texts.
    const tak = preset === 'tak' ? takTextsOfVolumes(s, this.volumeIds()) : null;
    const texts = usesText(preset) || tak ? textsOfVolumes(s, this.volumeIds()) : null;
    const takVectors = tak ? await this.encoders.takVectorsFor(tak) : null;
    const textVectors = texts && !tak ? await this.encoders.vectorsFor(texts) : null;
    this.sentTexts = tak ? null : texts;
    this.sentTak = tak;
    return { texts, textVectors, tak, takVectors };
  }

  /** Re-encode after typing stops: a new description updates the text mask (or TAK's prompts) without restarting training. */
  queue(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const client = this.client();
      if (client && this.sentTak) {
        this.syncTak(client, this.sentTak);
        return;
      }
      if (!client || !this.sentTexts) return;
      const next = textsOfVolumes(this.store.getState(), this.volumeIds());
      if (next.classes.length !== this.sentTexts.classes.length || sameTexts(next, this.sentTexts)) return;
      void (async () => {
        let vectors: FixedTextVectors | null = null;
        try {
          vectors = await this.encoders.vectorsFor(next);
        } catch (e) {
          this.store
            .getState()
            .pushMessage({ severity: 'warning', subject: 'Text encoder', text: `The new description is not used yet: ${(e as Error).message}` });
          return;
        }
        this.sentTexts = next;
        client.send({ type: 'texts', texts: next, vectors });
      })();
    }, TEXT_SYNC_MS);
  }

  private syncTak(client: TrainingClient, sent: TakPromptTexts): void {
    const next = takTextsOfVolumes(this.store.getState(), this.volumeIds());
    // A class added or removed mid-run changes the head's outputs: that waits for the next run, as in 2D.
    if (next.position.length !== sent.position.length) return;
    if (next.position.every((t, n) => t === sent.position[n]) && next.shape.every((t, n) => t === sent.shape[n])) return;
    void (async () => {
      const vectors = await this.encoders.takVectorsFor(next);
      this.sentTak = next;
      client.send({ type: 'takTexts', texts: next, vectors });
    })();
  }
}
