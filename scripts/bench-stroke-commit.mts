/**
 * What finishing one brush stroke costs in the store at clinical sizes, without a browser: a 30-move axial stroke
 * (a band of 120×20 voxels in one k-slice) committed with the box the viewer reports, against the whole-buffer
 * diff the store falls back to, and the undo of it.
 *
 *   npx tsx scripts/bench-stroke-commit.mts [--sizes 22,300,600]
 */
import { parseArgs } from 'node:util';
import { createAppStore } from '../src/store/appStore.ts';
import { IDENTITY, type Vec3 } from '../src/volume/geometry.ts';
import type { Volume } from '../src/volume/Volume.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '22,300,600' } } });

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

console.log('| volume | boxed commit ms | whole-buffer commit ms | undo ms |');
console.log('|---|---|---|---|');
for (const nk of values.sizes.split(',').map(Number)) {
  const dims: Vec3 = [512, 512, nk];
  const store = createAppStore();
  const volume: Volume = {
    id: 'ct',
    name: 'ct',
    geometry: { dims, spacing: [0.8, 0.8, 1], ijkToLps: IDENTITY },
    channels: 1,
    voxels: new Int16Array(512 * 512 * nk),
    source: { format: 'image', fileName: 'ct.png', mimeType: 'image/png' },
  };
  store.getState().addVolumes([{ volume }]);
  const k = Math.floor(nk / 2);
  const times = { boxed: [] as number[], whole: [] as number[], undo: [] as number[] };
  for (let rep = 0; rep < 5; rep++) {
    for (const mode of ['boxed', 'whole'] as const) {
      const live = store.getState().volumes['ct']!.labels.voxels;
      const value = 1 + ((rep * 2 + (mode === 'boxed' ? 0 : 1)) % 3);
      for (let j = 240; j < 260; j++) for (let i = 200; i < 320; i++) live[i + 512 * (j + 512 * k)] = value;
      const t0 = performance.now();
      const edit =
        mode === 'boxed' ? store.getState().commitStroke('ct', 2, { min: [200, 240, k], max: [319, 259, k] }) : store.getState().commitStroke('ct', 2);
      times[mode].push(performance.now() - t0);
      if (!edit || edit.indices.length !== 2400) throw new Error(`expected 2400 changed voxels, got ${edit?.indices.length}`);
    }
    const t1 = performance.now();
    store.getState().undo('ct');
    times.undo.push(performance.now() - t1);
    store.getState().redo('ct');
  }
  console.log(`| 512×512×${nk} | ${median(times.boxed).toFixed(2)} | ${median(times.whole).toFixed(1)} | ${median(times.undo).toFixed(2)} |`);
}
