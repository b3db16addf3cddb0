import type { RunSummary } from '../../app/startPlan.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { methodShortName } from './MethodSelect.tsx';

function runName(r: RunSummary): string {
  return `${methodShortName(r.preset)} model (${r.network.toUpperCase()}, ${r.size}, step ${r.step})`;
}

/** Asked before a Start that would leave the shown model behind or overwrite it: keep it, or start afresh without it. */
export function StartDialog({
  shown,
  replaces,
  next,
  onCancel,
  onKeep,
  onDiscard,
}: {
  shown: RunSummary;
  replaces: boolean;
  next: string;
  onCancel: () => void;
  onKeep: () => void;
  onDiscard: () => void;
}) {
  const name = runName(shown);
  if (replaces) {
    return (
      <ConfirmDialog
        title="Replace the saved model?"
        body={`The saved ${name} was trained for other classes, so it cannot continue. A new run with these choices starts afresh and replaces it. To keep it, Cancel and use Export model first.`}
        confirmLabel="Start afresh, replace it"
        onConfirm={onDiscard}
        onCancel={onCancel}
      />
    );
  }
  return (
    <ConfirmDialog
      title="Keep the saved model?"
      body={`${next} starts afresh. The ${name} can be kept: choosing its method, network and size again resumes it where it stopped.`}
      confirmLabel={`Keep it, start afresh`}
      confirmKind="primary"
      secondary={{ label: `Delete it, start afresh`, onClick: onDiscard, danger: true }}
      onConfirm={onKeep}
      onCancel={onCancel}
    />
  );
}
