import { DEFAULT_AUGMENT, type AugmentConfig } from '../data/augment2d.ts';
import { NO_STRONG_AUGMENT, type StrongAugmentConfig } from '../data/strongAugment2d.ts';
import { findMethod, METHOD_NAMES, methodNamed, type MethodName } from './methods/registry.ts';
import { PROMPTSSL_TEXT, type TextGuidanceConfig } from './vlm/textGuidanceConfig.ts';
import { DEFAULT_VLM_PRETRAIN, type VlmPretrainConfig } from './vlm/vlmPretrainConfig.ts';

/** A training method's name (src/train/methods/registry.ts lists them; one file each). */
export type PresetName = MethodName;
export const PRESETS: readonly PresetName[] = METHOD_NAMES;

/** Presets that only exist for one kind of network: the text-mask presets are 2D (their ViT sees slices), TAK is 3D. */
export function presetModelKind(preset: PresetName): ModelKind | null {
  return findMethod(preset)?.network ?? null;
}

/** 2D: a ResUNet over k-slices; 3D: a V-Net over patches of the volume. */
export type ModelKind = '2d' | '3d';

/** Presets whose pseudo-labels are text-guided: they need a pre-trained vision–language model (stage 1). */
export function usesText(preset: PresetName): boolean {
  return findMethod(preset)?.text === 'vision-language';
}

/**
 * Every knob of a training run, with the default that works on the demo. A preset is a training method's named
 * set of switches on this object (docs/METHOD.md "One engine, six presets"); an ablation is a set of runs that
 * differ in one.
 */
