import type { TrainingVolume } from '../../data/trainingVolume.ts';

/**
 * A fingerprint of what validation measures against: the class index and labeled flag of every voxel of the
 * held-out slices, as FNV-1a (32 bit, hex). Two runs on the same slices are compared only when the fingerprints
 * agree, since a held-out slice whose labels were corrected between them scores both models against different truths.
 * Taken when the run starts; labels edited during a run are not folded in.
 */
export function validationFingerprint(
  volumes: readonly Pick<TrainingVolume, 'dims' | 'labels' | 'labeled'>[],
  slices: readonly { volume: number; k: number }[],
): string {
  let h = 0x811c9dc5;
  const mix = (byte: number): void => {
    h = Math.imul(h ^ byte, 0x01000193);
  };
  for (const s of slices) {
    const v = volumes[s.volume]!;
    const per = v.dims[0] * v.dims[1];
    for (let i = s.k * per; i < (s.k + 1) * per; i++) {
      mix(v.labels[i]!);
      mix(v.labeled[i]!);
    }
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
