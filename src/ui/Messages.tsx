import { useEffect, useState } from 'react';
import { useApp } from '../store/appStore.ts';
import { nextFade } from '../store/messageList.ts';
import './messages.css';

/**
 * The message area: a strip in the layout below the images, never a layer over the panels, so no message can cover
 * a control. Errors and warnings stay until dismissed; information fades on its own (messageList.ts), but not
 * while the pointer is over the area, and they get a full period again when it leaves. Errors are alerts (screen
 * readers announce them); warnings and information are polite status.
 */
export function Messages() {
  const messages = useApp((s) => s.messages);
  const dismiss = useApp((s) => s.dismissMessage);
  const fade = useApp((s) => s.fadeMessages);
  const hold = useApp((s) => s.holdMessages);
  const [hovered, setHovered] = useState(false);

  useEffect(() => {
    if (hovered) return;
    const next = nextFade(messages);
    if (next === null) return;
    const timer = window.setTimeout(() => fade(Date.now()), Math.max(0, next - Date.now()) + 20);
    return () => window.clearTimeout(timer);
  }, [messages, hovered, fade]);

  if (messages.length === 0) return null;
  return (
    <div
      className="message-area"
      data-testid="message-area"
      aria-live="polite"
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => {
        setHovered(false);
        hold(Date.now());
      }}
    >
      {messages.map((m) => (
        <div
          key={m.id}
          className={`message message-${m.severity}`}
          role={m.severity === 'error' ? 'alert' : 'status'}
          data-testid={m.severity === 'error' ? 'app-error' : 'app-message'}
          data-count={m.count}
        >
          <div className="message-text">
            {m.subject && <strong>{m.subject}: </strong>}
            {m.text}
            {m.count > 1 && (
              <span className="message-count" data-testid="message-count" title={`Said ${m.count} times`}>
                ×{m.count}
              </span>
            )}
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
