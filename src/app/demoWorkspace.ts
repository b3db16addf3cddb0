import { DEMO_GENERATOR_VERSION, generateDemoDataset, renderDemoVolume } from '../demo/generateDemo.ts';
import type { AppStore } from '../store/appStore.ts';
import type { Volume } from '../volume/Volume.ts';

/**
 * Demo volumes are stored without voxels; the same seed and generator version rebuild them bit for bit. A volume
 * saved by another generator version cannot be rebuilt faithfully and is reported instead.
 */
export function regenerateDemoVoxels(volume: Omit<Volume, 'voxels'>): Volume['voxels'] | null {
  if (volume.source.format !== 'demo' || volume.source.generator !== DEMO_GENERATOR_VERSION) return null;
  const { seed, index } = volume.source;
  return renderDemoVolume(seed, index, volume.geometry.dims, volume.geometry.spacing).volume.voxels;
}

/** Fills the workspace with the demo phantoms, their classes and their first labeled slices. */
export function loadDemo(store: AppStore): void {
  const demo = generateDemoDataset();
  store.getState().setClasses(demo.classes);
  store.getState().addVolumes(demo.volumes.map((volume, n) => ({ volume, labels: demo.initialLabels[n], labelSource: null })));
  // Open on a labeled slice, so a first-time user sees painted labels before anything else.
  const first = demo.volumes[0];
  const labeledK = demo.initialLabels[0]?.slices[2].findIndex((p) => p !== 0) ?? -1;
  if (first && labeledK >= 0) {
    const [ni, nj] = first.geometry.dims;
    store.getState().setViewState(first.id, { focusVoxel: [Math.floor(ni / 2), Math.floor(nj / 2), labeledK], window: null, zoom: {} });
  }
}
