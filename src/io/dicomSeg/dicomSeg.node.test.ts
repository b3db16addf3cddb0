import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { makeClass } from '../../volume/classes.ts';
import type { DicomSeriesReference } from '../../volume/dicomReference.ts';
import { affineFromParts, geometryFromAffine, normalize, type Vec3 } from '../../volume/geometry.ts';
import { createLabelMap, SliceProvenance } from '../../volume/labels.ts';
import type { Volume } from '../../volume/Volume.ts';
import { openInputs } from '../openInputs.ts';
import { makeDicom } from '../testing/dicomFixture.ts';
import { memoryFile } from '../testing/nodeFiles.ts';
import type { InputFile } from '../types.ts';
import { packBinaryFrames, unpackBinaryFrame } from './binaryFrames.ts';
import { decimalString } from './dicomValues.ts';
import { labelsFromSeg } from './labelsFromSeg.ts';
import { planSegments } from './planSegments.ts';
import { isDicomSeg } from './isDicomSeg.ts';
import { readDicomSeg } from './readSeg.ts';
import { dicomSegUnavailableReason, writeDicomSeg } from './writeSeg.ts';

/** A small oblique DICOM-sourced volume, built in memory: 7 columns, 5 rows, 4 slices. */
function dicomVolume(): Volume {
  const row = normalize([0.9, 0.3, 0.1]);
  const col = normalize([-0.3, 0.9, 0.2]);
  const n: Vec3 = normalize([row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]]);
  const origin: Vec3 = [-10.5, 20.25, 3];
  const m = affineFromParts([row, col, n], [0.8, 0.6, 2.5], origin);
  const reference: DicomSeriesReference = {
    instances: [0, 1, 2, 3].map((k) => ({
      sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
      sopInstanceUID: `1.2.3.4.${k + 1}`,
      position: [m[3] + m[2] * k, m[7] + m[6] * k, m[11] + m[10] * k] as Vec3,
    })),
    orientation: [...row, ...col] as DicomSeriesReference['orientation'],
    pixelSpacing: [0.6, 0.8],
    sliceThickness: 2.5,
    study: { PatientName: 'Test^Patient', PatientID: 'P1', StudyDate: '20260101' },
  };
  return {
    id: 'v',
    name: 'oblique test series',
    geometry: geometryFromAffine([7, 5, 4], m),
    channels: 1,
    voxels: new Int16Array(7 * 5 * 4),
    source: { format: 'dicom', fileNames: ['a.dcm'], seriesInstanceUID: '1.2.3.9', studyInstanceUID: '1.2.3.8', frameOfReferenceUID: '1.2.3.7', reference },
  };
}

describe('binary frames', () => {
  it('packs frames back to back, least significant bit first, with no padding between frames', () => {
    // 3 frames of 5 pixels: 15 bits, so frame 2 starts mid-byte.
    const frames = [Uint8Array.of(1, 0, 0, 0, 1), Uint8Array.of(0, 1, 1, 0, 0), Uint8Array.of(1, 1, 1, 1, 1)];
    const packed = packBinaryFrames(frames, 5);
    expect([...packed]).toEqual([0b11010001, 0b01111100]);
    frames.forEach((f, n) => expect([...unpackBinaryFrame(packed, n, 5)]).toEqual([...f]));
    expect(() => unpackBinaryFrame(packed, 4, 5)).toThrow(/ends before frame 5/);
  });
});

describe('decimal strings', () => {
  it('fit 16 characters and stay as exact as that allows', () => {
    expect(decimalString(-106.986)).toBe('-106.986');
    const s = decimalString(-0.12345678901234568);
    expect(s.length).toBeLessThanOrEqual(16);
    expect(Number(s)).toBeCloseTo(-0.12345678901234568, 13);
  });
});

