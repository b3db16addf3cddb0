import type { ModelKind, PresetName } from '../../train/config.ts';
import { findMethod } from '../../train/methods/registry.ts';

const NETWORK_LABELS: Record<ModelKind, string> = {
  '2d': '2D ResUNet · slices',
  '3d': '3D V-Net · volume patches',
};

const NETWORK_TITLE =
  '2D: a ResUNet learns from each slice on its own: quick, light on memory, works for any image. ' +
  '3D: a V-Net learns from blocks of the volume, so it sees the slices above and below: slower and hungrier for memory, ' +
  'but it keeps structures consistent across slices. Choose while training is stopped.';

/** Why a method holds the network, in its own words (train/methods/*.ts), shown beside the locked choice. */
const lockReason = (preset: PresetName): string | undefined => findMethod(preset)?.networkReason;

/** The network's name and what it learns from, as the select and the run's summary line show it. */
export function networkLabel(kind: ModelKind): string {
  return NETWORK_LABELS[kind];
}

/**
 * The network select. A method that needs one network (`held`) locks it, and the reason is shown beside the
 * select; otherwise it is chosen while training is stopped.
 */
export function NetworkSelect({
  preset,
  value,
  held,
  disabled,
  onChange,
}: {
  preset: PresetName;
  value: ModelKind;
  held: boolean;
  disabled: boolean;
  onChange: (kind: ModelKind) => void;
}) {
  return (
    <>
      <label className="field" title={held ? lockReason(preset) : NETWORK_TITLE}>
        <span>Network</span>
        <select
          data-testid="network-select"
          value={value}
          disabled={disabled || held}
          aria-describedby={held ? 'network-lock' : undefined}
          onChange={(e) => onChange(e.currentTarget.value as ModelKind)}
          title={held ? lockReason(preset) : NETWORK_TITLE}
        >
          {(['2d', '3d'] as const).map((k) => (
            <option key={k} value={k}>
              {NETWORK_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {held && (
        <p className="hint network-lock" id="network-lock" data-testid="network-lock">
          {lockReason(preset)}
        </p>
      )}
    </>
  );
}
