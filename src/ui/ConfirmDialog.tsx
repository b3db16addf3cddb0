import { useEffect, useRef } from 'react';

export interface ConfirmProps {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal dialog (native <dialog>): focus lands on Cancel, so Enter never destroys by accident. */
export function ConfirmDialog({ title, body, confirmLabel, onConfirm, onCancel }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    cancelRef.current?.focus();
  }, []);
  return (
    <dialog ref={ref} className="dialog" data-testid="confirm-dialog" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <h2>{title}</h2>
      <p>{body}</p>
      <div className="dialog-buttons">
        <button ref={cancelRef} onClick={onCancel}>Cancel</button>
        <button className="danger" data-testid="confirm-ok" onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}
