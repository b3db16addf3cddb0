import { describe, expect, it } from 'vitest';
import { makeClass } from '../volume/classes.ts';
import { classesForText } from './anatomyDefaults.ts';
import { workspaceTexts } from './workspaceTexts.ts';

describe('class texts of the text presets (text.anatomyPrompts)', () => {
  const hippocampus = [makeClass(1, 'Anterior'), makeClass(2, 'Posterior')];

  it('off: the class texts are the bare names', () => {
    const t = workspaceTexts(classesForText(hippocampus, 'Hippocampus', false), [], 'MR');
    expect(t.classes).toEqual(['An MR scan of the anterior.', 'An MR scan of the posterior.']);
  });

  it('on: they say where each structure lies and what form it has', () => {
    const t = workspaceTexts(classesForText(hippocampus, 'Hippocampus', true), [], 'MR');
    expect(t.classes[0]).toContain('medial temporal lobe');
    expect(t.classes[0]).toContain('head of the hippocampus');
    expect(t.classes[1]).toContain('tail');
    expect(t.classes[0]).not.toEqual(t.classes[1]);
  });

  it('on: a user’s own description is kept', () => {
    const mine = { ...makeClass(1, 'Anterior'), position: 'at the front' };
    expect(classesForText([mine], 'Hippocampus', true)[0]!.position).toBe('at the front');
  });
});
