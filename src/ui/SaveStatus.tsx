import { useEffect, useState } from 'react';
import { useApp } from '../store/appStore.ts';

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min ago` : new Date(Date.now() - ms).toLocaleTimeString();
}

/**
 * Tells the user, always visible, exactly what of their work is in browser storage: "Saved" only once the
 * write committed, "Saving…" while one is under way, "Not saved: <why>" otherwise.
 */
export function SaveStatus() {
  const save = useApp((s) => s.save);
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  let text: string;
  let cls = 'save-ok';
  switch (save.kind) {
    case 'idle':
      text = 'Not saved yet';
      cls = 'save-pending';
      break;
    case 'pending':
      text = save.reason ? `Not saved: ${save.reason}` : 'Saving…';
      cls = 'save-pending';
      break;
    case 'saving':
      text = 'Saving…';
      cls = 'save-pending';
      break;
    case 'saved':
      text = `Saved ${ago(Date.now() - save.at)}`;
      break;
    case 'error': {
      const why = save.reason ?? 'storage unavailable';
      text = save.lastSavedAt ? `Not saved: ${why} — last save ${ago(Date.now() - save.lastSavedAt)}` : `Not saved: ${why}`;
      cls = 'save-error';
      break;
    }
  }
  const title =
    save.kind === 'error'
      ? save.message
      : save.kind === 'saved'
        ? `Workspace saved in this browser at ${new Date(save.at).toLocaleTimeString()}`
        : save.kind === 'pending' && save.reason
          ? 'The stroke is saved as soon as you release the mouse button'
          : 'Your workspace is saved in this browser as you work';
  return (
    <div
      className={`save-status ${cls}`}
      data-testid="save-status"
      data-state={save.kind}
      data-reason={save.kind === 'pending' || save.kind === 'error' ? save.reason : undefined}
      data-saved-at={save.kind === 'saved' ? save.at : undefined}
      title={title}
    >
      <span className="save-dot" aria-hidden="true" />
      {text}
    </div>
  );
}
