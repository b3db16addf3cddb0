import { SliceProvenance } from '../../volume/labels.ts';

/** DICOM's Segment Algorithm Type (0062,0008): how a segment came to be. */
export type SegmentAlgorithmType = 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';

/**
 * Provenance ↔ algorithm type, one to one so a SEG written here restores the provenance it was written with:
 * painted slices are MANUAL; accepted pseudo-labels SEMIAUTOMATIC (a model drew them, a person accepted
 * them); labels imported from elsewhere (another tool's prediction) AUTOMATIC.
 */
export function algorithmTypeOf(p: SliceProvenance): SegmentAlgorithmType {
  if (p === SliceProvenance.AcceptedPseudoLabel) return 'SEMIAUTOMATIC';
  if (p === SliceProvenance.Imported) return 'AUTOMATIC';
  return 'MANUAL';
}

export function provenanceOf(type: string | undefined): SliceProvenance {
  const t = (type ?? '').trim().toUpperCase();
  if (t === 'SEMIAUTOMATIC') return SliceProvenance.AcceptedPseudoLabel;
  if (t === 'AUTOMATIC') return SliceProvenance.Imported;
  return SliceProvenance.Painted;
}

/** Segment Algorithm Name (0062,0009), required for every type but MANUAL. */
export const ALGORITHM_NAME: Record<Exclude<SegmentAlgorithmType, 'MANUAL'>, string> = {
  SEMIAUTOMATIC: 'Pseudolab pseudo-label, accepted',
  AUTOMATIC: 'Imported prediction',
};

/** When one slice gathers several provenances, the one that says most about a person's judgement wins. */
export const PROVENANCE_PRIORITY: SliceProvenance[] = [SliceProvenance.Painted, SliceProvenance.AcceptedPseudoLabel, SliceProvenance.Imported];
