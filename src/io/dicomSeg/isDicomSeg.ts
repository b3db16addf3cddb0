import { SEGMENTATION_SOP_CLASS } from './segConstants.ts';

const UID_BYTES = new TextEncoder().encode(SEGMENTATION_SOP_CLASS);
/** The file meta group and the SOP Class UID sit in the first few hundred bytes of any DICOM file. */
const HEAD_BYTES = 4096;
/**
 * The tags whose value names an object's own class: Media Storage SOP Class UID (0002,0002) and SOP Class UID
 * (0008,0016), little and big endian. Either way the tag starts 8 bytes before the value (tag, then VR and a
 * 2-byte length, or a 4-byte length).
 */
const OWN_CLASS_TAGS = [
  [0x02, 0x00, 0x02, 0x00],
  [0x08, 0x00, 0x16, 0x00],
  [0x00, 0x02, 0x00, 0x02],
  [0x00, 0x08, 0x00, 0x16],
];

/**
 * Whether a DICOM file is a Segmentation: its own class (not a class it merely references) is Segmentation
 * Storage. Every file of an opened series passes through here, so it reads bytes rather than parsing.
 */
export function isDicomSeg(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, HEAD_BYTES) - UID_BYTES.length;
  outer: for (let n = 8; n <= end; n++) {
    for (let m = 0; m < UID_BYTES.length; m++) if (bytes[n + m] !== UID_BYTES[m]) continue outer;
    const after = bytes[n + UID_BYTES.length];
    // A digit or dot after it would make it a longer, different UID; anything else ends it (padding, next tag).
    if (after !== undefined && (after === 0x2e || (after >= 0x30 && after <= 0x39))) continue;
    if (OWN_CLASS_TAGS.some((tag) => tag.every((b, m) => bytes[n - 8 + m] === b))) return true;
  }
  return false;
}
