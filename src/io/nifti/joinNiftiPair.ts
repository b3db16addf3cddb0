import { gunzip, isGzip } from '../gzip.ts';
import { fileError } from '../problems.ts';

const NI1 = [0x6e, 0x69, 0x31, 0x00]; // "ni1\0": the header of a NIfTI-1 pair
const N_PLUS_1 = [0x6e, 0x2b, 0x31, 0x00]; // "n+1\0": a single file

/**
 * A NIfTI-1 .hdr/.img pair (either half may be gzipped) as the bytes of one .nii: the header with magic "n+1" and
 * vox_offset 352, then the image bytes from the pair's own vox_offset. An Analyze 7.5 header (no NIfTI magic) is
 * refused with the command that converts it, since its orientation field cannot be read reliably.
 */
export function joinNiftiPair(hdrBytes: Uint8Array, imgBytes: Uint8Array, hdrName: string): Uint8Array {
  const hdr = isGzip(hdrBytes) ? gunzip(hdrBytes, { maxBytes: 1 << 20 }) : hdrBytes;
  const img = isGzip(imgBytes) ? gunzip(imgBytes) : imgBytes;
  if (hdr.length < 348) throw fileError(hdrName, `holds only ${hdr.length} bytes, less than a NIfTI header (348)`);
  const magic = hdr.subarray(344, 348);
  if (!NI1.every((b, n) => magic[n] === b)) {
    throw fileError(
      hdrName,
      "is an Analyze 7.5 (or NIfTI-2) .hdr/.img pair, which is not read here; convert it to one .nii.gz first, e.g. with nibabel: python3 -c \"import nibabel as nib; nib.save(nib.load('x.hdr'), 'x.nii.gz')\"",
    );
  }
  const little = hdr[0] === 0x5c && hdr[1] === 0x01 && hdr[2] === 0x00; // sizeof_hdr 348 little-endian
  const view = new DataView(hdr.buffer, hdr.byteOffset, hdr.byteLength);
  const offset = view.getFloat32(108, little);
  if (!Number.isFinite(offset) || offset < 0 || !Number.isInteger(offset) || offset > img.length) {
    throw fileError(hdrName, `its vox_offset is ${offset}, which is not a byte offset into its .img file (${img.length} bytes)`);
  }
  const out = new Uint8Array(352 + img.length - offset);
  out.set(hdr.subarray(0, 348), 0);
  out.set(N_PLUS_1, 344);
  new DataView(out.buffer).setFloat32(108, 352, little);
  out.set(img.subarray(offset), 352);
  return out;
}