export interface TrainConfig {
  /** Which method this run follows. */
  preset: PresetName;
  /** Seeds initialisation, sampling, augmentation and the validation split: same seed, same run. */
  seed: number;
  model: {
    /** ResUNet-2D over slices or V-Net-3D over volume patches; the user picks per dataset. */
    kind: ModelKind;
    /** Channels at full resolution (doubled per level, capped at 8×). */
    width: number;
    /** Number of downsamplings (×2 along each axis the plan downsamples). */
    depth: number;
  };
  /** 3D only: patch [depth, height, width] in voxels, or 'auto' (plan3D: spacing-aware, within patchVoxels). */
  patch3d: [number, number, number] | 'auto';
  /** 3D only: voxel budget of an 'auto' patch. */
  patchVoxels: number;
  /** Sample size [height, width]; 'auto' = the largest slice rounded up to 2^depth, at most 256. */
  patch: [number, number] | 'auto';
  /** Labeled and unlabeled slices per step. */
  batchLabeled: number;
  batchUnlabeled: number;
  optimiser: {
    /** Peak learning rate of Adam. */
    lr: number;
    /** Steps of linear warm-up from lr/10. */
    warmupSteps: number;
    /** 'constant' while a person trains interactively; 'cosine' when the number of steps is known (CLI). */
    schedule: 'constant' | 'cosine';
    /** Total steps for the cosine schedule (0 = open-ended). */
    totalSteps: number;
    /** Decoupled weight decay (AdamW). */
    weightDecay: number;
  };
  supervised: {
    /** Weights of the cross-entropy and soft-Dice parts of L_sup. */
    ceWeight: number;
    diceWeight: number;
    /** Whether Dice also scores background. */
    diceIncludesBackground: boolean;
  };
  /** The teacher–student term on unlabeled slices (off in `supervised`). */
  consistency: {
    /** λ_u at the end of the ramp; 0 switches the term off. */
    weight: number;
    /** Steps over which λ_u ramps up as exp(−5(1 − t)²). */
    rampUpSteps: number;
    /**
     * When > 0 and the run's length is known (optimiser.totalSteps), the ramp lasts this share of it instead of
     * rampUpSteps, so a longer run ramps longer, as the reference mean teachers do (docs/semi-supervision-audit.md).
     */
    rampUpFraction: number;
    /**
     * 'mse' between softmax outputs (mean teacher), 'pseudo-ce' against the teacher's confident argmax, or
     * 'pseudo-ce-dice': CE + Dice against the teacher's pseudo-labels (TAK eq 4).
     */
    kind: 'mse' | 'pseudo-ce' | 'pseudo-ce-dice';
    /** Teacher confidence below which 'pseudo-ce' ignores a voxel. */
    threshold: number;
    /** 'mse' only: teacher confidence (max class probability) below which a voxel is left out; 0 = every voxel. */
    mseConfidence: number;
  };
  /**
   * The text-guided terms of `promptssl` and `duss` (off in the other presets). With text on, the unlabeled term is
   * L_semi (PromptSSL eq 13–15, DuSSS eq 16–18) instead of the mean teacher's consistency, weighted by the same
   * ramped λ_u(t) (consistency.weight and rampUpSteps); the papers add L_semi with weight 1, which the ramp reaches.
   */
  text: TextGuidanceConfig & {
    enabled: boolean;
    /** L_semi^merged, CE(y_u^s, σ(y_u^t + y_u^text)) (PromptSSL eq 13 / DuSSS eq 16). */
    merged: boolean;
    /** L_semi^text, CE(y_u^s, y_u^text) (eq 14 / 17). With both on, L_semi is their mean (eq 15 / 18). */
    textTerm: boolean;
    /** How a non-distribution target enters the CE (textMaskLosses.ts TargetMode); 'normalize' by default. */
    target: 'normalize' | 'raw' | 'binary';
    /**
     * Fill empty class position and shape descriptions from the built-in anatomy defaults (src/text/anatomyDefaults.ts)
     * before the class texts are made, as TAK's prompts are filled, so a class named only "Anterior" is described by where
     * it lies and what form it has (TAK Table 5: position and shape prompts beat names). Off by default: it led on
     * few-slice hippocampus only together with vlm.normalizeGaussianMeans, and that pair cost half a point on MoNuSeg
     * (docs/semi-supervision-audit.md).
     */
    anatomyPrompts: boolean;
  };
  /** Stage 1: vision–language pre-training on the workspace's (slice or region, text) pairs. */
  vlm: VlmPretrainConfig & {
    /** Pre-training steps before segmentation starts (CLI; the app pre-trains on request). */
    steps: number;
    /**
     * 0 = off. Else pre-training goes on past `steps`, one retrieval interval at a time, while held-out retrieval has
     * not left chance, up to this many steps in all (vlm/pretrainLength.ts).
     */
    maxStepsUntilRetrieval: number;
    /** ViT patch side (the ViT's image size is the segmentation patch, so the text mask lines up with it). */
    patchSize: number;
    /** Width of the ViT, the text transformer and the shared space. */
    dim: number;
    /** Transformer blocks in each encoder. */
    depth: number;
  };
  /** TAK (3D): the text-driven dynamic head and the contrastive alignment L_con (the TAK paper, Gu et al., eq 1–5). */
  tak: {
    enabled: boolean;
    /** Hidden width of the controller MLP that turns [T_pos, T_shape, F] into each class's head. */
    controllerHidden: number;
    /** Widths of the dynamic head's hidden 1×1×1 convolutions (8-8-1 in TAK, after [27]). */
    headChannels: [number, number];
    /** λ_c of eq 5 (TAK: 0.1); 0 switches L_con off. */
    conWeight: number;
    /** Steps before L_con joins (TAK: from the 20th epoch). */
    conWarmupSteps: number;
    /** Encoder stages aligned (0 = full resolution). */
    conStages: number[];
    /** λ_N: visual samples per class and stage (TAK: 40). */
    samplesPerClass: number;
    /** Unlabeled voxels join L_con when their teacher entropy (eq 1) is at most this fraction of log K. */
    entropyThreshold: number;
    /** τ of eq 2 (not given by the paper). */
    tau: number;
    /** 'negatives': eq 2 as written; 'all': positives in the denominator too (see contrastiveLoss). */
    denominator: 'negatives' | 'all';
    /** Background gets L_con samples too ('all'), or only the structures ('foreground'; with one structure, all). */
    conClasses: 'foreground' | 'all';
  };
  /** BCP (Bidirectional Copy-Paste, Bai et al., CVPR 2023): read by the `bcp` method only. */
  bcp: {
    /** α: weight of the loss on the voxels pasted from unlabeled samples, against pseudo-labels (BCP: 0.5). */
    alpha: number;
    /** β: side of the pasted box as a share of the patch's, along every axis (BCP: 2/3). */
    boxRatio: number;
    /** Steps of copy-paste between labeled samples before the teacher takes part; it starts as a copy of the student. */
    pretrainSteps: number;
  };
  /** EMA teacher θ_t ← α θ_t + (1 − α) θ_s (DuSSS eq 13); off in `supervised`, whose predictions come from the student. */
  ema: {
    enabled: boolean;
    alpha: number;
    /** With alphaRampSteps > 0, α itself rises linearly from alphaStart to alpha over that many steps. */
    alphaStart: number;
    alphaRampSteps: number;
  };
  /** Augmentation of every training slice. */
  augment: AugmentConfig;
  /** Extra intensity perturbation of the student's view of unlabeled slices. */
  perturb: Pick<AugmentConfig, 'gain' | 'bias' | 'noiseProb' | 'noiseSd'>;
  /** 2D: strong augmentation of the student's unlabeled view only (weak-to-strong consistency); all off by default. */
  strongAugment: StrongAugmentConfig;
  validation: {
    /** Share of labeled slices held out for validation Dice (when the user marked none). */
    fraction: number;
    /** Fewer labeled slices than this: hold none out, every label trains. */
    minLabeledSlices: number;
    /** Validate every this many steps. */
    everySteps: number;
  };
}

