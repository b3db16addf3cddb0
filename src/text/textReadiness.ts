/*
 * Whether the class (and image) descriptions can help the text-guided methods yet, in words a clinician can act on.
 * A text encoder that has learned nothing turns each description into an arbitrary vector: the methods still run,
 * but the words carry no meaning, and the panel must say so rather than imply that the descriptions are read.
 */

export type TextProviderKind = 'learned' | 'import' | 'pretrained';

export interface TextReadinessInput {
  preset: 'promptssl' | 'duss' | 'tak';
  /** The encoder the run uses (once it reported one), else the one chosen for the next run. */
  provider: TextProviderKind;
  /** The run's text encoder as the worker named it, when it has reported one. */
  encoderName: string | null;
  /** Text presets: null before Start, 'pretraining' while the encoders are aligned, 'training' after. */
  phase: 'pretraining' | 'training' | null;
  /** Pre-training steps done and planned (text presets). */
  pretrainStep: number;
  pretrainTotal: number;
  /** The latest held-out image→text retrieval against chance, when measured. */
  retrieval: { accuracy: number; chance: number; pairs: number } | null;
  /**
   * The global image–text term's latest mean uncertainty weight (VlmStepReport.uncertaintyWeight), when reported.
   * Below QUIET_WEIGHT that term passes no gradient (docs/semi-supervision-audit.md).
   */
  globalWeight?: number | null;
}

/**
 * Below this mean weight every ŝim is within 10⁻⁵·(1 − sim) of 1: the whole-slice alignment term has stopped learning,
 * and more pre-training steps will not change that. On the two-text hippocampus workspace the weight dipped to 10⁻⁴
 * and recovered once before it settled at 10⁻⁸–10⁻⁵ for good, so the line sits below the dips.
 */
export const QUIET_WEIGHT = 1e-5;

/** 'none': descriptions carry no meaning yet; 'learning': pre-training is under way; 'weak' / 'ready': measured or given. */
export type TextReadinessLevel = 'none' | 'learning' | 'weak' | 'ready';

export interface TextReadiness {
  level: TextReadinessLevel;
  text: string;
}

/** Retrieval this far above chance means the descriptions carry a usable signal; less, and the text mask is near noise. */
export function retrievalHelps(r: { accuracy: number; chance: number }): boolean {
  return r.accuracy >= Math.min(1, 2 * r.chance) && r.accuracy > r.chance;
}

function pct(x: number): string {
  return `${Math.round(100 * x)} %`;
}

const FIX_TAK =
  'Choose a pretrained text model folder under Text encoder (or a prompt bank file that holds these prompts) so the words about position and shape help.';

export function describeTextReadiness(i: TextReadinessInput): TextReadiness {
  const external = i.provider !== 'learned';
  if (i.preset === 'tak') {
    if (external) {
      const who = i.encoderName ?? 'the chosen text model';
      return {
        level: 'ready',
        text: i.encoderName
          ? `Your class descriptions are read by ${who}, a text model trained elsewhere: their words carry meaning from the first step.`
          : `Your class descriptions will be read by ${who} when training starts, if it holds every prompt; otherwise the untrained text encoder made here is used, and the words carry no meaning.`,
      };
    }
    // TAK has no pre-training stage in the app: the text encoder made here stays as initialised.
    return {
      level: 'none',
      text: `Your class descriptions are not used meaningfully yet: the text encoder made here is untrained (random weights), so each description only tells the classes apart, like a name. ${FIX_TAK}`,
    };
  }
  if (external) {
    return {
      level: 'ready',
      text: `Your descriptions are read by ${i.encoderName ?? 'the chosen text model'}, trained elsewhere, so they carry meaning from the start; pre-training only teaches the image side to match it.`,
    };
  }
  if (i.phase === null) {
    return {
      level: 'none',
      text: 'Your class descriptions are not used meaningfully yet: the text encoder is untrained. Start runs pre-training first, which teaches it from your slices and descriptions; a pretrained text model folder (Text encoder) gives descriptions meaning from the start.',
    };
  }
  if (i.phase === 'pretraining') {
    const w = i.globalWeight;
    if (w !== undefined && w !== null && w < QUIET_WEIGHT) {
      return {
        level: 'weak',
        text: `Pre-training has stalled at step ${i.pretrainStep} of ${i.pretrainTotal}: the part that matches whole slices to texts has stopped learning (its uncertainty weight is ${w.toExponential(0)}). This happens on a workspace with only two or three different texts, and more steps will not fix it. Go on to segmentation, describe more images, or choose a pretrained text model folder.`,
      };
    }
    return {
      level: 'learning',
      text: `The text encoder is learning what your descriptions mean from your slices (step ${i.pretrainStep} of ${i.pretrainTotal}). They help once held-out slices are matched to their own text clearly more often than chance (the retrieval figure).`,
    };
  }
  const r = i.retrieval;
  if (!r) {
    return {
      level: 'weak',
      text: `Pre-training stopped after ${i.pretrainStep} steps without a retrieval measurement, so it is unknown whether your descriptions help. More described images or a pretrained text model folder make it measurable and likelier.`,
    };
  }
  if (retrievalHelps(r)) {
    return {
      level: 'ready',
      text: `Your descriptions help: after ${i.pretrainStep} steps of pre-training, held-out slices are matched to their own text ${pct(r.accuracy)} of the time (chance ${pct(r.chance)}, ${r.pairs} pairs).`,
    };
  }
  return {
    level: 'weak',
    text: `Your descriptions barely help yet: after ${i.pretrainStep} steps of pre-training, held-out slices are matched to their own text ${pct(r.accuracy)} of the time, against ${pct(r.chance)} by chance. Describe more images, pre-train longer, or choose a pretrained text model folder.`,
  };
}
