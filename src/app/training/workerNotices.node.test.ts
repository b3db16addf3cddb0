import { describe, expect, it } from 'vitest';
import type { FromWorker } from '../../train/protocol.ts';
import { noticeOf } from './workerNotices.ts';

/* The message area hears of the worker's errors and of a network too big for its memory, whichever section is open. */

const requested = { patch: [64, 64, 64] as [number, number, number], batchLabeled: 2, batchUnlabeled: 2, width: 16 };
const memory = (reason: string | null, used: typeof requested | null): FromWorker => ({
  type: 'memory',
  estimateBytes: 3e9,
  budgetBytes: 1e9,
  budgetSource: 'the WebAssembly heap',
  reason,
  requested,
  used,
});

describe('worker notices', () => {
  it('pass on errors with their details, and notices as information', () => {
    expect(noticeOf({ type: 'error', message: 'Out of memory', details: 'Aborted()' })).toEqual({
      severity: 'error',
      subject: 'Training',
      text: 'Out of memory',
      details: 'Aborted()',
    });
    expect(noticeOf({ type: 'notice', message: 'Resumed at step 40' })).toEqual({ severity: 'info', subject: 'Training', text: 'Resumed at step 40' });
  });

  it('say what a network that did not fit trains as instead, or that nothing fits', () => {
    const smaller = noticeOf(memory('3 GiB needed', { ...requested, patch: [32, 64, 64] }));
    expect(smaller?.severity).toBe('warning');
    expect(smaller?.text).toContain('It trains smaller instead: patch 64×64×64 → 32×64×64 voxels.');
    expect(noticeOf(memory('3 GiB needed', null))?.text).toBe('The 3D network does not fit the WebAssembly heap even at its smallest: 3 GiB needed.');
  });

  it('stay silent when the network fits, and for progress events', () => {
    expect(noticeOf(memory(null, requested))).toBeNull();
    expect(noticeOf({ type: 'state', state: 'running' })).toBeNull();
  });
});
