// Fused softmax + masked cross-entropy + soft Dice, backward pass (src/gpu/fusedCeDice.ts): ∂L/∂z for
// L = dy_0 · CE + dy_1 · Dice in one pass over the voxels, from the totals the forward pass left.
//
// With p = softmax(z) recomputed per voxel, S = Σ_k g_k, M = max(Σ m, 1), K' the number of scored classes and
// I_k, D_k the batch Dice sums (softmax_ce_dice_forward.wgsl):
//   CE   (PromptSSL eq 12, DuSSS eq 15):  ∂CE/∂z_j = m · (p_j · S − g_j) / M        (S = 1 for one-hot targets)
//   Dice (TAK L_s, L_u):  a_k = ∂Dice/∂p_k = −(1/K') · m · (2 g_k (D_k + ε) − (2 I_k + ε)) / (D_k + ε)²
//                         for scored k (0 for an unscored background), then through the softmax Jacobian
//                         ∂Dice/∂z_j = p_j · (a_j − Σ_k p_k a_k).
//   dz_j = dy_0 · ∂CE/∂z_j + dy_1 · ∂Dice/∂z_j
// M is treated as a constant (the mask gets no gradient), as are the targets.
//
// Bindings: 0 dz [N, K] (written), 1 logits [N, K], 2 target [N, K], 3 mask [N], 4 totals [2 + 2K], 5 dy [2]
// (upstream gradients of CE and Dice, read on the GPU: no read-back), 6 uniforms { n = N, eps, firstClass }.
//
// Tiling: VOXELS_PER_THREAD voxels per thread, strided by WG so neighbouring threads read neighbouring voxels;
// a workgroup covers WG · VOXELS_PER_THREAD consecutive voxels; the grid folds into y past 65535 workgroups
// (gridFor). Purely elementwise: no workgroup memory, no barriers.
//
// Limits: K ≤ MAX_K = 24, as in the forward shader.

const MAX_K: u32 = 24u;

override K: u32 = 2u;
override WG: u32 = 64u;
override VOXELS_PER_THREAD: u32 = 4u;

struct Params {
  n: u32,
  eps: f32,
  firstClass: u32,
}

@group(0) @binding(0) var<storage, read_write> dz: array<f32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<storage, read> totals: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let start = (wid.x + wid.y * nwg.x) * WG * VOXELS_PER_THREAD + lid;
  let ceScale = dy[0] / max(totals[1], 1.0);
  let diceScale = -dy[1] / f32(K - params.firstClass);
  for (var j = 0u; j < VOXELS_PER_THREAD; j++) {
    let v = start + j * WG;
    if (v >= params.n) {
      break;
    }
    gradientAt(v, ceScale, diceScale);
  }
}

fn gradientAt(v: u32, ceScale: f32, diceScale: f32) {
  let base = v * K;
  let m = mask[v];

  var p: array<f32, MAX_K>;
  var zmax = logits[base];
  for (var k = 1u; k < K; k++) {
    zmax = max(zmax, logits[base + k]);
  }
  var total = 0.0;
  for (var k = 0u; k < K; k++) {
    p[k] = exp(logits[base + k] - zmax);
    total += p[k];
  }
  var targetSum = 0.0;
  for (var k = 0u; k < K; k++) {
    p[k] = p[k] / total;
    targetSum += targets[base + k];
  }

  var a: array<f32, MAX_K>;
  var pa = 0.0;
  for (var k = params.firstClass; k < K; k++) {
    let inter = totals[2u + k];
    let denom = totals[2u + K + k] + params.eps;
    a[k] = m * diceScale * (2.0 * targets[base + k] * denom - (2.0 * inter + params.eps)) / (denom * denom);
    pa += p[k] * a[k];
  }
  for (var k = 0u; k < K; k++) {
    dz[base + k] = m * ceScale * (p[k] * targetSum - targets[base + k]) + p[k] * (a[k] - pa);
  }
}
