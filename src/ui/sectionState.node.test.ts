import { describe, expect, it } from 'vitest';
import { parseSectionOpen, sectionStorageKey } from './sectionState.ts';

describe('section open state', () => {
  // A remembered fold must win over the default, or folding a panel would not survive a reload.
  it('uses the stored choice over the default', () => {
    expect(parseSectionOpen('0', true)).toBe(false);
    expect(parseSectionOpen('1', false)).toBe(true);
  });
  it('falls back to the default when nothing valid is stored', () => {
    expect(parseSectionOpen(null, true)).toBe(true);
    expect(parseSectionOpen(null, false)).toBe(false);
    expect(parseSectionOpen('yes', false)).toBe(false);
  });
  it('keys each section by its id', () => {
    expect(sectionStorageKey('tools')).not.toBe(sectionStorageKey('classes'));
  });
});