export const DEFAULT_CONFIG: TrainConfig = {
  preset: 'mean-teacher',
  seed: 1,
  model: { kind: '2d', width: 16, depth: 3 },
  patch: 'auto',
  patch3d: 'auto',
  patchVoxels: 48 * 48 * 48,
  batchLabeled: 4,
  batchUnlabeled: 4,
  optimiser: { lr: 2e-3, warmupSteps: 30, schedule: 'constant', totalSteps: 0, weightDecay: 1e-5 },
  supervised: { ceWeight: 1, diceWeight: 1, diceIncludesBackground: false },
  consistency: { weight: 1, rampUpSteps: 300, rampUpFraction: 0, kind: 'mse', threshold: 0.8, mseConfidence: 0 },
  text: { ...PROMPTSSL_TEXT, enabled: false, merged: true, textTerm: true, target: 'normalize', anatomyPrompts: false },
  vlm: { ...DEFAULT_VLM_PRETRAIN, steps: 300, maxStepsUntilRetrieval: 0, patchSize: 8, dim: 64, depth: 2 },
  tak: {
    enabled: false,
    controllerHidden: 64,
    headChannels: [8, 8],
    conWeight: 0.1,
    conWarmupSteps: 200,
    conStages: [1, 2],
    samplesPerClass: 40,
    entropyThreshold: 0.3,
    tau: 0.1,
    denominator: 'negatives',
    conClasses: 'foreground',
  },
  bcp: { alpha: 0.5, boxRatio: 2 / 3, pretrainSteps: 200 },
  ema: { enabled: true, alpha: 0.99, alphaStart: 0.99, alphaRampSteps: 0 },
  augment: DEFAULT_AUGMENT,
  perturb: { gain: 0.1, bias: 0.1, noiseProb: 1, noiseSd: 0.1 },
  strongAugment: NO_STRONG_AUGMENT,
  validation: { fraction: 0.2, minLabeledSlices: 5, everySteps: 25 },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (!patch) return base;
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    const b = (base as Record<string, unknown>)[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? merge(b, v as object) : v;
  }
  return out as T;
}

/** The method's switches over the defaults, then any overrides. */
export function presetConfig(preset: PresetName, overrides?: DeepPartial<TrainConfig>): TrainConfig {
  return merge(merge(DEFAULT_CONFIG, { ...methodNamed(preset).switches, preset }), overrides);
}

export type { DeepPartial };
