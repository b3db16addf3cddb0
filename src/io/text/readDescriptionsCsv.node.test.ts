import { describe, expect, it } from 'vitest';
import { descriptionKey, readDescriptionsCsv } from './readDescriptionsCsv.ts';

const texts = (csv: string | Uint8Array, path = 'data/text.csv') => {
  const t = readDescriptionsCsv(csv, path);
  return { byName: Object.fromEntries([...t.byName].map(([k, r]) => [k, r.description])), problems: t.problems.map((p) => p.message) };
};

describe('a CSV of image descriptions', () => {
  it("reads LViT's Image, Description columns into a map keyed by image name without extension", () => {
    const t = readDescriptionsCsv(
      'Image,Description\nTCGA-A.png,The nuclei are evenly distributed.\nTCGA-B.png,The nuclei density in the upper right is high.\n',
      'Train_text.csv',
    );
    expect(t.problems).toEqual([]);
    expect([...t.byName.keys()]).toEqual(['tcga-a', 'tcga-b']);
    expect(t.byName.get('tcga-b')).toEqual({ image: 'TCGA-B.png', description: 'The nuclei density in the upper right is high.', row: 3 });
  });

  it('keeps quoted commas, quotes and line breaks, drops a BOM, and accepts other header names and orders', () => {
    const csv = '\uFEFFtext,filename,extra\r\n"The nuclei, mostly round, are ""dense"".",a.png,1\r\n"Two lines\nof text",B.PNG,2\r\n';
    expect(texts(csv)).toEqual({ byName: { a: 'The nuclei, mostly round, are "dense".', b: 'Two lines\nof text' }, problems: [] });
    // The same, as bytes with a UTF-8 BOM (TextDecoder's path).
    expect(texts(new TextEncoder().encode('\uFEFFfile,description\nc,Hello\n')).byName).toEqual({ c: 'Hello' });
  });

  it("reads ';' and tab separated files by the delimiter that splits the header", () => {
    expect(texts('Image;Description\na.png;Dense, in the lower left.\n').byName).toEqual({ a: 'Dense, in the lower left.' });
    expect(texts('image\tdescription\na.png\tSparse.\n').byName).toEqual({ a: 'Sparse.' });
  });

  it('names the file and the row of each malformed row, and keeps every good row', () => {
    const csv = [
      'Image,Description',
      'a.png,Good.',
      'b.png',
      ',No image here.',
      'c.png,The nuclei, dense.',
      'a.png,Another text.',
      '',
      'd.png,"never closed',
      'e.png,Lost.',
    ].join('\n');
    const t = texts(csv, 'Train_Folder/Train_text.csv');
    expect(t.byName).toEqual({ a: 'Good.', c: 'The nuclei, dense.' });
    expect(t.problems).toEqual([
      'Train_text.csv: row 3: has 1 field where the header has 2; the row was skipped',
      'Train_text.csv: row 4: names no image; the row was skipped',
      'Train_text.csv: row 5: has 3 fields where the header has 2; the description was read up to the end of the row (put descriptions that contain "," in double quotes)',
      'Train_text.csv: row 6: describes a.png again (first in row 2); the first description is kept',
      'Train_text.csv: row 8: a quoted field is never closed, so the rest of the file reads as one field; the row was skipped',
    ]);
    expect(
      readDescriptionsCsv(csv, 'Train_Folder/Train_text.csv').problems.every((p) => p.file === 'Train_Folder/Train_text.csv' && p.severity === 'warning'),
    ).toBe(true);
  });

  it('says so when the first row names no image and description columns', () => {
    const t = readDescriptionsCsv('case,dice\n1,0.8\n', 'metrics.csv');
    expect(t.byName.size).toBe(0);
    expect(t.problems).toEqual([
      {
        file: 'metrics.csv',
        severity: 'error',
        message:
          'metrics.csv: has no image column (Image, File or Filename) and description column (Description or Text) in its first row; no descriptions were read from it',
      },
    ]);
    expect(readDescriptionsCsv('', 'empty.csv').problems).toHaveLength(1);
  });

  it('matches names without folders, extension or case', () => {
    expect(['img/TCGA-1.png', 'TCGA-1', 'tcga-1.PNG', ' TCGA-1.jpg ', 'case\\TCGA-1.nii.gz'].map(descriptionKey)).toEqual(Array(5).fill('tcga-1'));
    expect(descriptionKey('a.b.png')).toBe('a.b');
  });
});
