/*
 * The knobs of stage 1 of `promptssl` and `duss` (vision–language pre-training, VlmPretrainer.ts) and their
 * defaults. No tfjs here: the presets in config.ts, which the main thread reads, are built from these.
 */
import { DEFAULT_AUGMENT, type AugmentConfig } from '../../data/augment2d.ts';
import { DEFAULT_TEXT_AUGMENT, type TextAugmentConfig } from '../../text/textAugment.ts';

/** Stage-1 objective: PromptSSL's GLsc (eq 1–7) or DuSSS (SSS eq 1–4 inside CMC eq 5–8 and IMC eq 9). */
export type VlmObjective = 'glsc' | 'dusss';

/** Every knob of pre-training, one comment each. */
export interface VlmPretrainConfig {
  objective: VlmObjective;
  /** Distinct image–text pairs per step (fewer when the workspace has fewer distinct texts). */
  batch: number;
  /** Peak Adam learning rate and warm-up steps (constant afterwards; pre-training is interactive). */
  lr: number;
  warmupSteps: number;
  /**
   * D_u = a·D_2W + b (PromptSSL eq 4, DuSSS eq 2): a > 0 scales the uncertainty, b shifts it. The papers give no
   * values. D_2W sums over the E embedding dimensions (tens at initialisation for E = 64) while D_s ≤ 2 on unit
   * vectors, so with a = 1 the factor exp(−λ D_u/D_s) is ≈ 0 for every pair, ŝim ≈ 1 everywhere and the InfoNCE has
   * no signal; a = 0.02 puts D_u/D_s near 1 at the start (measured in VlmPretrainer.node.test.ts).
   */
  a: number;
  b: number;
  /** λ > 0 of PromptSSL eq 5 / DuSSS eq 4: how strongly uncertainty relaxes the similarity. Not given by the papers. */
  lambda: number;
  /** GLsc term weights (PromptSSL adds L_LS and L_GS). */
  glscWeights: { ls: number; gs: number };
  /**
   * L_LS's 1/σ_k² weights (PromptSSL eq 2). 'none' is eq 2 as printed: with σ_k² ~ 10⁻³ the logits reach 10⁴/τ and
   * the first steps are spent shrinking them (loss ≈ 300 at step 0). 'meanOverPatches' (default) divides each image's
   * weights by their mean, so a low-variance patch still gets the sharper loss but the overall scale stays 1/τ.
   */
  localWeightNormalization: 'none' | 'meanOverPatches';
  /** DuSSS term weights (L_VLM = L_cmc + L_imc). */
  dusssWeights: { cmc: number; imc: number };
  /** DuSSS eq 6–7 with the printed D_SSS denominators (ablation; default uses ŝim, METHOD.md). */
  literalDenominator: boolean;
  /** Image augmentation of both views, and the T2T text augmentation of DuSSS's IMC. */
  augment: AugmentConfig;
  textAugment: TextAugmentConfig;
  /** Token budget per text ([CLS] and [SEP] included). */
  maxTokens: number;
  /**
   * D_2W of the global term on L2-normalised Gaussian means (uncertainty.ts). Off: the papers' raw means, which on a
   * two-text workspace drift apart until the term goes quiet (docs/semi-supervision-audit.md). A switch for the harness.
   */
  normalizeGaussianMeans: boolean;
}

export const DEFAULT_VLM_PRETRAIN: VlmPretrainConfig = {
  objective: 'dusss',
  batch: 8,
  lr: 1e-3,
  warmupSteps: 20,
  a: 0.02,
  b: 0,
  lambda: 1,
  glscWeights: { ls: 1, gs: 1 },
  localWeightNormalization: 'meanOverPatches',
  dusssWeights: { cmc: 1, imc: 1 },
  literalDenominator: false,
  augment: { ...DEFAULT_AUGMENT, noiseProb: 0.5, noiseSd: 0.1 },
  textAugment: { ...DEFAULT_TEXT_AUGMENT },
  maxTokens: 32,
  normalizeGaussianMeans: false,
};
