import { type Types } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import type { LayerName, LayerStyle } from '../store/layersSlice.ts';
import type { ClassDef } from '../volume/classes.ts';
import type { Volume } from '../volume/Volume.ts';
import { classLayerLut, heatLut, sliceMarks, slicesToRedraw, visibleLabels } from './overlayLayers.ts';
import { registerOverlay, unregisterOverlay, type RegisteredOverlay, type RegisteredVolume } from './registerVolume.ts';

/** The live prediction of one volume, as the store holds it (mutated in place as predictions arrive). */
export interface LivePrediction {
  /** Pseudo-label class values. */
  labels: Uint8Array;
  /** Normalised entropy × 255 of the same prediction. */
  uncertainty: Uint8Array;
  /** Training step of each k-slice's latest prediction (−1: none yet): which slices changed since the last draw. */
  sliceStep: Int32Array;
  /** k-slices whose pseudo-label the user rejected (cleared in `labels`). */
  rejected: readonly number[];
}

/** The model's byte maps for one volume; each is one value per voxel. */
export interface ModelLayerSources {
  live: LivePrediction | null;
  textMask?: Uint8Array;
  merged?: Uint8Array;
  /** The text activation of the chosen class. */
  activation?: Uint8Array;
  /** The whole-volume prediction of "Predict all". */
  predictions?: Uint8Array;
}

export interface ModelLayerView {
  styles: Record<LayerName, LayerStyle>;
  confidenceThreshold: number;
}

const CLASS_LAYERS: ReadonlySet<LayerName> = new Set(['pseudo', 'predictions', 'textMask', 'merged']);
/** Heat maps first so the class outlines draw over them. */
const DRAW_ORDER: readonly LayerName[] = ['uncertainty', 'activation', 'predictions', 'textMask', 'merged', 'pseudo'];
/** Class layers at full opacity keep a faint fill so a region reads as a region, not only a line. */
const FILL_SHARE = 0.25;
const OUTLINE_WIDTH: Record<LayerName, number> = { pseudo: 2, predictions: 2, textMask: 1, merged: 3, uncertainty: 0, activation: 0 };

/** The pseudo-label as drawn: its confident voxels only, refreshed per k-slice as predictions arrive. */
interface PseudoDisplay {
  labels: Uint8Array;
  buffer: Uint8Array;
  /** The slice marks (sliceMarks) each k-slice was last computed with. */
  shown: Int32Array;
  threshold: number;
}

/**
 * The model's layers over one registered volume. A layer that is switched off is not registered with cornerstone
 * at all, so it cannot leave a pixel behind; the pseudo-label is drawn from a buffer of its own that holds only
 * voxels above the confidence threshold, so the store's labels stay whole for review and accept.
 */
export class ModelOverlays {
  private shown = new Map<LayerName, RegisteredOverlay>();
  private pseudo: PseudoDisplay | null = null;
  /** sliceStep as last drawn (−2 where rejected), shared by the live layers other than the pseudo-label. */
  private drawnSteps: Int32Array | null = null;
  private classLut: number | null = null;
  private heatLutIndex: number | null = null;
  private classes: ClassDef[] = [];
  /** The opacity each registered layer was last styled with. */
  private styled = new Map<string, number>();

  constructor(
    private readonly volume: Volume,
    private readonly reg: RegisteredVolume,
    private readonly viewportIds: readonly string[],
  ) {}

  /**
   * Brings cornerstone in line with `sources` and `view`: registers layers that are on and have data, removes
   * those that are off, refreshes the changed k-slices, and restyles. Returns the names of the layers drawn.
   */
  async update(sources: ModelLayerSources | null, view: ModelLayerView): Promise<LayerName[]> {
    const dims = this.volume.geometry.dims;
    const per = dims[0] * dims[1];
    let pseudoChanged: number[] = [];
    let liveChanged: number[] | undefined = [];
    const wanted = new Map<LayerName, Uint8Array>();
    const live = sources?.live ?? null;
    if (live) {
      liveChanged = this.changedSlices(live);
      if (view.styles.pseudo.visible) {
        const r = this.refreshPseudo(live, view.confidenceThreshold, per, dims[2]);
        pseudoChanged = r.changedK;
        wanted.set('pseudo', r.buffer);
      }
    }
    if (!wanted.has('pseudo')) this.pseudo = null;
    if (sources) {
      const plain: [LayerName, Uint8Array | undefined][] = [
        ['uncertainty', live?.uncertainty],
        ['predictions', sources.predictions],
        ['textMask', sources.textMask],
        ['merged', sources.merged],
        ['activation', sources.activation],
      ];
      for (const [name, buffer] of plain) if (buffer && view.styles[name].visible) wanted.set(name, buffer);
    }
    for (const [name, o] of this.shown) {
      if (wanted.get(name) !== o.buffer) this.remove(name);
    }
    const added = DRAW_ORDER.filter((name) => wanted.has(name) && !this.shown.has(name));
    if (added.length) {
      this.heatLutIndex ??= segmentation.config.color.addColorLUT(heatLut() as Types.ColorLUT);
      this.classLut ??= segmentation.config.color.addColorLUT(classLayerLut(this.classes) as Types.ColorLUT);
      const inputs = added.map((name) => {
        const o = registerOverlay(this.volume, this.reg, wanted.get(name)!, name);
        this.shown.set(name, o);
        return { segmentationId: o.segmentationId, config: { colorLUTOrIndex: CLASS_LAYERS.has(name) ? this.classLut! : this.heatLutIndex! } };
      });
      await segmentation.addLabelmapRepresentationToViewportMap(Object.fromEntries(this.viewportIds.map((id) => [id, inputs])));
      for (const id of this.viewportIds) {
        // Brushes keep painting the user's labels, never the model's layers.
        segmentation.activeSegmentation.setActiveSegmentation(id, this.reg.segmentationId);
        segmentation.config.style.setRenderInactiveSegmentations(id, true);
      }
    }
    this.applyStyles(view);
    // Layers just added draw in full; the others only in the k-slices that changed (all when unknown).
    for (const [name, o] of this.shown) {
      if (added.includes(name)) continue;
      // "Predict all" gives a new buffer (re-registered above); text layers and uncertainty follow the live slices.
      const ks = name === 'predictions' ? [] : name === 'pseudo' ? pseudoChanged : liveChanged;
      if (ks && ks.length === 0) continue;
      segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(o.segmentationId, ks);
    }
    return [...this.shown.keys()];
  }

