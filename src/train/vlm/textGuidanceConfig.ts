/*
 * The knobs of stage 2 of `promptssl` and `duss` (the grounding decoder, TextGuidance.ts) and each method's
 * defaults. No tfjs here: the presets in config.ts, which the main thread reads, are built from these.
 */

export interface TextGuidanceConfig {
  /** PromptSSL's softmax over classes with s_c stacking (eq 8), or DuSSS's per-class sigmoid (eq 11). */
  form: 'softmax' | 'sigmoid';
  /** The decoder's own supervision on labeled pixels (METHOD.md: "Train the decoder on labeled pixels"). */
  headWeight: number;
  /** λ_i of L_region (PromptSSL eq 9) and λ_f of L_feat (eq 10); the paper gives no values. 0 switches a term off. */
  regionWeight: number;
  featWeight: number;
  /** Weight of L_tg (DuSSS eq 12; the paper adds it with weight 1). */
  tgWeight: number;
  /** The decoder's Adam learning rate. */
  lr: number;
}

export const PROMPTSSL_TEXT: TextGuidanceConfig = { form: 'softmax', headWeight: 1, regionWeight: 0.1, featWeight: 0.1, tgWeight: 0, lr: 2e-3 };
export const DUSS_TEXT: TextGuidanceConfig = { form: 'sigmoid', headWeight: 1, regionWeight: 0, featWeight: 0, tgWeight: 1, lr: 2e-3 };
