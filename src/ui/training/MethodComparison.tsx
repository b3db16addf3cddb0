import { useMemo, useState } from 'react';
import { compareRuns, type ComparisonRow } from '../../app/training/methodComparison.ts';
import { useApp } from '../../store/appStore.ts';
import { Section } from '../Section.tsx';
import { methodShortName } from './MethodSelect.tsx';
import './methodComparison.css';

const SPARK_W = 44;
const SPARK_H = 18;

const dice = (v: number | null): string => (v === null ? '–' : v.toFixed(3));

/** Each class's Dice at the row's latest validation, in words: the row's tooltip and its detail line. */
function perClassText(r: ComparisonRow): string {
  if (!r.latest) return `${methodShortName(r.preset)}: no validation yet`;
  const classes = r.latest.perClass.map((c) => `${c.name} ${dice(c.dice)}`).join(', ');
  return `${methodShortName(r.preset)} at step ${r.latest.step}: ${classes}`;
}

/** The row's mean Dice by step on a fixed 0–1 scale (rows share it), its best point marked. */
function Sparkline({ row }: { row: ComparisonRow }) {
  if (row.curve.length === 0) return <svg className="mc-spark" width={SPARK_W} height={SPARK_H} aria-hidden="true" />;
  const first = row.curve[0]!.step;
  const span = Math.max(row.curve[row.curve.length - 1]!.step - first, 1);
  const x = (step: number): number => (row.curve.length === 1 ? SPARK_W / 2 : ((step - first) / span) * (SPARK_W - 4) + 2);
  const y = (mean: number): number => SPARK_H - 2 - mean * (SPARK_H - 4);
  const points = row.curve.map((p) => `${x(p.step).toFixed(1)},${y(p.mean).toFixed(1)}`).join(' ');
  return (
    <svg className="mc-spark" width={SPARK_W} height={SPARK_H} aria-hidden="true">
      <polyline points={points} fill="none" strokeWidth="1.5" />
      {row.best && <circle cx={x(row.best.step)} cy={y(row.best.mean)} r="2" />}
    </svg>
  );
}

function Row({ row, onShow }: { row: ComparisonRow; onShow: (key: string) => void }) {
  const latest = row.latest?.mean ?? null;
  const facts = `${row.network.toUpperCase()} · ${row.size} · ${row.step} step${row.step === 1 ? '' : 's'}`;
  const best = row.best ? ` · best ${dice(row.best.mean)} at ${row.best.step}` : '';
  return (
    // Focusable so the per-class Dice (the detail line) is reachable from the keyboard, not only on hover.
    <li
      tabIndex={0}
      className={`mc-row${row.winner ? ' winner' : ''}${row.ranked ? '' : ' unranked'}`}
      data-testid="mc-row"
      data-key={row.key}
      data-winner={row.winner}
      data-ranked={row.ranked}
      data-latest={latest ?? ''}
      title={perClassText(row)}
      onMouseEnter={() => onShow(row.key)}
      onFocus={() => onShow(row.key)}
    >
      <div className="mc-line">
        <span className="mc-name">
          {row.winner && (
            <span className="mc-best" aria-label="best">
              ★{' '}
            </span>
          )}
          {methodShortName(row.preset)}
        </span>
        <span className="mc-bar" aria-hidden="true">
          <span style={{ width: `${Math.max(0, Math.min(1, latest ?? 0)) * 100}%` }} />
        </span>
        <span className="mc-dice">{dice(latest)}</span>
        <Sparkline row={row} />
      </div>
      <div className="mc-facts">
        {facts}
        {row.ranked ? best : ` · not ranked: ${row.notComparable}`}
      </div>
    </li>
  );
}

/**
 * "Methods on this workspace": every stored run's validation Dice side by side, the winner marked, and rows that
 * were validated on other slices or classes shown but not ranked. The ranking is methodComparison.ts.
 */
export function MethodComparison() {
  const runs = useApp((s) => s.training.savedRuns);
  const comparison = useMemo(() => compareRuns(runs), [runs]);
  const [shown, setShown] = useState<string | null>(null);
  const { rows, winner, sliceCount, cautions } = comparison;
  const detail = rows.find((r) => r.key === shown) ?? winner ?? null;
  const ranked = rows.filter((r) => r.ranked).length;
  return (
    // Folded until a run is stored: on a first visit its one hint would push Predict all below a 1000 px window.
    <Section id="training-methods" title="Methods on this workspace" defaultOpen={rows.length > 0}>
      <div className="training method-comparison" data-testid="method-comparison">
        {rows.length > 0 && (
          <>
            <p className="hint">
              Latest validation mean Dice
              {sliceCount !== null ? ` on the same ${sliceCount} held-out slice${sliceCount === 1 ? '' : 's'}` : ''}; hover or focus a row for each class.
            </p>
            <ul className="mc-rows" aria-label="Validation Dice per stored run">
              {rows.map((r) => (
                <Row key={r.key} row={r} onShow={setShown} />
              ))}
            </ul>
            {detail && (
              <p className="hint mc-detail" data-testid="mc-detail" aria-live="polite">
                {perClassText(detail)}
              </p>
            )}
          </>
        )}
        {ranked < 2 && (
          <p className="hint" data-testid="mc-empty">
            {rows.length > ranked ? 'A run is ranked only once validated on the same slices and classes as the others. ' : ''}
            Train two methods to compare them here: each keeps its own checkpoint, and both are measured on the same held-out slices.
          </p>
        )}
        {ranked >= 2 && !winner && <p className="hint">The ranked runs are even to three decimals.</p>}
        {ranked >= 2 && rows.length > ranked && <p className="hint">Runs validated on other slices or classes are shown, not ranked.</p>}
        {cautions.map((c) => (
          <p key={c} className="hint" data-testid="mc-caution">
            {c}
          </p>
        ))}
      </div>
    </Section>
  );
}
