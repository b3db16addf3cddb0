import { useApp } from '../store/appStore.ts';
import { LAYER_NAMES, type LayerName } from '../store/layersSlice.ts';
import { CONFIDENCE_STEP, LAYER_KEYS } from './shortcuts.ts';
import { Section } from './Section.tsx';
import './layers.css';

interface LayerInfo {
  label: string;
  /** What the layer shows, in the user's words; the shortcut is appended. */
  help: string;
  testId: string;
  /** Said in place of the layer when the model has not produced it for this volume yet. */
  empty: string;
  /** Drawn in class colours (outline and faint fill) rather than as a heat map. */
  classes: boolean;
}

const LAYER_INFO: Record<LayerName, LayerInfo> = {
  pseudo: {
    label: 'Pseudo-label',
    help: "The model's labels for each slice, refreshed as it learns; drawn as a light outline in the class colour, only where the model is at least as confident as the threshold below",
    testId: 'layer-pseudo',
    empty: 'appears once training predicts this volume',
    classes: true,
  },
  uncertainty: {
    label: 'Uncertainty',
    help: 'Where the model is unsure (normalised entropy of its prediction), as a heat map: label there next',
    testId: 'layer-uncertainty',
    empty: 'appears once training predicts this volume',
    classes: false,
  },
  predictions: {
    label: 'Predictions',
    help: 'The whole-volume segmentation from "Predict all", the one Export predictions writes',
    testId: 'layer-predictions',
    empty: 'appears after "Predict all"',
    classes: true,
  },
  textMask: {
    label: 'Text mask',
    help: 'Where each class’s description points on this image (text-guided methods)',
    testId: 'layer-text-mask',
    empty: 'appears with a text-guided method',
    classes: true,
  },
  merged: {
    label: 'Merged pseudo-label',
    help: 'What the model learns from on unlabeled slices: its own pseudo-label combined with the text mask (text-guided methods)',
    testId: 'layer-merged',
    empty: 'appears with a text-guided method',
    classes: true,
  },
  activation: {
    label: 'Text activation',
    help: 'How strongly one class’s description matches each pixel, as a heat map; choose the class below',
    testId: 'layer-activation',
    empty: 'appears with a text-guided method',
    classes: false,
  },
};

/** Which layers the model has produced for the volume on screen. */
function useAvailable(): Record<LayerName, boolean> {
  const prediction = useApp((s) => (s.activeVolumeId ? s.training.predictions[s.activeVolumeId] : undefined));
  const predicted = useApp((s) => !!s.activeVolumeId && !!s.training.fullPredictions[s.activeVolumeId]);
  const text = !!prediction?.text;
  return { pseudo: !!prediction, uncertainty: !!prediction, predictions: predicted, textMask: text, merged: text, activation: text };
}

function LayerRow({ name, available }: { name: LayerName; available: boolean }) {
  const style = useApp((s) => s.layers.styles[name]);
  const setLayerStyle = useApp((s) => s.setLayerStyle);
  const info = LAYER_INFO[name];
  const key = `Shift+${LAYER_KEYS[name]}`;
  const title = `${info.help}. Show or hide: ${key}${available ? '' : ` (${info.empty})`}`;
  return (
    <div className={`layer-row${available ? '' : ' empty'}`} data-layer={name} data-testid={`layer-row-${name}`}>
      <label className="layer-toggle" title={title}>
        <input type="checkbox" data-testid={info.testId} checked={style.visible} onChange={(e) => setLayerStyle(name, { visible: e.currentTarget.checked })} />
        <span className={`layer-swatch ${info.classes ? 'classes' : 'heat'}`} aria-hidden="true" />
        <span className="layer-name">{info.label}</span>
        <kbd className="layer-key" aria-label={key}>
          ⇧{LAYER_KEYS[name]}
        </kbd>
      </label>
      {/* Only a layer that is drawn has an opacity to set; hiding the slider keeps the list one line per layer. */}
      {style.visible && (
        <label className="layer-opacity" title={`${info.label} opacity`}>
          <input
            type="range"
            min={0.1}
            max={1}
            step={0.05}
            data-testid={`${info.testId}-opacity`}
            aria-label={`${info.label} opacity`}
            value={style.opacity}
            onChange={(e) => setLayerStyle(name, { opacity: Number(e.currentTarget.value) })}
          />
          <output>{Math.round(style.opacity * 100)} %</output>
        </label>
      )}
      {!available && style.visible && <span className="layer-empty">{info.empty}</span>}
    </div>
  );
}

function ConfidenceThreshold() {
  const threshold = useApp((s) => s.layers.confidenceThreshold);
  const set = useApp((s) => s.setConfidenceThreshold);
  const percent = Math.round(threshold * 100);
  return (
    <label
      className="layer-threshold"
      title={`Pseudo-label pixels where the model is less than ${percent} % sure (1 − normalised entropy) are not drawn, so early guesses do not cover the anatomy. 0 draws every pixel. Keys { and } move it by ${Math.round(CONFIDENCE_STEP * 100)} %.`}
    >
      <span>Show if sure ≥</span>
      <input
        type="range"
        min={0}
        max={1}
        step={0.05}
        data-testid="confidence-threshold"
        aria-label="Pseudo-label confidence threshold"
        value={threshold}
        onChange={(e) => set(Number(e.currentTarget.value))}
      />
      <output data-testid="confidence-threshold-value">{percent} %</output>
    </label>
  );
}

function ActivationClass() {
  const classes = useApp((s) => s.training.trainedClasses);
  const classValue = useApp((s) => s.layers.activationClass);
  const setActivationClass = useApp((s) => s.setActivationClass);
  return (
    <label className="layer-activation-class">
      <span>Activation of</span>
      <select
        data-testid="activation-class"
        value={classValue ?? ''}
        onChange={(e) => setActivationClass(e.currentTarget.value === '' ? null : Number(e.currentTarget.value))}
        title="The class whose text activation the heat map shows"
      >
        <option value="">(choose a class)</option>
        {classes.map((c) => (
          <option key={c.value} value={c.value}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Every layer the model draws over the image, in one list: each has its own switch (off draws nothing), opacity and
 * shortcut, and the pseudo-label has a confidence threshold below which it is not drawn.
 */
export function LayersPanel() {
  const available = useAvailable();
  const anyText = available.textMask;
  return (
    <Section id="layers" title="Model layers">
      <div className="layers" data-testid="layers-panel">
        {LAYER_NAMES.map((name) => (
          <LayerRow key={name} name={name} available={available[name]} />
        ))}
        <ConfidenceThreshold />
        {anyText && <ActivationClass />}
        <p className="layer-legend hint">Model layers: outlines in class colours. Your labels: solid.</p>
      </div>
    </Section>
  );
}
