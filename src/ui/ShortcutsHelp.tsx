import { useEffect, useRef } from 'react';
import { SHORTCUT_HELP } from './shortcuts.ts';

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog" onCancel={(e) => { e.preventDefault(); onClose(); }} data-testid="shortcuts-help">
      <h2>Keyboard and mouse</h2>
      <table className="shortcuts">
        <tbody>
          {SHORTCUT_HELP.map(([k, what]) => (
            <tr key={k}>
              <td><kbd>{k}</kbd></td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-buttons">
        <button onClick={onClose}>Close</button>
      </div>
    </dialog>
  );
}
