// Fused softmax + CE + soft Dice, step 2 of the forward pass (src/gpu/fusedCeDice.ts): sums the per-workgroup rows
// of softmax_ce_dice_forward.wgsl into the totals and turns those into the two losses.
//
//   totals = Σ_rows partials: [Σ m·CE_v, Σ m, I_0 … I_{K−1}, D_0 … D_{K−1}]
//   losses[0] = CE   = totals[0] / max(Σ m, 1)                                   (PromptSSL eq 12, DuSSS eq 15)
//   losses[1] = Dice = 1 − mean_{k ≥ firstClass} (2 I_k + ε) / (D_k + ε)         (TAK L_s, L_u; batch Dice)
// firstClass is 0 when the background is scored, else 1.
//
// Bindings: 0 totals [2 + 2K] (written; the backward pass reads it), 1 losses [2] (written), 2 partials [P, 2 + 2K],
// 3 uniforms { groups = P, eps, firstClass }.
//
// Tiling: one workgroup of 64 threads. Thread t sums rows t, t + 64, … of every slot serially, the 64 partial sums
// meet in workgroup memory [slot][thread] and halve together (6 barriers); thread 0 writes the results. Dispatch
// exactly one workgroup.
//
// Limits: K ≤ 24, as in the forward shader. P is unbounded, but the serial part grows as P / 64 per slot.

const WG: u32 = 64u;

override K: u32 = 2u;

struct Params {
  groups: u32,
  eps: f32,
  firstClass: u32,
}

@group(0) @binding(0) var<storage, read_write> totals: array<f32>;
@group(0) @binding(1) var<storage, read_write> losses: array<f32>;
@group(0) @binding(2) var<storage, read> partials: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> red: array<f32, 3200>; // (2 + 2 · 24) slots · WG, [slot][thread]

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  let slots = 2u + 2u * K;
  for (var s = 0u; s < slots; s++) {
    var acc = 0.0;
    for (var row = lid; row < params.groups; row += WG) {
      acc += partials[row * slots + s];
    }
    red[s * WG + lid] = acc;
  }
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    for (var idx = lid; idx < slots * half; idx += WG) {
      let s = idx / half;
      let l = idx % half;
      red[s * WG + l] += red[s * WG + l + half];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    for (var s = 0u; s < slots; s++) {
      totals[s] = red[s * WG];
    }
    losses[0] = red[0] / max(red[WG], 1.0);
    var sum = 0.0;
    for (var k = params.firstClass; k < K; k++) {
      let inter = red[(2u + k) * WG];
      let denom = red[(2u + K + k) * WG];
      sum += (2.0 * inter + params.eps) / (denom + params.eps);
    }
    losses[1] = 1.0 - sum / f32(K - params.firstClass);
  }
}
