/**
 * Minimal DICOM files (Part 10, explicit VR little endian) for tests of series assembly: just the tags the
 * reader uses. A test-only writer; the app never writes DICOM images.
 */

type Tag = [number, number];

interface Element {
  tag: Tag;
  vr: string;
  value: Uint8Array;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);
const encoder = new TextEncoder();

function text(tag: Tag, vr: string, value: string): Element {
  const padded = value.length % 2 === 0 ? value : value + (vr === 'UI' ? '\0' : ' ');
  return { tag, vr, value: encoder.encode(padded) };
}

function us(tag: Tag, value: number): Element {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, value, true);
  return { tag, vr: 'US', value: b };
}

function encodeElement(e: Element): Uint8Array {
  const long = LONG_VRS.has(e.vr);
  const head = new Uint8Array(long ? 12 : 8);
  const view = new DataView(head.buffer);
  view.setUint16(0, e.tag[0], true);
  view.setUint16(2, e.tag[1], true);
  head[4] = e.vr.charCodeAt(0);
  head[5] = e.vr.charCodeAt(1);
  if (long) view.setUint32(8, e.value.length, true);
  else view.setUint16(6, e.value.length, true);
  return concat([head, e.value]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeDataSet(elements: Element[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1]);
  return concat(sorted.map(encodeElement));
}

/** A sequence of items with defined lengths. */
function sequence(tag: Tag, items: Element[][]): Element {
  const encoded = items.map((item) => {
    const body = encodeDataSet(item);
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, 0xe000, true);
    view.setUint32(4, body.length, true);
    return concat([head, body]);
  });
  return { tag, vr: 'SQ', value: concat(encoded) };
}

const ds = (v: number[]): string => v.map((x) => String(+x.toFixed(6))).join('\\');

export interface DicomSliceFixture {
  seriesUID: string;
  rows: number;
  columns: number;
  /** Stored values, rows × columns × samples × frames, interleaved when RGB. */
  pixels: Uint8Array | Int16Array | Uint16Array;
  instanceNumber?: number;
  position?: number[];
  orientation?: number[];
  /** DICOM order: [between rows, between columns]. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  frames?: number;
  /** Enhanced multi-frame: one position per frame in PerFrameFunctionalGroupsSequence. */
  framePositions?: number[][];
  samplesPerPixel?: 1 | 3;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  seriesDescription?: string;
  /** Text elements written as given, replacing any the fixture would write: e.g. { '0028,0008': ['IS', 'abc'] }. */
  raw?: Record<string, [string, string]>;
  /** US elements written as given, replacing the fixture's (e.g. BitsAllocated). */
  rawUs?: Record<string, number>;
  /** Leave out the 128-byte preamble and "DICM", as some older writers do. */
  noPreamble?: boolean;
  /** Photometric interpretation to write instead of MONOCHROME2/RGB. */
  photometric?: string;
}

const tagOf = (key: string): Tag => key.split(',').map((h) => parseInt(h, 16)) as Tag;

export function makeDicom(f: DicomSliceFixture): Uint8Array {
  const rgb = f.samplesPerPixel === 3;
  const bits = f.pixels instanceof Uint8Array ? 8 : 16;
  const elements: Element[] = [
    text([0x0008, 0x0016], 'UI', '1.2.840.10008.5.1.4.1.1.4'),
    text([0x0008, 0x0018], 'UI', `${f.seriesUID}.${f.instanceNumber ?? 1}`),
    text([0x0008, 0x0060], 'CS', 'MR'),
    text([0x0020, 0x000d], 'UI', '1.2.3.4'),
    text([0x0020, 0x000e], 'UI', f.seriesUID),
    us([0x0028, 0x0002], rgb ? 3 : 1),
    text([0x0028, 0x0004], 'CS', f.photometric ?? (rgb ? 'RGB' : 'MONOCHROME2')),
    us([0x0028, 0x0010], f.rows),
    us([0x0028, 0x0011], f.columns),
    us([0x0028, 0x0100], bits),
    us([0x0028, 0x0101], bits),
    us([0x0028, 0x0102], bits - 1),
    us([0x0028, 0x0103], f.pixels instanceof Int16Array ? 1 : 0),
  ];
  if (rgb) elements.push(us([0x0028, 0x0006], 0));
  if (f.seriesDescription) elements.push(text([0x0008, 0x103e], 'LO', f.seriesDescription));
  if (f.instanceNumber !== undefined) elements.push(text([0x0020, 0x0013], 'IS', String(f.instanceNumber)));
  if (f.position) elements.push(text([0x0020, 0x0032], 'DS', ds(f.position)));
  if (f.orientation) elements.push(text([0x0020, 0x0037], 'DS', ds(f.orientation)));
  if (f.pixelSpacing) elements.push(text([0x0028, 0x0030], 'DS', ds(f.pixelSpacing)));
  if (f.sliceThickness !== undefined) elements.push(text([0x0018, 0x0050], 'DS', ds([f.sliceThickness])));
  if (f.frames !== undefined) elements.push(text([0x0028, 0x0008], 'IS', String(f.frames)));
  if (f.rescaleSlope !== undefined) elements.push(text([0x0028, 0x1053], 'DS', ds([f.rescaleSlope])));
  if (f.rescaleIntercept !== undefined) elements.push(text([0x0028, 0x1052], 'DS', ds([f.rescaleIntercept])));
  if (f.framePositions) {
    const items = f.framePositions.map((p) => [sequence([0x0020, 0x9113], [[text([0x0020, 0x0032], 'DS', ds(p))]])]);
    elements.push(sequence([0x5200, 0x9230], items));
  }
  const replace = (e: Element): void => {
    const at = elements.findIndex((x) => x.tag[0] === e.tag[0] && x.tag[1] === e.tag[1]);
    if (at >= 0) elements.splice(at, 1, e);
    else elements.push(e);
  };
  for (const [key, [vr, value]] of Object.entries(f.raw ?? {})) replace(text(tagOf(key), vr, value));
  for (const [key, value] of Object.entries(f.rawUs ?? {})) replace(us(tagOf(key), value));
  const pixelBytes = new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength);
  const even = pixelBytes.length % 2 === 0 ? pixelBytes : concat([pixelBytes, new Uint8Array(1)]);
  elements.push({ tag: [0x7fe0, 0x0010], vr: bits === 8 ? 'OB' : 'OW', value: even });

  const metaBody = encodeDataSet([{ tag: [0x0002, 0x0001], vr: 'OB', value: new Uint8Array([0, 1]) }, text([0x0002, 0x0010], 'UI', '1.2.840.10008.1.2.1')]);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaBody.length, true);
  const meta = concat([encodeElement({ tag: [0x0002, 0x0000], vr: 'UL', value: groupLength }), metaBody]);
  if (f.noPreamble) return concat([meta, encodeDataSet(elements)]);
  return concat([new Uint8Array(128), encoder.encode('DICM'), meta, encodeDataSet(elements)]);
}
