import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readNiftiLabelValues } from '../io/nifti/readNifti.ts';
import { CLASSES, paintK, syntheticVolume } from '../io/nnunet/testing/nnunetWorkspace.ts';
import { createAppStore } from '../store/appStore.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { exportNnunetCommand, nnunetZip } from './nnunetExport.ts';

function store() {
  const s = createAppStore();
  s.getState().addVolumes([syntheticVolume('painted.nii.gz'), syntheticVolume('untouched.nii.gz')].map((volume) => ({ volume })));
  s.setState({ classes: CLASSES });
  return s;
}

describe('nnU-Net export from the workspace', () => {
  it('zips the dataset folder whole, committed labels only, with progress in MiB of voxels', async () => {
    const s = store();
    const [painted] = s.getState().volumeOrder.map((id) => s.getState().volumes[id]!);
    paintK(painted!.labels, 3, 3, SliceProvenance.Painted);
    painted!.committed.set(painted!.labels.voxels);
    painted!.labels.voxels[360] = 1; // (0, 0, 3): a stroke in progress in a labeled slice, not committed, not exported
    const progress: string[] = [];
    const entries = s.getState().volumeOrder.map((id) => s.getState().volumes[id]!);
    const out = await nnunetZip(entries, { datasetId: 3, datasetName: 'Demo', classes: CLASSES, includePseudoLabels: true }, (done, total, name) =>
      progress.push(`${name} ${done}/${total}`),
    );
    // Two 12×10×8 int16 volumes: under one MiB each, one step each.
    expect(progress).toEqual(['painted 1/1', 'untouched 1/1']);
    const files = unzipSync(out.zip);
    expect(Object.keys(files).sort()).toEqual([
      'Dataset003_Demo/dataset.json',
      'Dataset003_Demo/imagesTr/painted_0000.nii.gz',
      'Dataset003_Demo/imagesTs/untouched_0000.nii.gz',
      'Dataset003_Demo/labelsTr/painted.nii.gz',
    ]);
    const labels = readNiftiLabelValues(files['Dataset003_Demo/labelsTr/painted.nii.gz']!, 'painted').values;
    expect([labels[360], labels[362 + 12], labels[0]]).toEqual([0, 2, 3]);
    expect(JSON.parse(strFromU8(files['Dataset003_Demo/dataset.json']!))).toMatchObject({
      numTraining: 1,
      labels: { background: 0, Anterior: 1, Posterior: 2, ignore: 3 },
    });
  });

  it('says why when nothing is labeled, and clears the progress bar', async () => {
    const s = store();
    await exportNnunetCommand(s, { datasetId: 500, datasetName: 'Pseudolab', includePseudoLabels: true });
    expect(s.getState().messages.map((m) => [m.severity, m.text])).toEqual([['error', 'no volume has a labeled slice yet; label at least one slice first']]);
    expect(s.getState().progress).toBeNull();
  });
});
