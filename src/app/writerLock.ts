const WRITER_LOCK = 'pseudolab-workspace-writer';

/**
 * One tab writes the workspace. Two writers would overwrite each other's labels, so a second tab opens
 * read-only and queues for the lock: the browser grants it when the writing tab closes or crashes, and this
 * tab then takes over (takeOver in bootstrap.ts). `now`: whether this tab writes from the start; `later` resolves
 * when a read-only tab is granted the lock (never, if it never is).
 */
export async function claimWriterLock(): Promise<{ now: boolean; later: Promise<void> }> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return { now: true, later: new Promise<void>(() => undefined) };
  // Held for the life of the tab.
  const hold = (): Promise<void> => new Promise<void>(() => undefined);
  const now = await new Promise<boolean>((resolve) => {
    void locks.request(WRITER_LOCK, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock ? hold() : undefined;
    });
  });
  if (now) return { now, later: new Promise<void>(() => undefined) };
  const later = new Promise<void>((resolve) => {
    // Queued: granted when the writer goes away, however long that takes.
    void locks.request(WRITER_LOCK, () => {
      resolve();
      return hold();
    });
  });
  return { now, later };
}
