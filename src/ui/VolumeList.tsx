import { useState } from 'react';
import { useApp } from '../store/appStore.ts';
import { progressOf } from '../store/selectors.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { Section } from './Section.tsx';

function VolumeItem({ id }: { id: string }) {
  const entry = useApp((s) => s.volumes[id]);
  const active = useApp((s) => s.activeVolumeId === id);
  const setActive = useApp((s) => s.setActiveVolume);
  const remove = useApp((s) => s.removeVolume);
  const [confirming, setConfirming] = useState(false);
  if (!entry) return null;
  const { volume } = entry;
  const p = progressOf(entry);
  const pct = p.total ? (100 * p.labeled) / p.total : 0;
  const [ni, nj, nk] = volume.geometry.dims;
  const kind = volume.source.format === 'dicom' ? 'DICOM' : volume.source.format === 'nifti' ? 'NIfTI' : volume.source.format === 'demo' ? 'Demo' : 'Image';
  return (
    <li
      className={`volume-item${active ? ' active' : ''}`}
      data-testid="volume-item"
      data-volume-id={id}
      data-labeled={p.labeled}
      data-total={p.total}
      aria-current={active ? 'true' : undefined}
    >
      <button
        className="volume-select"
        onClick={() => setActive(id)}
        title={`${volume.name} — ${ni}×${nj}×${nk} voxels${volume.description ? `\n“${volume.description}”` : ''}`}
      >
        <span className="volume-name">{volume.name}</span>
        <span className="volume-meta">
          {kind} · {nk > 1 ? `${ni}×${nj}×${nk}` : `${ni}×${nj}`}
          {volume.channels === 3 ? ' RGB' : ''}
        </span>
        <span className="volume-progress" title={`${p.labeled} of ${p.total} slices labeled (along ${p.axisName})`}>
          <span className="bar">
            <span className="bar-fill" style={{ width: `${pct}%` }} />
          </span>
          <span className="volume-progress-text">
            {p.labeled}/{p.total}
          </span>
        </span>
      </button>
      <button
        className="icon-button remove"
        aria-label={`Close ${volume.name}`}
        title="Close this volume (its labels are discarded)"
        onClick={() => setConfirming(true)}
      >
        ×
      </button>
      {confirming && (
        <ConfirmDialog
          title={`Close ${volume.name}?`}
          body="The volume and its labels leave the workspace. Export its labels first if you want to keep them."
          confirmLabel="Close volume"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            remove(id);
          }}
        />
      )}
    </li>
  );
}

export function VolumeList() {
  const order = useApp((s) => s.volumeOrder);
  return (
    <Section id="dataset" title="Dataset" actions={<span className="count">{order.length}</span>}>
      {order.length === 0 ? (
        <p className="empty next-step" data-testid="dataset-next-step">
          No volume open: press Open files (Ctrl+O) or Open folder, or drop files or a folder anywhere in the window.
        </p>
      ) : (
        <ul className="volume-list" data-testid="volume-list">
          {order.map((id) => (
            <VolumeItem key={id} id={id} />
          ))}
        </ul>
      )}
    </Section>
  );
}
