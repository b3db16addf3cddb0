import { describe, expect, it } from 'vitest';
import { plainRunError } from './runErrorWords.ts';

describe('plainRunError', () => {
  it('says raw engine text in plain words and keeps the raw text as details', () => {
    const raw = 'Aborted(). Build with -sASSERTIONS for more info.';
    const shown = plainRunError(raw, null);
    expect(shown.text).not.toContain('ASSERTIONS');
    expect(shown.text).toMatch(/labels are safe/);
    expect(shown.details).toBe(raw);
  });

  it('keeps details the worker gave over the raw text', () => {
    const shown = plainRunError('Aborted(). Build with -sASSERTIONS for more info.', 'stack: wasm-function[12]');
    expect(shown.details).toBe('stack: wasm-function[12]');
  });

  it('leaves a plain message alone and drops details that repeat it', () => {
    expect(plainRunError('Paint at least one slice first.', 'Paint at least one slice first.')).toEqual({
      text: 'Paint at least one slice first.',
      details: null,
    });
    expect(plainRunError('Paint at least one slice first.', 'more')).toEqual({ text: 'Paint at least one slice first.', details: 'more' });
  });
});
