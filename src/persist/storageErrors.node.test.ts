import { describe, expect, it } from 'vitest';
import { describeStorageError, storageErrorReason } from './storageErrors.ts';

/* A storage failure is named by what the user can do about it: free space, export before closing, or wait. */

describe('storage errors in words', () => {
  it('tell a full disk, a broken store and anything else apart', () => {
    const full = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const broken = new DOMException('Connection closed', 'InvalidStateError');
    const other = new Error('Transaction aborted');
    expect(storageErrorReason(full)).toBe('storage full');
    expect(storageErrorReason(new Error('Quota exceeded for origin'))).toBe('storage full');
    expect(storageErrorReason(broken)).toBe('storage stopped working');
    expect(storageErrorReason(other)).toBe('saving failed');
    expect(describeStorageError(full)).toMatch(/^Browser storage is full\./);
    expect(describeStorageError(broken)).toBe(
      'Browser storage stopped working (Connection closed). Your changes are kept in this tab only — export your labels before closing it.',
    );
    expect(describeStorageError('disk on fire')).toBe('Saving failed: disk on fire. Your changes are kept in this tab only; saving will be retried.');
  });
});
