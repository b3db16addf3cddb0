/** What kind of storage failure an error is: the user's remedy differs for each. */
function kindOf(e: unknown): { kind: 'full' | 'broken' | 'other'; message: string } {
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  const message = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) return { kind: 'full', message };
  if (name === 'InvalidStateError' || name === 'UnknownError') return { kind: 'broken', message };
  return { kind: 'other', message };
}

/** Names the failure the way a user can act on it. */
export function describeStorageError(e: unknown): string {
  const { kind, message } = kindOf(e);
  if (kind === 'full') {
    return 'Browser storage is full. Your latest changes are kept in this tab only — export your labels, or free disk space; saving resumes by itself.';
  }
  if (kind === 'broken') {
    return `Browser storage stopped working (${message}). Your changes are kept in this tab only — export your labels before closing it.`;
  }
  return `Saving failed: ${message}. Your changes are kept in this tab only; saving will be retried.`;
}

/** The same failure in a few words, for the status line ("Not saved: storage full"). */
export function storageErrorReason(e: unknown): string {
  const { kind } = kindOf(e);
  return kind === 'full' ? 'storage full' : kind === 'broken' ? 'storage stopped working' : 'saving failed';
}
