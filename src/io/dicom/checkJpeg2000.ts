import type { DicomFileInfo } from './parseDicomFile.ts';

const JPEG_2000_SYNTAXES = new Set([
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.4.202',
  '1.2.840.10008.1.2.4.203',
]);

export function isJpeg2000(transferSyntax: string): boolean {
  return JPEG_2000_SYNTAXES.has(transferSyntax);
}

/** The contiguous codestream: the bytes themselves, or the 'jp2c' box of a JP2 file (some encoders wrap it). */
function codestream(bytes: Uint8Array): Uint8Array | null {
  if (bytes[0] === 0xff && bytes[1] === 0x4f) return bytes;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; ) {
    let length = v.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    let head = 8;
    if (length === 1 && at + 16 <= bytes.length) {
      length = Number(v.getBigUint64(at + 8));
      head = 16;
    }
    if (length === 0) length = bytes.length - at;
    if (type === 'jp2c') return bytes.subarray(at + head, Math.min(bytes.length, at + length));
    if (length < head) return null;
    at += length;
  }
  return null;
}

/**
 * What the codestream's own header (SIZ) says must agree with the DICOM header, and the stream must end with its
 * end-of-codestream marker: a truncated or damaged JPEG 2000 frame otherwise decodes to plausible garbage (its
 * decoder stops where the data stops and fills the rest). Throws a sentence naming the field.
 */
export function checkJpeg2000Stream(bytes: Uint8Array, info: DicomFileInfo): void {
  const cs = codestream(bytes);
  if (!cs || cs.length < 50 || cs[0] !== 0xff || cs[1] !== 0x4f || cs[2] !== 0xff || cs[3] !== 0x51) {
    throw new Error('its JPEG 2000 pixel data is damaged — the codestream does not start with its SOC and SIZ markers');
  }
  const v = new DataView(cs.buffer, cs.byteOffset, cs.byteLength);
  const width = v.getUint32(8) - v.getUint32(16);
  const height = v.getUint32(12) - v.getUint32(20);
  const components = v.getUint16(40);
  if (width !== info.columns || height !== info.rows) {
    throw new Error(
      `its JPEG 2000 codestream holds a ${width}×${height} image, but its Columns × Rows (0028,0011 / 0028,0010) say ${info.columns}×${info.rows}`,
    );
  }
  if (components !== info.samplesPerPixel) {
    throw new Error(
      `its JPEG 2000 codestream holds ${components} component${components === 1 ? '' : 's'}, but its SamplesPerPixel (0028,0002) is ${info.samplesPerPixel}`,
    );
  }
  // Fragments are padded to an even length; the last marker before any padding must be EOC (FFD9).
  let end = cs.length;
  while (end > 2 && cs[end - 1] === 0x00) end--;
  if (cs[end - 2] !== 0xff || cs[end - 1] !== 0xd9) {
    throw new Error('its JPEG 2000 pixel data is cut short or damaged — the codestream does not end with its end-of-codestream marker (EOC)');
  }
}
