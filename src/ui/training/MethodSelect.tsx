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

/** The training method select; a method is chosen while training is stopped. */
export function MethodSelect({ value, disabled, onChange }: { value: PresetName; disabled: boolean; onChange: (preset: PresetName) => void }) {
  return (
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
          <option key={p} value={p}>
            {methodLabel(p)}
          </option>
        ))}
      </select>
    </label>
  );
}
