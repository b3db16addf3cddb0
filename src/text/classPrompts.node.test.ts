import { describe, expect, it } from 'vitest';
import { DEMO_CLASSES } from '../demo/generateDemo.ts';
import { makeClass, type ClassDef } from '../volume/classes.ts';
import type { Volume } from '../volume/Volume.ts';
import { backgroundPrompt, canonicalModality, classPromptCorpus, classPrompts, modalityOfVolume } from './classPrompts.ts';
import { splitWords } from './normalizeText.ts';
import { buildTokenizer, UNK_ID } from './tokenizer.ts';

const cls = (name: string, position = '', shape = ''): ClassDef => ({ ...makeClass(1, name), position, shape });
const [liver, lesion, vessel] = DEMO_CLASSES as [ClassDef, ClassDef, ClassDef];

describe('classPrompts (TAK name / position / shape; PromptSSL/DuSSS combined)', () => {
  it('writes the demo classes as TAK-style sentences', () => {
    expect(classPrompts(liver, 'MR')).toEqual({
      name: 'An MR scan of the liver.',
      position: 'The liver lies in the right upper abdomen, in front of and lateral to the vena cava, reaching toward the midline.',
      shape: 'The liver is large, smooth, wedge-shaped: thick laterally, thinning toward the midline; uniformly mid-grey.',
      combined:
        'An MR scan of the liver, which lies in the right upper abdomen, in front of and lateral to the vena cava, reaching toward the midline, and is large, smooth, wedge-shaped: thick laterally, thinning toward the midline; uniformly mid-grey.',
    });
    expect(classPrompts(lesion, 'MR').position).toBe('The liver lesion lies inside the liver, between its centre and its edge.');
    expect(classPrompts(vessel, 'MR').shape).toBe(
      'The inferior vena cava is a thin tube, round in cross-section, curving gently from slice to slice; the brightest structure.',
    );
  });

  it('names the scan after the modality, with a generic fallback', () => {
    const c = cls('Liver');
    expect(classPrompts(c, 'CT').name).toBe('A CT scan of the liver.');
    expect(classPrompts(c, 'MRI').name).toBe('An MR scan of the liver.');
    expect(classPrompts(c, 'SM').name).toBe('A microscopy image of the liver.');
    expect(classPrompts(c, 'x-ray').name).toBe('An X-ray image of the liver.');
    expect(classPrompts(c, 'US').name).toBe('An ultrasound image of the liver.');
    expect(classPrompts(c, 'OT').name).toBe('A medical image of the liver.');
    expect(classPrompts(c).name).toBe('A medical image of the liver.');
    expect(canonicalModality('Computed Tomography')).toBe('CT');
    expect(canonicalModality('H&E')).toBe('microscopy');
    expect(canonicalModality('')).toBeNull();
    expect(canonicalModality(null)).toBeNull();
  });

  it('reads the modality off the volume where the volume carries one', () => {
    const base = {
      id: 'v',
      name: 'v',
      geometry: { dims: [1, 1, 1], spacing: [1, 1, 1], ijkToLps: [] },
      channels: 1,
      voxels: new Uint8Array(1),
    } as unknown as Volume;
    expect(modalityOfVolume({ ...base, source: { format: 'demo', seed: 1, index: 0, generator: 2 } })).toBe('MR');
    expect(modalityOfVolume({ ...base, source: { format: 'dicom', fileNames: [], seriesInstanceUID: '1', modality: 'CT' } })).toBe('CT');
    expect(modalityOfVolume({ ...base, source: { format: 'image', fileName: 'a.png', mimeType: 'image/png' } })).toBeUndefined();
  });

  it('keeps acronyms, drops a leading article, and never leaves a name empty', () => {
    expect(classPrompts(cls('IVC'), 'CT').name).toBe('A CT scan of the IVC.');
    expect(classPrompts(cls('The Liver'), 'CT').name).toBe('A CT scan of the liver.');
    expect(classPrompts(cls('T2 lesion'), 'MR').name).toBe('An MR scan of the T2 lesion.');
    expect(classPrompts({ ...cls('  '), value: 7 }, 'CT').name).toBe('A CT scan of the class 7.');
  });

  it('gives neutral sentences for empty fields and leaves them out of the combined text', () => {
    const p = classPrompts(cls('Nucleus'), 'microscopy');
    expect(p.position).toBe('The nucleus lies in its usual anatomical position.');
    expect(p.shape).toBe('The nucleus has its usual shape and appearance.');
    expect(p.combined).toBe('A microscopy image of the nucleus.');
    expect(classPrompts(cls('Nucleus', '', 'small, round, dark purple'), 'microscopy').combined).toBe(
      'A microscopy image of the nucleus, which is small, round, dark purple.',
    );
  });

  it('turns position fragments into sentences by their first word', () => {
    const position = (text: string): string => classPrompts(cls('Hippocampus', text), 'MR').position;
    expect(position('medial temporal lobe, anterior to the posterior hippocampus')).toBe(
      'The hippocampus lies in the medial temporal lobe, anterior to the posterior hippocampus.',
    );
    expect(position('anterior to the brainstem')).toBe('The hippocampus lies anterior to the brainstem.');
    expect(position('behind the amygdala;')).toBe('The hippocampus lies behind the amygdala.');
    expect(position('located in the temporal lobe')).toBe('The hippocampus is located in the temporal lobe.');
    expect(position('borders the lateral ventricle')).toBe('The hippocampus borders the lateral ventricle.');
    expect(position('the floor of the temporal horn')).toBe('The hippocampus lies in the floor of the temporal horn.');
    expect(position('Temporal lobe')).toBe('The hippocampus lies in the temporal lobe.');
  });

  it('turns shape fragments into sentences, with an article before a noun phrase', () => {
    const shape = (text: string): string => classPrompts(cls('Aorta', '', text), 'CT').shape;
    expect(shape('thick tube, round in cross-section')).toBe('The aorta is a thick tube, round in cross-section.');
    expect(shape('oval mass')).toBe('The aorta is an oval mass.');
    expect(shape('curved, elongated')).toBe('The aorta is curved, elongated.');
    expect(shape('looks like a candy cane')).toBe('The aorta looks like a candy cane.');
  });

  it('uses a full sentence as written, and folds it into the combined text when it starts with the name', () => {
    const own = classPrompts(cls('Duodenum', 'The duodenum lies posterior to the stomach.', 'It is C-shaped.'), 'CT');
    expect(own.position).toBe('The duodenum lies posterior to the stomach.');
    expect(own.shape).toBe('It is C-shaped.');
    expect(own.combined).toBe('A CT scan of the duodenum, which lies posterior to the stomach. It is C-shaped.');
  });

  it('every prompt is one sentence ending in a full stop', () => {
    for (const c of DEMO_CLASSES) {
      for (const text of Object.values(classPrompts(c, 'MR'))) {
        const words = splitWords(text);
        expect(words.at(-1)).toBe('.');
        expect(words.slice(0, -1)).not.toContain('.');
      }
    }
    expect(backgroundPrompt('CT')).toBe('A CT scan of the background, outside every labelled structure.');
    expect(backgroundPrompt()).toBe('A medical image of the background, outside every labelled structure.');
  });

  it('classPromptCorpus holds every prompt, and a tokenizer built on it knows all their words', () => {
    const corpus = classPromptCorpus(DEMO_CLASSES, 'MR');
    expect(corpus.length).toBe(1 + 4 * DEMO_CLASSES.length);
    const tokenizer = buildTokenizer(corpus);
    for (const text of corpus) {
      const pieces = tokenizer.encodePieces(text);
      expect(pieces).not.toContain(UNK_ID);
      expect(pieces.length).toBe(splitWords(text).length);
    }
  });
});
