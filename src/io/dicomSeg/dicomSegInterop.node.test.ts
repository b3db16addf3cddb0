import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClass, type ClassDef } from '../../volume/classes.ts';
import { createLabelMap, SliceProvenance, type LabelMap } from '../../volume/labels.ts';
import type { Volume } from '../../volume/Volume.ts';
import { openInputs } from '../openInputs.ts';
import { nodeFolder } from '../testing/nodeFiles.ts';
import { labelsFromSeg } from './labelsFromSeg.ts';
import { readDicomSeg } from './readSeg.ts';
import { readSegWithPydicom, rewriteSegWithPydicom, segTools, validateWithDciodvfy, writeObliqueCopy } from './testing/segReferenceTools.ts';
import { writeDicomSeg } from './writeSeg.ts';

const DICOM = join(process.cwd(), '..', 'shared', 'datasets', 'dicom');
const TMP = join(tmpdir(), `pseudolab-seg-${process.pid}`);
const tools = segTools();
const CLASSES: ClassDef[] = [makeClass(1, 'Lesion'), makeClass(2, 'Ventricle')];

/**
 * Labels with every case a SEG must keep apart: class 1 painted on two slices and accepted from pseudo-labels
 * on a third (two segments of one class), class 2 painted beside class 1 on one slice, and a slice marked
 * labeled but left empty (no frame for it).
 */
function sampleLabels(volume: Volume): { labels: LabelMap; ks: number[] } {
  const [ni, nj, nk] = volume.geometry.dims;
  const labels = createLabelMap(volume.geometry.dims);
  const ks = [1, Math.floor(nk / 3), Math.floor(nk / 2), nk - 2];
  const disc = (k: number, cx: number, cy: number, r: number, value: number): void => {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) if ((i - cx) ** 2 + (j - cy) ** 2 <= r * r) labels.voxels[i + ni * (j + nj * k)] = value;
    }
  };
  const r = Math.max(3, Math.floor(Math.min(ni, nj) / 8));
  disc(ks[0]!, ni / 3, nj / 2, r, 1);
  disc(ks[1]!, ni / 3, nj / 2, r + 1, 1);
  disc(ks[1]!, (2 * ni) / 3, nj / 2, r, 2);
  disc(ks[2]!, ni / 2, nj / 3, r, 1);
  labels.slices[2][ks[0]!] = SliceProvenance.Painted;
  labels.slices[2][ks[1]!] = SliceProvenance.Painted;
  labels.slices[2][ks[2]!] = SliceProvenance.AcceptedPseudoLabel;
  labels.slices[2][ks[3]!] = SliceProvenance.Painted;
  return { labels, ks };
}

/** Our own count and position-weighted checksum of a class on a slice, to compare with pydicom's pixels. */
function maskStats(labels: LabelMap, k: number, value: number): { pixels: number; checksum: number } {
  const per = labels.dims[0] * labels.dims[1];
  let pixels = 0;
  let sum = 0;
  for (let p = 0; p < per; p++) {
    if (labels.voxels[k * per + p] === value) {
      pixels++;
      sum += p;
    }
  }
  return { pixels, checksum: sum % 1000003 };
}

async function openSeries(folder: string): Promise<Volume> {
  const r = await openInputs(nodeFolder(folder));
  expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(r.volumes).toHaveLength(1);
  return r.volumes[0]!;
}

