import { PRESETS, type PresetName } from '../../train/config.ts';

/** What each training method is called in the panel: its name, then what it learns from. */
const PRESET_LABELS: Record<PresetName, string> = {
  supervised: 'Supervised (labeled slices only)',
  'mean-teacher': 'Mean teacher (labeled + unlabeled)',
  promptssl: 'PromptSSL (mean teacher + prompt-guided mask)',
  duss: 'DuSSS (mean teacher + text-guided mask)',
  tak: 'TAK (3D V-Net guided by class descriptions)',
};

/** The full label of a method, as the select shows it. */
export function methodLabel(preset: PresetName): string {
  return PRESET_LABELS[preset];
}

/**
 * The method's short name ("Mean teacher"), for sentences about a saved run. A stored run may name a method this
 * build does not know; it is then shown as stored.
 */
export function methodShortName(preset: string): string {
  return (PRESET_LABELS as Record<string, string>)[preset]?.split(' (')[0] ?? preset;
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
            {PRESET_LABELS[p]}
          </option>
        ))}
      </select>
    </label>
  );
}
