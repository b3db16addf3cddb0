import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import { matchPrediction, predictionCaseName, predictionValueMap } from '../io/nnunet/matchPrediction.ts';
import { syntheticVolume } from '../io/nnunet/testing/nnunetWorkspace.ts';
import { memoryFile } from '../io/testing/nodeFiles.ts';
import { createAppStore } from '../store/appStore.ts';
import { makeClass } from '../volume/classes.ts';
import { writeDicomSeg } from '../io/dicomSeg/writeSeg.ts';
import type { DicomSeriesReference } from '../volume/dicomReference.ts';
import { createLabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { importPredictionsCommand } from './importPredictions.ts';
import { acceptFocusedSlice, rejectFocusedSlice } from './training/review.ts';
import { SliceProvenance } from '../volume/labels.ts';

/** A workspace of two same-grid volumes and one of another size; classes 1 and 3, as after deleting class 2. */
function workspace() {
  const store = createAppStore();
  const a = syntheticVolume('case_a.nii.gz');
  const b = syntheticVolume('case_b.nii.gz');
  const c = syntheticVolume('case_c.nii.gz', [6, 6, 4]);
  store.getState().addVolumes([a, b, c].map((volume) => ({ volume })));
  store.setState({ classes: [makeClass(1, 'Anterior'), makeClass(3, 'Posterior')] });
  return { store, a, b, c };
}

/** nnU-Net's answer for a volume: label 1 on slice 2, label 2 on slice 5 (its renumbered values). */
function nnunetPrediction(v: ReturnType<typeof syntheticVolume>): Uint8Array {
  const [ni, nj] = v.geometry.dims;
  const out = new Uint8Array(v.voxels.length);
  out.fill(1, 2 * ni * nj, 2 * ni * nj + 20);
  out.fill(2, 5 * ni * nj, 5 * ni * nj + 20);
  return out;
}

const exportJson = { labels: { background: 0, Anterior: 1, Posterior: 2, ignore: 3 }, pseudolab: { classValues: [0, 1, 3] } };

describe('matching predictions to open volumes', () => {
  it('goes by case name, then by a grid only one volume has', () => {
    const { a, b, c } = workspace();
    const vols = [a, b, c];
    expect(predictionCaseName('out/case_b_pred.nii.gz')).toBe('case_b');
    expect(matchPrediction('case_b.nii.gz', b.geometry.dims, b.geometry.ijkToLps, vols)).toEqual({ ok: true, volumeId: b.id, by: 'name' });
    expect(matchPrediction('whatever.nii.gz', c.geometry.dims, c.geometry.ijkToLps, vols)).toEqual({ ok: true, volumeId: c.id, by: 'geometry' });
    const twoGrids = matchPrediction('whatever.nii.gz', a.geometry.dims, a.geometry.ijkToLps, vols);
    expect(twoGrids.ok === false && twoGrids.message).toMatch(/2 of them share its grid; rename it after its case \(e\.g\. case_a\.nii\.gz\)/);
    const none = matchPrediction('other.nii.gz', [3, 3, 3], a.geometry.ijkToLps, vols);
    expect(none.ok === false && none.message).toMatch(/names no open volume \(open volumes: case_a, case_b, case_c\) and no open volume has its grid/);
  });

  it('refuses a named case on another grid, saying how far off it is', () => {
    const { a, c } = workspace();
    const size = matchPrediction('case_a.nii.gz', c.geometry.dims, c.geometry.ijkToLps, [a, c]);
    expect(size.ok === false && size.message).toMatch(/is named after case_a\.nii\.gz but is 6×6×4 voxels, case_a\.nii\.gz is 12×10×8/);
    const moved = [...a.geometry.ijkToLps] as typeof a.geometry.ijkToLps;
    moved[7] += 0.5;
    const shifted = matchPrediction('case_a.nii.gz', a.geometry.dims, moved, [a, c]);
    expect(shifted.ok === false && shifted.message).toMatch(/differs by up to 0\.500 mm/);
  });

  it("maps nnU-Net values back through our export's classValues, else by name", () => {
    const classes = [makeClass(1, 'Anterior'), makeClass(3, 'Posterior')];
    expect(Array.from(predictionValueMap(exportJson, classes).map.subarray(0, 3))).toEqual([0, 1, 3]);
    const foreign = predictionValueMap({ labels: { background: 0, posterior: 1, tumour: 2 } }, classes);
    expect(Array.from(foreign.map.subarray(0, 3))).toEqual([0, 3, 2]);
    expect(foreign.unnamed).toEqual([{ value: 2, name: 'tumour' }]);
    expect(predictionValueMap(null, classes).map[7]).toBe(7);
  });
});

describe('importing predictions for review', () => {
  it('shows an nnU-Net output folder as the pseudo-label layer, values mapped back to our classes', async () => {
    const { store, a } = workspace();
    const files = [
      memoryFile('pred/case_a.nii.gz', writeNiftiLabels(nnunetPrediction(a), a)),
      memoryFile('pred/dataset.json', strToU8(JSON.stringify(exportJson))),
      memoryFile('pred/plans.json', strToU8('{}')),
      memoryFile('pred/predict_from_raw_data_args.json', strToU8('{}')),
      memoryFile('pred/case_a.npz', new Uint8Array(4)),
    ];
    await importPredictionsCommand(store, files);
    const s = store.getState();
    expect(s.messages.filter((m) => m.severity === 'error')).toEqual([]);
    const layer = s.training.predictions[a.id]!;
    expect(layer.imported).toBe('case_a.nii.gz');
    const per = 12 * 10;
    expect(layer.labels[2 * per]).toBe(1);
    expect(layer.labels[5 * per]).toBe(3); // nnU-Net's 2 is our class 3
    expect(Array.from(layer.sliceStep).every((k) => k >= 0)).toBe(true);
  });

  it("is reviewed like the model's pseudo-labels: accept marks the slice imported, reject hides it", async () => {
    const { store, a } = workspace();
    await importPredictionsCommand(store, [memoryFile('case_a.nii.gz', writeNiftiLabels(nnunetPrediction(a), a))]);
    const per = 12 * 10;
    store.getState().setFocus(a.id, 2);
    expect(acceptFocusedSlice(store)).toBe(true);
    const entry = store.getState().volumes[a.id]!;
    expect(entry.labels.slices[2][2]).toBe(SliceProvenance.Imported);
    expect(entry.committed[2 * per]).toBe(1);
    expect(entry.labels.slices[2][5]).toBe(SliceProvenance.Unlabeled);
    store.getState().undo(a.id);
    expect(store.getState().volumes[a.id]!.labels.slices[2][2]).toBe(SliceProvenance.Unlabeled);
    store.getState().setFocus(a.id, 5);
    rejectFocusedSlice(store);
    expect(store.getState().training.predictions[a.id]!.rejected).toEqual([5]);
    expect(acceptFocusedSlice(store)).toBe(false);
  });

  it('a model prediction replaces an imported layer instead of mixing with it', async () => {
    const { store, a } = workspace();
    await importPredictionsCommand(store, [memoryFile('case_a.nii.gz', writeNiftiLabels(nnunetPrediction(a), a))]);
    const per = 12 * 10;
    store
      .getState()
      .applyTrainingEvent({ type: 'prediction', volumeId: a.id, k: 0, step: 10, labels: new Uint8Array(per), uncertainty: new Uint8Array(per) } as never);
    const layer = store.getState().training.predictions[a.id]!;
    expect(layer.imported).toBeUndefined();
    expect(layer.labels[2 * per]).toBe(0);
    expect(layer.sliceStep[2]).toBe(-1);
  });

  it('says which file matched nothing and why, and keeps importing the rest', async () => {
    const { store, b } = workspace();
    const stray = syntheticVolume('stray', [5, 5, 5]);
    await importPredictionsCommand(store, [
      memoryFile('stray.nii.gz', writeNiftiLabels(new Uint8Array(125), stray)),
      memoryFile('notes.txt', strToU8('hello')),
      memoryFile('case_b.nii.gz', writeNiftiLabels(nnunetPrediction(b), b)),
    ]);
    const errors = store.getState().messages.filter((m) => m.severity === 'error');
    expect(errors.map((m) => m.subject)).toEqual(['stray.nii.gz', 'notes.txt']);
    expect(errors[0]!.text).toMatch(/no open volume has its grid \(5×5×5 voxels\); open its image first/);
    expect(store.getState().training.predictions[b.id]?.imported).toBe('case_b.nii.gz');
  });

  it('adds a class for a predicted value no class owns, so it is visible', async () => {
    const { store, a } = workspace();
    const pred = nnunetPrediction(a);
    pred[0] = 7;
    await importPredictionsCommand(store, [memoryFile('case_a.nii.gz', writeNiftiLabels(pred, a))]);
    expect(store.getState().classes.map((c) => c.value)).toEqual([1, 3, 2, 7]);
  });
});

/** A DICOM-sourced volume with per-slice references, as a SEG needs: axial, 6×5×4. */
function dicomVolume(): Volume {
  const v = syntheticVolume('axial series', [6, 5, 4]);
  const m = v.geometry.ijkToLps;
  const reference: DicomSeriesReference = {
    instances: [0, 1, 2, 3].map((k) => ({
      sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
      sopInstanceUID: `1.2.826.0.1.7.${k + 1}`,
      position: [m[3] + m[2] * k, m[7] + m[6] * k, m[11] + m[10] * k],
    })),
    orientation: [m[0] / 0.9, m[4] / 0.9, m[8] / 0.9, m[1] / 1.1, m[5] / 1.1, m[9] / 1.1],
    pixelSpacing: [1.1, 0.9],
    sliceThickness: 2.5,
    study: { PatientName: 'Test^Patient', PatientID: 'P1', StudyDate: '20260101' },
  };
  return {
    ...v,
    source: {
      format: 'dicom',
      fileNames: ['a.dcm'],
      seriesInstanceUID: '1.2.826.0.1.9',
      studyInstanceUID: '1.2.826.0.1.8',
      frameOfReferenceUID: '1.2.826.0.1.6',
      reference,
    },
  };
}

describe('importing a DICOM SEG as predictions', () => {
  it('lands on the series it references, segments matched to classes by name', async () => {
    const volume = dicomVolume();
    const elsewhere = createLabelMap(volume.geometry.dims);
    elsewhere.voxels[2 + 6 * 2 + 30 * 1] = 1;
    elsewhere.voxels[3 + 6 * 2 + 30 * 3] = 3;
    elsewhere.slices[2][1] = elsewhere.slices[2][3] = SliceProvenance.Painted;
    const seg = writeDicomSeg({ volume, labels: elsewhere, classes: [makeClass(1, 'Anterior'), makeClass(3, 'Posterior')] });
    const store = createAppStore();
    store.getState().addVolumes([{ volume: syntheticVolume('other', [6, 5, 4]) }, { volume }]);
    store.setState({ classes: [makeClass(3, 'posterior'), makeClass(1, 'anterior')] });
    await importPredictionsCommand(store, [memoryFile('seg.dcm', seg)]);
    expect(store.getState().messages.filter((m) => m.severity === 'error')).toEqual([]);
    const layer = store.getState().training.predictions[volume.id]!;
    expect(layer.imported).toBe('seg.dcm');
    expect([layer.labels[2 + 6 * 2 + 30 * 1], layer.labels[3 + 6 * 2 + 30 * 3], layer.labels[0]]).toEqual([1, 3, 0]);
    const other = createAppStore();
    other.getState().addVolumes([{ volume: syntheticVolume('other', [6, 5, 4]) }]);
    await importPredictionsCommand(other, [memoryFile('seg.dcm', seg)]);
    expect(other.getState().messages.map((m) => m.text)).toEqual([
      expect.stringMatching(/segments series 1\.2\.826\.0\.1\.9, which is not open; open that DICOM series first/),
    ]);
  });
});
