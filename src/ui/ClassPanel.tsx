import { useState } from 'react';
import { useApp } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { hexColor, parseHexColor, type ClassDef } from '../volume/classes.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { CLINICAL_TEXT_FIELD } from './clinicalText.ts';
import { Section } from './Section.tsx';

function TrashIcon() {
  return (
    <svg viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.4" aria-hidden="true">
      <path d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4M6.8 6.5v5M9.2 6.5v5" />
    </svg>
  );
}

function ClassItem({ c, position, count }: { c: ClassDef; position: number; count: number }) {
  const active = useApp((s) => s.activeClassValue === c.value);
  const setActive = useApp((s) => s.setActiveClass);
  const update = useApp((s) => s.updateClass);
  const move = useApp((s) => s.moveClass);
  const del = useApp((s) => s.deleteClass);
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  return (
    <li className={`class-item${active ? ' active' : ''}`} data-testid="class-item" data-value={c.value} aria-current={active ? 'true' : undefined}>
      <div className="class-row">
        <input
          type="radio"
          name="active-class"
          checked={active}
          onChange={() => setActive(c.value)}
          aria-label={`Paint with ${c.name}`}
          title={position < 9 ? `Paint with this class (${position + 1})` : 'Paint with this class'}
        />
        <input
          type="color"
          className="swatch"
          value={hexColor(c.color)}
          aria-label={`Colour of ${c.name}`}
          title="Change colour"
          onChange={(e) => update(c.value, { color: parseHexColor(e.currentTarget.value) })}
        />
        {/* A one-line textarea so long names ("Inferior vena cava") wrap instead of being cut off; Enter ends the edit. */}
        <textarea
          {...CLINICAL_TEXT_FIELD}
          rows={1}
          className="class-name"
          value={c.name}
          aria-label="Class name"
          data-testid="class-name"
          title={`${c.name} — label value ${c.value} in exported files`}
          onFocus={() => setActive(c.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
          onChange={(e) => update(c.value, { name: e.currentTarget.value.replace(/[\r\n]+/g, ' ') })}
        />
        <span className="class-value" title="Voxel value in exported label files">
          {c.value}
        </span>
        <button
          className="icon-button"
          aria-label={open ? 'Hide description' : 'Edit description'}
          aria-expanded={open}
          title="Position and shape description (used for text guidance), and the class's place in the list"
          onClick={() => setOpen((o) => !o)}
        >
          ✎
        </button>
        <button
          className="icon-button danger-hover"
          aria-label={`Delete ${c.name}`}
          data-testid="class-delete"
          title="Delete class"
          onClick={() => setConfirming(true)}
        >
          <TrashIcon />
        </button>
      </div>
      {open && (
        <div className="class-text">
          {/* Reordering is rare: its buttons live here, leaving the row's width to the class name. */}
          <div className="class-order">
            <span>Order</span>
            <button className="small" aria-label="Move up" title="Move up in the list" disabled={position === 0} onClick={() => move(c.value, position - 1)}>
              ↑ Up
            </button>
            <button
              className="small"
              aria-label="Move down"
              title="Move down in the list"
              disabled={position === count - 1}
              onClick={() => move(c.value, position + 1)}
            >
              ↓ Down
            </button>
          </div>
          <label>
            <span>Position</span>
            <textarea
              {...CLINICAL_TEXT_FIELD}
              rows={2}
              data-testid="class-position"
              placeholder="Where it lies, relative to its neighbours"
              value={c.position}
              onChange={(e) => update(c.value, { position: e.currentTarget.value })}
            />
          </label>
          <label>
            <span>Shape</span>
            <textarea
              {...CLINICAL_TEXT_FIELD}
              rows={2}
              data-testid="class-shape"
              placeholder="What it looks like: size, form, boundary"
              value={c.shape}
              onChange={(e) => update(c.value, { shape: e.currentTarget.value })}
            />
          </label>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Delete class "${c.name}"?`}
          body={`Every voxel labeled "${c.name}" in every volume becomes background. This cannot be undone.`}
          confirmLabel="Delete class"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            del(c.value);
          }}
        />
      )}
    </li>
  );
}

/** What to do next in this panel, when something is missing: a class, a chosen class, a first painted slice. */
function ClassNextStep() {
  const hasClasses = useApp((s) => s.classes.length > 0);
  const hasActive = useApp((s) => s.activeClassValue !== null && s.classes.some((c) => c.value === s.activeClassValue));
  const hasVolume = useApp((s) => activeEntry(s) !== null);
  const unlabeled = useApp((s) => {
    const e = activeEntry(s);
    return !!e && e.labels.slices.every((axis) => axis.every((p) => p === 0));
  });
  let text: string | null = null;
  if (!hasClasses) text = 'No classes yet: press + Add for each structure you want to segment, and name it.';
  else if (!hasActive) text = 'Pick a class to paint with (its round button, or keys 1–9).';
  else if (hasVolume && unlabeled) text = 'No labels yet on this volume: paint the structure on a few slices (Brush, B), then press Start under Training.';
  if (!text) return null;
  return (
    <p className="empty next-step" data-testid="class-next-step">
      {text}
    </p>
  );
}

export function ClassPanel() {
  const classes = useApp((s) => s.classes);
  const add = useApp((s) => s.addClass);
  return (
    <Section
      id="classes"
      title="Classes"
      actions={
        <>
          <span className="count">{classes.length}</span>
          <button className="small add" data-testid="add-class" title="Add a class" onClick={() => add()}>
            + Add
          </button>
        </>
      }
    >
      <ul className="class-list" data-testid="class-list">
        {classes.map((c, n) => (
          <ClassItem key={c.value} c={c} position={n} count={classes.length} />
        ))}
      </ul>
      <ClassNextStep />
    </Section>
  );
}
