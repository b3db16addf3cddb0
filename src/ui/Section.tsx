import { useState, type ReactNode } from 'react';
import { saveSectionOpen, sectionStorageKey } from './sectionState.ts';
import './section.css';

export interface SectionProps {
  /** Stable name; the open/closed state is remembered under it. */
  id: string;
  title: string;
  /**
   * Open while the user has not folded or opened it themselves. It may change (a chart section opens once there is
   * something to chart); a choice the user made wins over it.
   */
  defaultOpen?: boolean;
  /** Extra header content beside the title (a count, an "+ Add" button); clicking it does not fold the section. */
  actions?: ReactNode;
  children?: ReactNode;
}

/** The user's own choice for this section, or null while they have not made one (or storage is unavailable). */
function storedChoice(id: string): boolean | null {
  try {
    const stored = globalThis.localStorage?.getItem(sectionStorageKey(id)) ?? null;
    return stored === '1' ? true : stored === '0' ? false : null;
  } catch {
    return null;
  }
}

/**
 * A sidebar panel whose body folds away. The body stays mounted while folded (only hidden) so local state such as
 * a half-typed description or a chosen option survives folding.
 */
export function Section({ id, title, defaultOpen = true, actions, children }: SectionProps) {
  const [chosen, setChosen] = useState<boolean | null>(() => storedChoice(id));
  const open = chosen ?? defaultOpen;
  const bodyId = `section-body-${id}`;
  const toggle = (): void => {
    saveSectionOpen(id, !open);
    setChosen(!open);
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
