import { useState, type ReactNode } from 'react';
import { loadSectionOpen, saveSectionOpen } from './sectionState.ts';
import './section.css';

export interface SectionProps {
  /** Stable name; the open/closed state is remembered under it. */
  id: string;
  title: string;
  /** Open on a first visit; rarely-used sections start folded so the sidebar fits a 1000 px screen. */
  defaultOpen?: boolean;
  /** Extra header content beside the title (a count, an "+ Add" button); clicking it does not fold the section. */
  actions?: ReactNode;
  children?: ReactNode;
}

/**
 * A sidebar panel whose body folds away. The body stays mounted while folded (only hidden) so local state such as
 * a half-typed description or a chosen option survives folding.
 */
export function Section({ id, title, defaultOpen = true, actions, children }: SectionProps) {
  const [open, setOpen] = useState(() => loadSectionOpen(id, defaultOpen));
  const bodyId = `section-body-${id}`;
  const toggle = (): void => {
    setOpen((was) => {
      saveSectionOpen(id, !was);
      return !was;
    });
  };
  return (
    <section className={`panel section${open ? ' open' : ' folded'}`} data-section={id} data-testid={`section-${id}`}>
      <h2 className="panel-title section-header">
        <button
          type="button"
          className="section-toggle"
          aria-expanded={open}
          aria-controls={bodyId}
          data-testid={`section-toggle-${id}`}
          title={open ? `Fold ${title}` : `Show ${title}`}
          onClick={toggle}
        >
          <span className="section-chevron" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          {title}
        </button>
        {actions}
      </h2>
      <div id={bodyId} className="section-body" hidden={!open}>
        {children}
      </div>
    </section>
  );
}
