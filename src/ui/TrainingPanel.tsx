import { useApp } from '../store/appStore.ts';
import { Section } from './Section.tsx';
import { TextGuidancePanel } from './TextGuidancePanel.tsx';
import { MethodComparison } from './training/MethodComparison.tsx';
import { PredictAndModel } from './training/PredictAndModel.tsx';
import { ReviewControls } from './training/ReviewControls.tsx';
import { RunControls } from './training/RunControls.tsx';
import { RunStatus } from './training/RunStatus.tsx';
import { TrainingCharts } from './training/TrainingCharts.tsx';

export function TrainingPanel() {
  // An empty chart only takes room the Review controls need on a 1000 px screen; it opens with the first step.
  const hasCurves = useApp((s) => s.training.losses.length > 0 || s.training.validation.length > 0);
  return (
    // Folding sections (remembered per browser) lets the panel fit a 1000 px screen; folded parts stay mounted.
    <div className="training-sections" data-testid="training-panel">
      <Section id="training" title="Training">
        <div className="training">
          <RunControls />
          <RunStatus />
          <TextGuidancePanel />
        </div>
      </Section>
      <Section id="training-charts" title="Loss and validation" defaultOpen={hasCurves}>
        <div className="training">
          <TrainingCharts />
        </div>
      </Section>
      <MethodComparison />
      <Section id="training-review" title="Review">
        <div className="training">
          <ReviewControls />
        </div>
      </Section>
      <Section id="training-model" title="Predictions and model">
        <div className="training">
          <PredictAndModel />
        </div>
      </Section>
    </div>
  );
}
