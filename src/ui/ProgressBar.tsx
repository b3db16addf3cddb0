import { useApp } from '../store/appStore.ts';

export function ProgressBar() {
  const progress = useApp((s) => s.progress);
  if (!progress) return null;
  const pct = progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={progress.label} data-testid="progress">
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-label">
        {progress.label} — {progress.done}/{progress.total}
      </span>
    </div>
  );
}
