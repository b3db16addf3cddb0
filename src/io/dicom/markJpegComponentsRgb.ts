/**
 * A baseline JPEG stream of a DICOM image whose PhotometricInterpretation is RGB, prepared so the decoder keeps
 * its samples as stored. libjpeg(-turbo) decides the colour space from the stream alone: a JFIF marker means
 * YCbCr, an Adobe APP14 marker says by its transform flag, and without either, components named 'R', 'G', 'B'
 * mean RGB while any other names (the usual 1, 2, 3) mean YCbCr, which it then converts. In DICOM the header
 * speaks too: RGB says no colour transform was applied, which is how pydicom and GDCM read such streams. So
 * when the stream itself says nothing, its components are renamed 'R', 'G', 'B' in a copy; a stream with a
 * JFIF or Adobe marker is left to say what it is.
 */
export function markJpegComponentsRgb(stream: Uint8Array): Uint8Array {
  if (stream[0] !== 0xff || stream[1] !== 0xd8) return stream;
  const frames: number[] = [];
  const scans: number[] = [];
  for (let at = 2; at + 4 <= stream.length; ) {
    if (stream[at] !== 0xff) return stream;
    const marker = stream[at + 1]!;
    // Fill bytes before a marker are allowed.
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (stream[at + 2]! << 8) | stream[at + 3]!;
    const identifier = String.fromCharCode(...stream.subarray(at + 4, at + 9));
    if (marker === 0xe0 && identifier === 'JFIF\0') return stream;
    if (marker === 0xee && identifier === 'Adobe') return stream;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) frames.push(at);
    if (marker === 0xda) {
      scans.push(at);
      // Only the first scan's header is read here; a baseline frame with interleaved components has one scan.
      break;
    }
    at += 2 + length;
  }
  const frame = frames[0];
  const scan = scans[0];
  if (frame === undefined || scan === undefined || stream[frame + 9] !== 3) return stream;
  const ids = [0, 1, 2].map((c) => stream[frame + 10 + 3 * c]!);
  const rgb = [0x52, 0x47, 0x42];
  const out = stream.slice();
  for (let c = 0; c < 3; c++) out[frame + 10 + 3 * c] = rgb[c]!;
  // The scan header names components by the same ids; rename each to match its frame component.
  const count = stream[scan + 4]!;
  for (let s = 0; s < count; s++) {
    const c = ids.indexOf(stream[scan + 5 + 2 * s]!);
    if (c < 0) return stream;
    out[scan + 5 + 2 * s] = rgb[c]!;
  }
  return out;
}
