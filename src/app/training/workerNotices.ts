import type { NewAppMessage } from '../../store/types.ts';
import { describeRun3DChange } from '../../train/describeMemory.ts';
import type { FromWorker } from '../../train/protocol.ts';

/**
 * What a worker event tells the user in the message area, if anything: the worker's errors and notices, and a
 * network that did not fit its memory budget (and what it trains as instead). The panel shows the same facts; the
 * message is what the user sees whichever section is open.
 */
export function noticeOf(m: FromWorker): NewAppMessage | null {
  if (m.type === 'error') return { severity: 'error', subject: 'Training', text: m.message, ...(m.details ? { details: m.details } : {}) };
  if (m.type === 'notice') return { severity: 'info', subject: 'Training', text: m.message };
  if (m.type === 'memory' && m.reason) {
    const changes = m.used ? describeRun3DChange(m.requested, m.used) : [];
    return {
      severity: 'warning',
      // On the CPU backends this is a heap, not GPU memory: the budget source names which.
      subject: 'Memory',
      text: m.used
        ? `The 3D network as set up does not fit ${m.budgetSource}: ${m.reason}. It trains smaller instead: ${changes.join(', ') || 'no change was possible'}.`
        : `The 3D network does not fit ${m.budgetSource} even at its smallest: ${m.reason}.`,
    };
  }
  if (m.type === 'memory2d' && m.reason) {
    const changes = m.used ? describeRun3DChange(m.requested, m.used) : [];
    return {
      severity: m.used ? 'info' : 'warning',
      subject: 'Memory',
      text: m.used
        ? `The network as set up does not fit ${m.budgetSource}: ${m.reason}. It trains smaller instead: ${changes.join(', ') || 'no change was possible'}.`
        : `The network does not fit ${m.budgetSource} even at its smallest: ${m.reason}.`,
    };
  }
  return null;
}
