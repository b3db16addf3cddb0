import { useMemo } from 'react';
import { compareRuns } from '../../app/training/methodComparison.ts';
import { useApp } from '../../store/appStore.ts';
import { PRESETS, type PresetName } from '../../train/config.ts';
import { findMethod } from '../../train/methods/registry.ts';

/** The full label of a method, as the select shows it. */
export function methodLabel(preset: PresetName): string {
  // Each method declares its own label (train/methods/*.ts); the panel shows what the registry says.
  return findMethod(preset)?.label ?? preset;
}

/**
 * The method's short name ("Mean teacher"), for sentences about a saved run. A stored run may name a method this
 * build does not know; it is then shown as stored.
 */
export function methodShortName(preset: string): string {
  return findMethod(preset)?.label.split(' (')[0] ?? preset;
}

/**
 * The training method select; a method is chosen while training is stopped. Beside it, the method that wins on the
 * workspace's own validation slices: the panel starts at that one on load (savedRuns.ts), never over the user's choice.
 */
export function MethodSelect({ value, disabled, onChange }: { value: PresetName; disabled: boolean; onChange: (preset: PresetName) => void }) {
  const runs = useApp((s) => s.training.savedRuns);
  const winner = useMemo(() => compareRuns(runs).winner, [runs]);
  return (
    <>
      <label className="field">
        <span>Method</span>
        <select
          data-testid="method-select"
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.currentTarget.value as PresetName)}
          title="The training method (docs: METHOD.md); change it while training is stopped"
        >
          {PRESETS.map((p) => (
            <option key={p} value={p} title={findMethod(p)?.summary}>
              {methodLabel(p)}
            </option>
          ))}
        </select>
      </label>
      {winner?.latest && (
        <span
          className="hint method-best"
          data-testid="method-best"
          data-preset={winner.preset}
          title={`Latest validation mean Dice of the stored ${methodShortName(winner.preset)} model (${winner.network.toUpperCase()}, ${winner.size}, step ${winner.step}), against the other methods validated on the same held-out slices`}
        >
          best on your validation slices: {methodShortName(winner.preset)} {winner.latest.mean.toFixed(2)}
        </span>
      )}
    </>
  );
}
