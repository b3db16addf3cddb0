import { useEffect, useRef } from 'react';
import { SHORTCUT_HELP } from './shortcuts.ts';

/** `onShowGuide` brings back the first-run guide, which a user may have dismissed before knowing they would need it. */
export function ShortcutsHelp({ onClose, onShowGuide }: { onClose: () => void; onShowGuide: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid="shortcuts-help"
    >
      <h2>Keyboard and mouse</h2>
      <table className="shortcuts">
        <tbody>
          {SHORTCUT_HELP.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-buttons">
        <button data-testid="show-guide" onClick={onShowGuide} title="The five steps from opening files to reviewing the model's labels">
          Show the guide
        </button>
        <button onClick={onClose}>Close</button>
      </div>
    </dialog>
  );
}
