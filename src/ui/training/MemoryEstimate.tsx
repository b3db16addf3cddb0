import { useApp } from '../../store/appStore.ts';
import { describeRun3DChange } from '../../train/describeMemory.ts';
import { memoryEstimateLine, memoryPool } from '../memoryWords.ts';

/** The memory estimate against the budget (2D and 3D), and — when the network as asked did not fit — why and what changed. */
export function MemoryEstimate() {
  const m = useApp((s) => s.training.memory);
  const backend = useApp((s) => s.training.backend?.name);
  if (!m) return null;
  const changes = m.used ? describeRun3DChange(m.requested, m.used) : [];
  const name = m.type === 'memory2d' ? 'The network' : 'The 3D network';
  return (
    <div
      className="memory-estimate"
      data-testid="memory-estimate"
      data-fits={m.reason === null}
      data-pool={memoryPool(backend)}
      title={`Estimated from the ${m.type === 'memory2d' ? 'ResUNet' : 'V-Net'}’s shapes before training starts; the budget is ${m.budgetSource}.`}
    >
      <p className="hint" data-testid="memory-line">
        {memoryEstimateLine(m, backend)}
      </p>
      {m.reason && (
        <p className="hint warn-text" data-testid="memory-adjusted">
          {m.used
            ? `${name} as set up does not fit: ${m.reason}. It trains smaller instead: ${changes.join(', ') || 'nothing could change'}.`
            : `${name} does not fit even at its smallest: ${m.reason}. Pick a smaller model size or a backend with more memory.`}
        </p>
      )}
    </div>
  );
}
