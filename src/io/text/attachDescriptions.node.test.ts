import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { IDENTITY } from '../../volume/geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { openInputs } from '../openInputs.ts';
import { bytesOf, makeNifti } from '../testing/niftiFixture.ts';
import { memoryFile } from '../testing/nodeFiles.ts';
import { describeOpenVolumes } from './attachDescriptions.ts';
import { readDescriptionsCsv } from './readDescriptionsCsv.ts';

const text = (s: string) => new TextEncoder().encode(s);
/** Channels that differ, so it stays RGB (an RGB image whose channels agree opens as grey). */
const rgb = (w: number, h: number) =>
  encodePng({ width: w, height: h, data: new Uint8Array(w * h * 3).map((_, n) => [220, 150, 200][n % 3]!), depth: 8, channels: 3 });

describe('descriptions for any opened images', () => {
  const nifti = (v: number) =>
    makeNifti({ dims: [3, 2, 2, 1], datatype: 4, bitsPerVoxel: 16, data: bytesOf(new Int16Array([v, v, v, v])), qformCode: 1, sformCode: 1 });

  it('attaches a CSV to PNG and NIfTI files opened with it, and lists the images it has no row for', async () => {
    const result = await openInputs([
      memoryFile('scans/slide.png', rgb(2, 2)),
      memoryFile('scans/brain.nii.gz', nifti(1)),
      memoryFile('scans/other.nii', nifti(2)),
      memoryFile('scans/notes.csv', text('file,text\nslide,A pink slide.\nbrain.nii.gz,"The lesion lies left, near the ventricle."\n')),
    ]);
    expect(result.volumes.map((v) => [v.name, v.description])).toEqual([
      ['slide.png', 'A pink slide.'],
      ['brain.nii.gz', 'The lesion lies left, near the ventricle.'],
      ['other.nii', undefined],
    ]);
    expect(result.problems.map((p) => p.message)).toEqual(['notes.csv: has no description for 1 of the 3 images opened with it: other.nii']);
  });

  it('attaches a CSV to the images of a Decathlon folder, and applies each CSV only below its own folder', async () => {
    const json = { name: 'T', labels: { '0': 'background', '1': 'thing' }, training: [{ image: './imagesTr/c1.nii', label: './labelsTr/c1.nii' }] };
    const result = await openInputs([
      memoryFile('T/dataset.json', text(JSON.stringify(json))),
      memoryFile('T/imagesTr/c1.nii', nifti(1)),
      memoryFile(
        'T/labelsTr/c1.nii',
        makeNifti({ dims: [3, 2, 2, 1], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array([0, 1, 0, 1]), qformCode: 1, sformCode: 1 }),
      ),
      memoryFile('T/text.csv', text('Image,Description\nc1,Case one.\n')),
      memoryFile('U/c1.nii', nifti(3)),
      memoryFile('U/text.csv', text('Image,Description\nc1,Another case one.\n')),
    ]);
    expect(result.volumes.map((v) => [v.name, v.voxels[0], v.description])).toEqual([
      ['c1.nii', 1, 'Case one.'],
      ['c1.nii', 3, 'Another case one.'],
    ]);
    expect(result.problems).toEqual([]);
  });

  it('hands a CSV opened alone to the workspace, and says what to do with a spreadsheet', async () => {
    const result = await openInputs([
      memoryFile('text.csv', text('Image,Description\na.png,Later.\n')),
      memoryFile('b/text.xlsx', new Uint8Array([0x50, 0x4b, 3, 4])),
    ]);
    expect(result.volumes).toEqual([]);
    expect(result.descriptions?.map((t) => [t.file, [...t.byName.values()].map((r) => r.description)])).toEqual([['text.csv', ['Later.']]]);
    expect(result.problems.map((p) => p.message)).toEqual([
      'text.xlsx: is a spreadsheet; descriptions are read from CSV — save it as CSV (columns Image, Description) and open that with the images',
    ]);
  });
});

describe('a CSV opened on its own, for the images already open', () => {
  const open = (id: string, fileName: string): Volume => ({
    id,
    name: fileName,
    geometry: { dims: [2, 2, 1], spacing: [1, 1, 1], ijkToLps: IDENTITY },
    channels: 1,
    voxels: new Uint8Array(4),
    source: { format: 'image', fileName, mimeType: 'image/png' },
  });

  it('matches rows to open volumes by name from any folder, and says what it set and what it could not', () => {
    const table = readDescriptionsCsv('Image,Description\nA.PNG,First.\nc,Third.\nghost.png,Nobody.\n', 'texts/Train_text.csv');
    const r = describeOpenVolumes([table], [open('1', 'a.png'), open('2', 'b.png'), open('3', 'c.png')]);
    expect(r.descriptions).toEqual([
      { volumeId: '1', description: 'First.' },
      { volumeId: '3', description: 'Third.' },
    ]);
    expect(r.summaries).toEqual([{ file: 'texts/Train_text.csv', text: 'Train_text.csv: descriptions set for 2 open images.' }]);
    expect(r.problems.map((p) => p.message)).toEqual(['Train_text.csv: describes 1 image that is not open: ghost.png']);
  });

  it('sets nothing when the CSV names none of the open images', () => {
    const table = readDescriptionsCsv('Image,Description\nx.png,X.\n', 'other.csv');
    const r = describeOpenVolumes([table], [open('1', 'a.png')]);
    expect(r.descriptions).toEqual([]);
    expect(r.summaries).toEqual([]);
    expect(r.problems.map((p) => p.message)).toEqual(['other.csv: names none of the open images (x.png); no description was set']);
  });
});
