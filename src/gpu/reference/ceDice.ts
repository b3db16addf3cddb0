/**
 * CPU twin of the fused softmax + masked cross-entropy + soft-Dice kernel (shaders/softmax_ce_dice_*.wgsl): the
 * spec the kernel and the tfjs-op route (maskedCrossEntropy + maskedSoftDice in src/train/losses.ts) are both
 * checked against. Plain loops in float64, voxel by voxel; any leading shape is flattened, class axis last.
 *
 *   CE   = Σ_v m_v · (−Σ_k g_vk log p_vk) / max(Σ_v m_v, 1)                 (PromptSSL eq 12, DuSSS eq 15: L_sup)
 *   Dice = 1 − mean_{k scored} (2 Σ_v m_v p_vk g_vk + ε) / (Σ_v m_v (p_vk + g_vk) + ε)   (TAK L_s and L_u)
 *
 * with p_v = softmax(z_v); the background (k = 0) is scored only with includeBackground. The gradient is that of
 * dCe · CE + dDice · Dice with respect to the logits, the mask and targets held constant.
 */

export interface CeDiceCase {
  /** [N · K] logits, voxel-major. */
  logits: Float32Array;
  /** [N · K] targets: one-hot, soft, or multi-hot (Σ_k g_k ≠ 1 is allowed). */
  target: Float32Array;
  /** [N] mask: 1 where the voxel carries ground truth. */
  mask: Float32Array;
  classes: number;
}

export interface CeDiceReferenceOptions {
  includeBackground: boolean;
  eps: number;
  /** Upstream gradients [dCe, dDice] that the returned gradient is weighted by (default [1, 1]). */
  upstream?: readonly [number, number];
}

export interface CeDiceReferenceResult {
  ce: number;
  dice: number;
  /** ∂(dCe · CE + dDice · Dice)/∂z, [N · K]. */
  grad: Float64Array;
}

export function ceDiceReference(c: CeDiceCase, opts: CeDiceReferenceOptions): CeDiceReferenceResult {
  const K = c.classes;
  const N = c.mask.length;
  if (c.logits.length !== N * K || c.target.length !== N * K)
    throw new Error(`ceDiceReference: ${c.logits.length} logits and ${c.target.length} targets do not match ${N} voxels × ${K} classes`);
  const [dCe, dDice] = opts.upstream ?? [1, 1];
  const first = opts.includeBackground ? 0 : 1;
  const scored = K - first;

  // Forward: softmax per voxel, then the sums.
  const probs = new Float64Array(N * K);
  let ceSum = 0;
  let count = 0;
  const inter = new Float64Array(K);
  const denom = new Float64Array(K);
  for (let v = 0; v < N; v++) {
    const base = v * K;
    let zmax = -Infinity;
    for (let k = 0; k < K; k++) zmax = Math.max(zmax, c.logits[base + k]!);
    let total = 0;
    for (let k = 0; k < K; k++) total += Math.exp(c.logits[base + k]! - zmax);
    const logTotal = Math.log(total);
    const m = c.mask[v]!;
    let ceVoxel = 0;
    for (let k = 0; k < K; k++) {
      const g = c.target[base + k]!;
      const logP = c.logits[base + k]! - zmax - logTotal;
      const p = Math.exp(logP);
      probs[base + k] = p;
      ceVoxel -= g * logP;
      inter[k] = inter[k]! + m * p * g;
      denom[k] = denom[k]! + m * (p + g);
    }
    ceSum += m * ceVoxel;
    count += m;
  }
  const countGuarded = Math.max(count, 1);
  const ce = ceSum / countGuarded;
  let diceMean = 0;
  for (let k = first; k < K; k++) diceMean += (2 * inter[k]! + opts.eps) / (denom[k]! + opts.eps);
  const dice = 1 - diceMean / scored;

  // Backward: ∂CE/∂z_j = m (p_j Σg − g_j) / max(Σm, 1); ∂Dice/∂p_k then the softmax Jacobian.
  const grad = new Float64Array(N * K);
  const a = new Float64Array(K);
  for (let v = 0; v < N; v++) {
    const base = v * K;
    const m = c.mask[v]!;
    let targetSum = 0;
    for (let k = 0; k < K; k++) targetSum += c.target[base + k]!;
    let pa = 0;
    for (let k = 0; k < K; k++) {
      if (k < first) {
        a[k] = 0;
        continue;
      }
      const d = denom[k]! + opts.eps;
      // ∂/∂p_k of −(1/K') (2I_k + ε)/(D_k + ε), with ∂I_k/∂p_k = m g_k and ∂D_k/∂p_k = m.
      a[k] = ((-dDice / scored) * (2 * m * c.target[base + k]! * d - (2 * inter[k]! + opts.eps) * m)) / (d * d);
      pa += probs[base + k]! * a[k]!;
    }
    for (let k = 0; k < K; k++) {
      const p = probs[base + k]!;
      grad[base + k] = (dCe * m * (p * targetSum - c.target[base + k]!)) / countGuarded + p * (a[k]! - pa);
    }
  }
  return { ce, dice, grad };
}
