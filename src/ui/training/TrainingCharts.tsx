import { useApp } from '../../store/appStore.ts';
import { hexColor } from '../../volume/classes.ts';
import { LineChart } from '../LineChart.tsx';

/** The loss curves and each class's validation Dice, by step. */
export function TrainingCharts() {
  const losses = useApp((s) => s.training.losses);
  const validation = useApp((s) => s.training.validation);
  const classes = useApp((s) => s.training.trainedClasses);
  const colours = useApp((s) => s.classes);
  const info = useApp((s) => s.training.info);
  const latest = validation[validation.length - 1];
  const lossSeries = [
    { name: 'total', color: '#e4e7ee', points: losses.map((l) => [l.step, l.total] as [number, number]) },
    { name: 'CE', color: '#38bdf8', points: losses.map((l) => [l.step, l.ce] as [number, number]) },
    { name: 'Dice', color: '#f472b6', points: losses.map((l) => [l.step, l.dice] as [number, number]) },
  ];
  if (losses.some((l) => l.consistency > 0))
    lossSeries.push({ name: 'consistency', color: '#fbbf24', points: losses.map((l) => [l.step, l.consistency] as [number, number]) });
  const diceSeries = classes.map((c, n) => ({
    name: c.name,
    color: hexColor(colours.find((x) => x.value === c.value)?.color ?? [200, 200, 200]),
    points: validation.filter((v) => v.dice[n] !== null && v.dice[n] !== undefined).map((v) => [v.step, v.dice[n]!] as [number, number]),
  }));
  return (
    <>
      <h3 className="subhead">Loss</h3>
      <LineChart series={lossSeries} logY xLabel="step" testId="loss-chart" formatY={(y) => (y >= 0.1 ? y.toFixed(2) : y.toExponential(0))} />
      <h3 className="subhead">
        Validation Dice
        <span className="val-dice" data-testid="val-dice" data-dice={latest?.mean ?? ''}>
          {latest?.mean !== null && latest?.mean !== undefined ? ` ${latest.mean.toFixed(3)} mean` : ' –'}
        </span>
      </h3>
      {info && info.validationSlices === 0 ? (
        <p className="hint">No slices are held out: label 5 or more slices (a share is held out), or mark a labeled slice "use for validation".</p>
      ) : (
        <LineChart series={diceSeries} yRange={[0, 1]} xLabel="step" formatY={(y) => y.toFixed(2)} />
      )}
    </>
  );
}
