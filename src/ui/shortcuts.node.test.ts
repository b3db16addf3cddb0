import { describe, expect, it } from 'vitest';
import { LAYER_NAMES } from '../store/layersSlice.ts';
import { LAYER_KEYS, resolveShortcut, SHORTCUT_HELP } from './shortcuts.ts';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('keyboard shortcuts', () => {
  it('maps undo and redo on Ctrl and Cmd', () => {
    expect(resolveShortcut(key('z', { ctrlKey: true }))).toEqual({ kind: 'undo' });
    expect(resolveShortcut(key('Z', { metaKey: true, shiftKey: true }))).toEqual({ kind: 'redo' });
    expect(resolveShortcut(key('y', { ctrlKey: true }))).toEqual({ kind: 'redo' });
  });
  it('selects tools by letter, and a bare z is the zoom tool, not undo', () => {
    expect(resolveShortcut(key('b'))).toEqual({ kind: 'tool', tool: 'brush' });
    expect(resolveShortcut(key('E'))).toEqual({ kind: 'tool', tool: 'eraser' });
    expect(resolveShortcut(key('z'))).toEqual({ kind: 'tool', tool: 'zoom' });
  });
  it('selects classes by position and ignores unbound keys', () => {
    expect(resolveShortcut(key('3'))).toEqual({ kind: 'selectClass', position: 2 });
    expect(resolveShortcut(key('0'))).toBeNull();
    expect(resolveShortcut(key('q'))).toBeNull();
    expect(resolveShortcut(key('b', { altKey: true }))).toBeNull();
  });
  it('grows and shrinks the brush by the same factor', () => {
    const up = resolveShortcut(key(']'));
    const down = resolveShortcut(key('['));
    expect(up?.kind === 'brushSize' && down?.kind === 'brushSize' && up.factor * down.factor).toBeCloseTo(1);
  });
  it('gives every model layer its own Shift+letter, listed in the help', () => {
    const keys = LAYER_NAMES.map((n) => LAYER_KEYS[n]);
    expect(new Set(keys).size).toBe(LAYER_NAMES.length);
    for (const layer of LAYER_NAMES) {
      expect(resolveShortcut(key(LAYER_KEYS[layer], { shiftKey: true }))).toEqual({ kind: 'toggleLayer', layer });
      expect(SHORTCUT_HELP.some(([k]) => k.includes(`Shift+${LAYER_KEYS[layer]}`))).toBe(true);
    }
    // Without Shift the letters keep their own meaning (P is the pan tool).
    expect(resolveShortcut(key('p'))).toEqual({ kind: 'tool', tool: 'pan' });
  });
  it('moves the confidence threshold with { and }', () => {
    const down = resolveShortcut(key('{', { shiftKey: true }));
    const up = resolveShortcut(key('}', { shiftKey: true }));
    expect(down?.kind === 'confidence' && down.delta).toBeLessThan(0);
    expect(up?.kind === 'confidence' && up.delta).toBeGreaterThan(0);
  });
});
