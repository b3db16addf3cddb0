import type { AppStore } from '../../store/appStore.ts';
import type { TextEncoderProvider } from '../../text/encoders/TextEncoderProvider.ts';
import { promptBankEncoder } from '../../text/encoders/promptBankEncoder.ts';
import { makePromptBank, parsePromptBank, serializePromptBank } from '../../text/promptBank.ts';
import type { TakPromptTexts } from '../../text/takPrompts.ts';
import type { WorkspaceTexts } from '../../text/workspaceTexts.ts';
import type { FixedTextVectors } from '../../train/vlm/textStage.ts';
import { downloadBytes } from '../download.ts';

/**
 * Which text encoder the text-guided methods use: the one the worker learns (the default; works offline), a prompt
 * bank file made elsewhere, or a pretrained CLIP-family model run in this page. A chosen (not learned) encoder turns
 * texts into fixed vectors here, on the page, and the worker takes them as given.
 */
export class TextEncoders {
  /** A text encoder other than the learned one (prompt bank, pretrained model); null = learn one in the worker. */
  private provider: TextEncoderProvider | null = null;

  constructor(private readonly store: AppStore) {}

  /** Whether texts are encoded here (a chosen provider) rather than by the worker's learned encoder. */
  get chosen(): boolean {
    return this.provider !== null;
  }

  /** Learn the text encoder in the worker (the default; works offline). */
  useLearned(): void {
    this.provider?.dispose();
    this.provider = null;
    this.store.getState().setTrainingPatch({ textProvider: { kind: 'learned', name: 'learned here (offline)', dim: null } });
  }

  /** The import provider: a prompt bank file made elsewhere. */
  async loadPromptBank(fileText: string, fileName: string): Promise<void> {
    const s = this.store.getState();
    try {
      const bank = parsePromptBank(fileText, fileName);
      this.use(promptBankEncoder(bank, fileName));
      s.pushMessage({
        severity: 'info',
        subject: fileName,
        text: `Prompt bank loaded: ${bank.entries.length} texts, ${bank.dim}-d, from ${bank.encoder.name}. The next text-guided run uses it.`,
      });
    } catch (e) {
      s.pushMessage({ severity: 'error', subject: fileName, text: (e as Error).message });
    }
  }

  /** The pretrained provider: a CLIP-family text model folder the user picked, run by transformers.js in this page. */
  async loadPretrainedFolder(files: File[]): Promise<void> {
    const s = this.store.getState();
    const folder = files[0]?.webkitRelativePath.split('/')[0] || 'model folder';
    try {
      // Loaded on demand: transformers.js and its ONNX runtime are large, and most sessions never pick a model.
      const { loadPretrainedTextEncoder } = await import('../../text/encoders/pretrainedTextEncoder.ts');
      const map = new Map<string, Blob>(files.map((f) => [f.webkitRelativePath || f.name, f]));
      const encoder = await loadPretrainedTextEncoder(
        { kind: 'files', files: map },
        { name: folder, onnxWasmUrl: new URL('ort-wasm/ort-wasm-simd-threaded.asyncify.wasm', document.baseURI).href },
      );
      this.use(encoder);
      s.pushMessage({ severity: 'info', subject: folder, text: `Pretrained text encoder loaded (${encoder.dim}-d). The next text-guided run uses it.` });
    } catch (e) {
      s.pushMessage({ severity: 'error', subject: folder, text: (e as Error).message });
    }
  }

  /** Vectors of every workspace text from the chosen provider; null when the worker learns its own encoder. */
  async vectorsFor(texts: WorkspaceTexts): Promise<FixedTextVectors | null> {
    if (!this.provider) return null;
    return this.vectorsOf([...new Set([texts.background, ...texts.classes, ...texts.descriptions].filter((t) => t.trim()))]);
  }

  /**
   * TAK's prompts through the chosen provider. A prompt bank made for another preset may lack them: then the worker's
   * learned text tower encodes them, and the user is told why.
   */
  async takVectorsFor(tak: TakPromptTexts): Promise<FixedTextVectors | null> {
    if (!this.provider) return null;
    try {
      return await this.vectorsOf([...new Set([...tak.position, ...tak.shape])]);
    } catch (e) {
      this.store.getState().pushMessage({
        severity: 'info',
        subject: 'Text encoder',
        text: `TAK's prompts are encoded by the learned text transformer instead: ${(e as Error).message}`,
      });
      return null;
    }
  }

  /** Downloads the chosen provider's vectors of these texts as a prompt bank file. */
  async exportBank(texts: WorkspaceTexts): Promise<void> {
    try {
      const v = await this.vectorsFor(texts);
      if (!v) return;
      const bank = makePromptBank({ provider: v.provider, name: v.name }, v.dim, v.entries);
      downloadBytes(new TextEncoder().encode(serializePromptBank(bank)), 'pseudolab-prompt-bank.json', 'application/json');
    } catch (e) {
      this.store.getState().pushMessage({ severity: 'error', subject: 'Export prompt bank', text: (e as Error).message });
    }
  }

  private async vectorsOf(all: string[]): Promise<FixedTextVectors> {
    const p = this.provider!;
    const vectors = await p.encode(all);
    return {
      provider: p.kind === 'pretrained' ? 'pretrained' : 'import',
      name: p.name,
      dim: p.dim,
      entries: all.map((text, n) => ({ text, vector: vectors[n]! })),
    };
  }

  private use(p: TextEncoderProvider): void {
    this.provider?.dispose();
    this.provider = p;
    this.store.getState().setTrainingPatch({ textProvider: { kind: p.kind, name: p.name, dim: p.dim } });
  }
}

/** Downloads the running learned encoder's vectors (sent by the worker) as a prompt bank file. */
export function downloadLearnedBank(name: string, dim: number, entries: readonly { text: string; vector: ArrayLike<number> }[]): void {
  const bank = makePromptBank({ provider: 'pseudolab', name }, dim, entries);
  downloadBytes(new TextEncoder().encode(serializePromptBank(bank)), 'pseudolab-prompt-bank.json', 'application/json');
}
