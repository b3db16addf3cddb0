import { describe, expect, it } from 'vitest';
import { explain, fileError, messageAbout, problemAbout } from './problems.ts';

describe('messages never show raw library text', () => {
  it('turns an engine error into a sentence naming the file, keeping the raw text as detail', () => {
    const p = problemAbout('a/b.dcm', 'b.dcm', new RangeError('Offset is outside the bounds of the DataView'));
    expect(p.message).toMatch(/^b\.dcm: cannot be read — a length or offset inside it points outside the file/);
    expect(p.message).not.toMatch(/DataView/);
    expect(p.detail).toMatch(/DataView/);
  });

  it('moves a raw fragment in parentheses out of one of our sentences', () => {
    const p = problemAbout(
      'x.png',
      'x.png',
      fileError('x.png', "the PNG cannot be decoded (Cannot read properties of undefined (reading 'esize')); the file may be damaged"),
    );
    expect(p.message).not.toMatch(/esize|undefined/);
    expect(p.message).toMatch(/^x\.png: the PNG cannot be decoded/);
  });

  it('says memory when a size field asked for too much', () => {
    expect(messageAbout('big.nii', new RangeError('Invalid typed array length: 4294967296'))).toMatch(/^big\.nii: cannot be opened — it asks for more memory/);
  });

  it('leaves our own sentences alone, parentheses included', () => {
    const e = fileError('c.nii.gz', 'file is damaged — its gzip stream inflates to 10 bytes but its trailer says 12 (ISIZE)');
    expect(messageAbout('c.nii.gz', e)).toBe(e.message);
    expect(explain(e).detail).toBeUndefined();
  });
});