  /** Class colours changed: the class layers follow the legend. */
  setClasses(classes: ClassDef[]): void {
    const before = this.classes;
    this.classes = classes;
    const lut = classLayerLut(classes);
    const layer = [...this.shown.entries()].find(([name]) => CLASS_LAYERS.has(name))?.[1];
    if (!layer) {
      // Nothing draws with the table: the next registration builds it afresh.
      this.classLut = null;
      return;
    }
    // All class layers share one table, so setting an entry through one representation sets it for all; doing it
    // in every viewport tells each one to redraw.
    const values = new Set([...before, ...classes].map((c) => c.value).filter((v) => v > 0 && v < 256));
    for (const id of this.viewportIds) {
      for (const v of values) segmentation.config.color.setSegmentIndexColor(id, layer.segmentationId, v, lut[v]! as Types.Color);
    }
  }

  dispose(): void {
    for (const name of [...this.shown.keys()]) this.remove(name);
    this.pseudo = null;
    this.drawnSteps = null;
  }

  /** The k-slices whose live prediction changed since the last draw; undefined when every slice may have. */
  private changedSlices(sources: LivePrediction): number[] | undefined {
    const marks = sliceMarks(sources.sliceStep, sources.rejected);
    const changed = slicesToRedraw(this.drawnSteps, marks);
    this.drawnSteps = marks;
    return changed;
  }

  /**
   * Recomputes the drawn pseudo-label where it changed: slices with a new prediction or a rejection, and every
   * predicted slice when the threshold moved. A new labels buffer (a new run) starts a new display buffer.
   */
  private refreshPseudo(sources: LivePrediction, threshold: number, per: number, depth: number): { buffer: Uint8Array; changedK: number[] } {
    let p = this.pseudo;
    let all = false;
    if (!p || p.labels !== sources.labels || p.buffer.length !== sources.labels.length) {
      p = { labels: sources.labels, buffer: new Uint8Array(sources.labels.length), shown: new Int32Array(depth).fill(-1), threshold };
      this.pseudo = p;
      all = true;
    } else if (p.threshold !== threshold) {
      p.threshold = threshold;
      all = true;
    }
    const marks = sliceMarks(sources.sliceStep, sources.rejected);
    const changedK = slicesToRedraw(p.shown, marks, all) ?? [];
    for (const k of changedK) visibleLabels(sources.labels, sources.uncertainty, threshold, p.buffer, k * per, (k + 1) * per);
    p.shown = marks;
    return { buffer: p.buffer, changedK };
  }

  private applyStyles(view: ModelLayerView): void {
    const Labelmap = ToolEnums.SegmentationRepresentations.Labelmap;
    for (const [name, o] of this.shown) {
      const opacity = view.styles[name].opacity;
      // Predictions arrive every step; restyling unchanged layers would only make cornerstone do work again.
      if (this.styled.get(o.segmentationId) === opacity) continue;
      this.styled.set(o.segmentationId, opacity);
      const style = CLASS_LAYERS.has(name)
        ? {
            renderFillInactive: true,
            fillAlphaInactive: opacity * FILL_SHARE,
            renderOutlineInactive: true,
            outlineOpacityInactive: opacity,
            outlineWidthInactive: OUTLINE_WIDTH[name],
          }
        : { renderFillInactive: true, fillAlphaInactive: opacity, renderOutlineInactive: false };
      segmentation.config.style.setStyle({ type: Labelmap, segmentationId: o.segmentationId }, style);
    }
  }

  private remove(name: LayerName): void {
    const o = this.shown.get(name);
    if (!o) return;
    for (const id of this.viewportIds) {
      try {
        segmentation.removeSegmentationRepresentations(id, { segmentationId: o.segmentationId });
      } catch {
        // The viewport may already have dropped it.
      }
    }
    unregisterOverlay(o);
    this.styled.delete(o.segmentationId);
    this.shown.delete(name);
    if (name === 'pseudo') this.pseudo = null;
  }
}