const ready = existsSync(DICOM) && tools.dciodvfy && tools.pydicom;
describe.skipIf(!ready)(
  'DICOM SEG of the shared series, checked by dciodvfy and pydicom (skipped: needs ../shared/datasets/dicom, dciodvfy from dicom3tools and /usr/bin/python3 with pydicom)',
  () => {
    const cases: [string, () => string][] = [
      ['mr-brain-t1post (512², oblique)', () => join(DICOM, 'mr-brain-t1post')],
      ['hippocrop-series (51×35: frames not byte-aligned)', () => join(DICOM, 'hippocrop-series')],
      [
        'an oblique copy of hippocrop-series written by pydicom',
        () => {
          const out = join(TMP, 'oblique-hippocrop');
          if (!existsSync(out)) writeObliqueCopy(join(DICOM, 'hippocrop-series'), out);
          return out;
        },
      ],
    ];
    for (const [name, folderOf] of cases) {
      it(`${name}: validates, references its slices exactly, and reads back to the same labels`, { timeout: 120_000 }, async () => {
        const folder = folderOf();
        const volume = await openSeries(folder);
        const { labels, ks } = sampleLabels(volume);
        const bytes = writeDicomSeg({ volume, labels, classes: CLASSES }, { now: new Date('2026-01-02T03:04:05Z') });
        mkdirSync(TMP, { recursive: true });
        const path = join(TMP, `${name.split(' ')[0]}.seg.dcm`);
        writeFileSync(path, bytes);

        // 1. The standard validator: no errors (warnings are listed in the test output).
        const v = validateWithDciodvfy(path);
        if (v.warnings.length > 0) console.log(`dciodvfy warnings for ${name}:\n${v.warnings.join('\n')}`);
        expect(v.errors).toEqual([]);

        // 2. pydicom: segments, frames only for non-empty slices, each frame on its source slice's plane.
        const p = readSegWithPydicom(path, folder);
        expect([p.modality, p.type]).toEqual(['SEG', 'BINARY']);
        expect(p.segments.map((s) => [s.number, s.label, s.type])).toEqual([
          [1, 'Lesion', 'MANUAL'],
          [2, 'Lesion', 'SEMIAUTOMATIC'],
          [3, 'Ventricle', 'MANUAL'],
        ]);
        expect(p.segments[0]!.lab).toEqual(p.segments[1]!.lab);
        expect(p.frames).toBe(4);
        const source = volume.source.format === 'dicom' ? volume.source : null;
        expect(p.referencedSeries).toBe(source?.seriesInstanceUID);
        expect(new Set(p.referencedInstances)).toEqual(new Set(Object.keys(p.source)));
        const sources = Object.values(p.source);
        expect(p.study).toBe(sources[0]!.study);
        expect(p.for).toBe(sources[0]!.for);
        p.orientation.forEach((v, n) => expect(v).toBeCloseTo(sources[0]!.orientation[n]!, 6));
        const expectedFrames = [
          { segment: 1, k: ks[0]!, value: 1 },
          { segment: 1, k: ks[1]!, value: 1 },
          { segment: 2, k: ks[2]!, value: 1 },
          { segment: 3, k: ks[1]!, value: 2 },
        ];
        const instances = source?.reference?.instances ?? [];
        p.frameList.forEach((frame, n) => {
          const want = expectedFrames[n]!;
          expect(frame.segment).toBe(want.segment);
          expect(frame.source).toBe(instances[want.k]!.sopInstanceUID);
          const src = p.source[frame.source]!;
          expect(frame.sourceClass).toBe(src.sopClass);
          frame.position.forEach((v, a) => expect(v).toBeCloseTo(src.position[a]!, 6));
          expect({ pixels: frame.pixels, checksum: frame.checksum }).toEqual(maskStats(labels, want.k, want.value));
        });

        // 3. Our reader puts every voxel back, with provenance per slice; the empty labeled slice had no frame.
        const seg = readDicomSeg(bytes);
        const back = labelsFromSeg(seg, volume, (s) => CLASSES.find((c) => c.name === s.label)!.value);
        expect(back.overlaps).toBe(0);
        expect(Buffer.from(back.labels.voxels).equals(Buffer.from(labels.voxels))).toBe(true);
        expect(back.labels.slices[2][ks[0]!]).toBe(SliceProvenance.Painted);
        expect(back.labels.slices[2][ks[2]!]).toBe(SliceProvenance.AcceptedPseudoLabel);
        expect(back.labels.slices[2][ks[3]!]).toBe(SliceProvenance.Unlabeled);
        expect(seg.segments.map((s) => s.color)).toEqual([CLASSES[0]!.color, CLASSES[0]!.color, CLASSES[1]!.color]);

        // 4. The same SEG laid out as another writer might (implicit VR, per-frame orientation, no series list).
        const other = `${path}.rewritten.dcm`;
        rewriteSegWithPydicom(path, other);
        const foreign = readDicomSeg(new Uint8Array(readFileSync(other)));
        expect(foreign.referencedSeriesUID).toBeNull();
        expect(foreign.frames.every((f) => f.orientation !== null)).toBe(true);
        const again = labelsFromSeg(foreign, volume, (s) => CLASSES.find((c) => c.name === s.label)!.value);
        expect(Buffer.from(again.labels.voxels).equals(Buffer.from(labels.voxels))).toBe(true);
      });
    }
  },
);
