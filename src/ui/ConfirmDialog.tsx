import { useEffect, useRef } from 'react';

export interface ConfirmProps {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** 'danger' (default) for a confirm that destroys something; 'primary' when it keeps everything. */
  confirmKind?: 'danger' | 'primary';
  /** A second way forward beside Cancel (e.g. "start afresh and delete it" beside "keep it"). */
  secondary?: { label: string; onClick: () => void; danger?: boolean };
}

/** A modal dialog (native <dialog>): focus lands on Cancel, so Enter never destroys by accident. */
export function ConfirmDialog({ title, body, confirmLabel, onConfirm, onCancel, confirmKind = 'danger', secondary }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    cancelRef.current?.focus();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      data-testid="confirm-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2>{title}</h2>
      <p>{body}</p>
      <div className="dialog-buttons">
        <button ref={cancelRef} onClick={onCancel}>
          Cancel
        </button>
        {secondary && (
          <button className={secondary.danger ? 'danger' : undefined} data-testid="confirm-secondary" onClick={secondary.onClick}>
            {secondary.label}
          </button>
        )}
        <button className={confirmKind} data-testid="confirm-ok" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
