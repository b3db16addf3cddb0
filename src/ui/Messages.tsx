import { useApp } from '../store/appStore.ts';

/** Errors are alerts (one per message, screen readers announce them); warnings and notes are polite status. */
export function Messages() {
  const messages = useApp((s) => s.messages);
  const dismiss = useApp((s) => s.dismissMessage);
  if (messages.length === 0) return null;
  return (
    <div className="messages" aria-live="polite">
      {messages.map((m) => (
        <div
          key={m.id}
          className={`message message-${m.severity}`}
          role={m.severity === 'error' ? 'alert' : 'status'}
          data-testid={m.severity === 'error' ? 'app-error' : 'app-message'}
        >
          <div className="message-text">
            {m.subject && <strong>{m.subject}: </strong>}
            {m.text}
            {m.details && m.details !== m.text && (
              <details className="message-details" data-testid="message-details">
                <summary>Details</summary>
                <pre>{m.details}</pre>
              </details>
            )}
          </div>
          <button className="icon-button" aria-label="Dismiss message" title="Dismiss" onClick={() => dismiss(m.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