describe('segments from labels', () => {
  it('splits a class by provenance, and a slice painted only sideways takes the sagittal slice provenance', () => {
    const labels = createLabelMap([4, 3, 3]);
    labels.voxels[0] = 1; // k = 0, painted
    labels.slices[2][0] = SliceProvenance.Painted;
    labels.voxels[12 + 1] = 1; // k = 1, accepted pseudo-label
    labels.slices[2][1] = SliceProvenance.AcceptedPseudoLabel;
    labels.voxels[24 + 2] = 2; // k = 2 is unlabeled along k; the sagittal slice i = 2 is painted
    labels.slices[0][2] = SliceProvenance.Painted;
    const { segments, frames } = planSegments(labels, [makeClass(1, 'A'), makeClass(2, 'B')]);
    expect(segments.map((s) => [s.number, s.name, s.algorithmType])).toEqual([
      [1, 'A', 'MANUAL'],
      [2, 'A', 'SEMIAUTOMATIC'],
      [3, 'B', 'MANUAL'],
    ]);
    expect(frames.map((f) => [f.segmentNumber, f.k])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
  });
});

describe('write and read a DICOM SEG in memory', () => {
  const volume = dicomVolume();
  const labels = createLabelMap(volume.geometry.dims);
  labels.voxels[3 + 7 * 2 + 35 * 1] = 1;
  labels.voxels[4 + 7 * 2 + 35 * 1] = 2;
  labels.voxels[6 + 7 * 4 + 35 * 3] = 2;
  labels.slices[2][1] = SliceProvenance.Painted;
  labels.slices[2][3] = SliceProvenance.Imported;
  const classes = [makeClass(1, 'Liver'), makeClass(2, 'Spleen')];
  const bytes = writeDicomSeg({ volume, labels, classes });

  it('round-trips voxels, classes and provenance (imported ↔ AUTOMATIC)', () => {
    expect(isDicomSeg(bytes)).toBe(true);
    const seg = readDicomSeg(bytes);
    expect(seg.referencedSeriesUID).toBe('1.2.3.9');
    expect(seg.segments.map((s) => [s.label, s.algorithmType])).toEqual([
      ['Liver', 'MANUAL'],
      ['Spleen', 'MANUAL'],
      ['Spleen', 'AUTOMATIC'],
    ]);
    const back = labelsFromSeg(seg, volume, (s) => classes.find((c) => c.name === s.label)!.value);
    expect([...back.labels.voxels]).toEqual([...labels.voxels]);
    expect([...back.labels.slices[2]]).toEqual([0, SliceProvenance.Painted, 0, SliceProvenance.Imported]);
  });

  it('places frames by position when their source instances are unknown, and refuses a shifted series', () => {
    const seg = readDicomSeg(bytes);
    const anonymous = { ...seg, frames: seg.frames.map((f) => ({ ...f, sourceSopInstanceUID: null })) };
    const back = labelsFromSeg(anonymous, volume, (s) => (s.label === 'Liver' ? 1 : 2));
    expect([...back.labels.voxels]).toEqual([...labels.voxels]);
    const shifted = { ...anonymous, frames: anonymous.frames.map((f) => ({ ...f, position: f.position!.map((v) => v + 0.3) as Vec3 })) };
    expect(() => labelsFromSeg(shifted, volume, () => 1)).toThrow(/geometry does not match/);
    const turned = { ...seg, frames: seg.frames.map((f) => ({ ...f, orientation: [1, 0, 0, 0, 1, 0] })) };
    expect(() => labelsFromSeg(turned, volume, () => 1)).toThrow(/oriented 1\\0\\0\\0\\1\\0.*geometry does not match/);
    const other = { ...volume, geometry: geometryFromAffine([5, 7, 4], volume.geometry.ijkToLps) };
    expect(() => labelsFromSeg(seg, other, () => 1)).toThrow(/7×5 pixels.*5×7/);
  });

  it('says why a volume cannot be written, and refuses labels with nothing in them', () => {
    expect(dicomSegUnavailableReason(volume)).toBeNull();
    const nifti: Volume = { ...volume, source: { format: 'image', fileName: 'a.png', mimeType: 'image/png' } };
    expect(dicomSegUnavailableReason(nifti)).toMatch(/opened from a DICOM series/);
    const old: Volume = { ...volume, source: { format: 'dicom', fileNames: [], seriesInstanceUID: '1.2' } };
    expect(dicomSegUnavailableReason(old)).toMatch(/open the series again/);
    expect(() => writeDicomSeg({ volume: nifti, labels, classes })).toThrow(/DICOM series/);
    expect(() => writeDicomSeg({ volume, labels: createLabelMap(volume.geometry.dims), classes })).toThrow(/no labeled voxels/);
  });
});

describe('SEG recognition and multi-frame sources', () => {
  it('knows a SEG by its own SOP class, not by a class it merely references', () => {
    const uid = new TextEncoder().encode('1.2.840.10008.5.1.4.1.1.66.4');
    const element = (group: number, element: number): Uint8Array => {
      const head = Uint8Array.of(group & 0xff, group >> 8, element & 0xff, element >> 8, 0x55, 0x49, uid.length, 0);
      const out = new Uint8Array(head.length + uid.length);
      out.set(head);
      out.set(uid, head.length);
      return out;
    };
    const pad = new Uint8Array(16);
    const withTag = (e: Uint8Array): Uint8Array => {
      const out = new Uint8Array(pad.length + e.length + 8);
      out.set(pad);
      out.set(e, pad.length);
      return out;
    };
    expect(isDicomSeg(withTag(element(0x0008, 0x0016)))).toBe(true);
    // Referenced SOP Class UID (0008,1150): a report or a KOS pointing at a SEG is not one.
    expect(isDicomSeg(withTag(element(0x0008, 0x1150)))).toBe(false);
  });

  it('references the frames of a multi-frame source instance and places them back by frame number', () => {
    const base = dicomVolume();
    if (base.source.format !== 'dicom' || !base.source.reference) throw new Error('expected a DICOM reference');
    const instances = base.source.reference.instances.map((inst, k) => ({ ...inst, sopInstanceUID: '1.2.3.4.100', frameNumber: k + 1 }));
    const volume: Volume = { ...base, source: { ...base.source, reference: { ...base.source.reference, instances } } };
    const labels = createLabelMap(volume.geometry.dims);
    labels.voxels[2 + 7 * 1 + 35 * 2] = 1;
    labels.slices[2][2] = SliceProvenance.Painted;
    const seg = readDicomSeg(writeDicomSeg({ volume, labels, classes: [makeClass(1, 'A')] }));
    expect(seg.frames.map((f) => [f.sourceSopInstanceUID, f.sourceFrameNumber])).toEqual([['1.2.3.4.100', 3]]);
    // Positions alone would also find the slice: take them away to see the frame number do it.
    const byFrame = { ...seg, frames: seg.frames.map((f) => ({ ...f, position: null })) };
    expect([...labelsFromSeg(byFrame, volume, () => 1).labels.voxels]).toEqual([...labels.voxels]);
  });
});

describe('patient and study fields', () => {
  it('are decoded in the source character set and written to the SEG as UTF-8', async () => {
    const slice = (k: number, charset: string, name: string): InputFile =>
      memoryFile(
        `s/${k}.dcm`,
        makeDicom({
          seriesUID: '1.2.3.50',
          rows: 3,
          columns: 4,
          pixels: new Int16Array(12),
          instanceNumber: k + 1,
          position: [0, 0, k],
          orientation: [1, 0, 0, 0, 1, 0],
          pixelSpacing: [1, 1],
          raw: { '0008,0005': ['CS', charset], '0010,0010': ['PN', name], '0010,0020': ['LO', 'ID7'] },
        }),
      );
    const patientNameOf = async (files: InputFile[]): Promise<unknown> => {
      const volume = (await openInputs(files)).volumes[0]!;
      const labels = createLabelMap(volume.geometry.dims);
      labels.voxels[0] = 1;
      const bytes = writeDicomSeg({ volume, labels, classes: [] });
      const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
      return [ds.SpecificCharacterSet, JSON.stringify(ds.PatientName), ds.PatientID];
    };
    const utf8 = [0, 1].map((k) => slice(k, 'ISO_IR 192', 'Müller^Jörg'));
    expect(await patientNameOf(utf8)).toEqual(['ISO_IR 192', expect.stringContaining('Müller^Jörg'), 'ID7']);
  });
});
