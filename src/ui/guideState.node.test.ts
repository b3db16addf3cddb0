import { describe, expect, it } from 'vitest';
import { currentGuideStep, GUIDE_STEPS } from './guideState.ts';

const none = { ownFiles: false, classChosen: false, labeled: false, trained: false };

describe('first-run guide', () => {
  // The highlighted step is the next thing to do, so it must move on as the user does each one.
  it('starts at opening files and moves on with each step done', () => {
    expect(currentGuideStep(none)).toBe(0);
    expect(currentGuideStep({ ...none, ownFiles: true })).toBe(1);
    expect(currentGuideStep({ ...none, ownFiles: true, classChosen: true })).toBe(2);
    expect(currentGuideStep({ ownFiles: true, classChosen: true, labeled: true, trained: false })).toBe(3);
    expect(currentGuideStep({ ownFiles: true, classChosen: true, labeled: true, trained: true })).toBe(GUIDE_STEPS.length - 1);
  });

  it('does not count the demo’s painted phantoms as the user’s own labels', () => {
    expect(currentGuideStep({ ownFiles: false, classChosen: true, labeled: true, trained: false })).toBe(0);
  });

  it('has the five steps in the order a first session takes', () => {
    expect(GUIDE_STEPS.map((s) => s.title)).toEqual(['Open your files', 'Pick a class', 'Paint a few slices', 'Start', 'Review']);
  });
});
