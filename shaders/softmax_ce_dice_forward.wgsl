// Fused softmax + masked cross-entropy + soft-Dice partial sums, forward pass (src/gpu/fusedCeDice.ts).
//
// For every voxel v with logits z_v ∈ R^K, target g_v ∈ R^K and mask m_v, with p_v = softmax(z_v) computed stably
// (z − max z), this accumulates the 2 + 2K sums the two losses need (PromptSSL eq 12 / DuSSS eq 15 L_sup, TAK L_s
// and L_u):
//   slot 0        Σ_v m_v · (−Σ_k g_vk log p_vk)        cross-entropy numerator
//   slot 1        Σ_v m_v                                labeled-voxel count
//   slot 2 + k    Σ_v m_v · p_vk · g_vk                  Dice intersection I_k
//   slot 2 + K + k Σ_v m_v · (p_vk + g_vk)              Dice denominator D_k
// and writes one row of those per workgroup; softmax_ce_dice_reduce.wgsl sums the rows (WGSL has no float atomics).
//
// Bindings: 0 partials [P, 2 + 2K] (written), 1 logits [N, K], 2 target [N, K], 3 mask [N], 4 uniforms
// { n = N, groups = P }. Any leading shape is flattened by the caller; the class axis is the last, contiguous.
//
// Tiling: a workgroup of WG = 64 threads owns a run of 64 · VOXELS_PER_THREAD consecutive voxels; thread t reads
// voxels start + t, start + t + 64, … (neighbouring threads read neighbouring voxels) and keeps its sums in
// registers. The 64 threads' rows then meet in workgroup memory, laid out [slot][thread], and a tree reduction
// halves all slots at once: log2(64) = 6 barriers per workgroup whatever K is. The wrapper picks
// VOXELS_PER_THREAD (8…128) for about 256 workgroups: barriers are what software GPUs pay most for. The grid may
// be folded into y (gridFor); the linear workgroup index is wid.x + wid.y · nwg.x, and rows ≥ P are skipped.
//
// Limits: K ≤ MAX_K = 24 (2 + 2K slots × 64 threads must fit 12.8 KB of workgroup memory; the wrapper routes
// larger K to the tfjs ops). f32 throughout; a voxel with m = 0 still contributes m · (its terms), so a NaN logit
// there poisons the sums exactly as the tfjs-op route does.

const WG: u32 = 64u;
const MAX_K: u32 = 24u;
const MAX_SLOTS: u32 = 50u; // 2 + 2 · MAX_K

override K: u32 = 2u;
override VOXELS_PER_THREAD: u32 = 8u;

struct Params {
  n: u32,
  groups: u32,
}

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> red: array<f32, 3200>; // MAX_SLOTS · WG, [slot][thread]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  if (group >= params.groups) {
    return; // uniform: the whole workgroup leaves together
  }
  let slots = 2u + 2u * K;

  var ce = 0.0;
  var count = 0.0;
  var inter: array<f32, MAX_K>;
  var denom: array<f32, MAX_K>;
  var e: array<f32, MAX_K>;
  let start = group * WG * VOXELS_PER_THREAD;
  for (var j = 0u; j < VOXELS_PER_THREAD; j++) {
    let v = start + j * WG + lid;
    if (v >= params.n) {
      break;
    }
    let base = v * K;
    var zmax = logits[base];
    for (var k = 1u; k < K; k++) {
      zmax = max(zmax, logits[base + k]);
    }
    var total = 0.0;
    for (var k = 0u; k < K; k++) {
      e[k] = exp(logits[base + k] - zmax);
      total += e[k];
    }
    let logTotal = log(total);
    let m = mask[v];
    var ceVoxel = 0.0;
    for (var k = 0u; k < K; k++) {
      let g = targets[base + k];
      let pk = e[k] / total;
      // log p_k = (z_k − max) − log Σ exp(z − max)
      ceVoxel -= g * ((logits[base + k] - zmax) - logTotal);
      inter[k] += m * pk * g;
      denom[k] += m * (pk + g);
    }
    ce += m * ceVoxel;
    count += m;
  }

  red[lid] = ce;
  red[WG + lid] = count;
  for (var k = 0u; k < K; k++) {
    red[(2u + k) * WG + lid] = inter[k];
    red[(2u + K + k) * WG + lid] = denom[k];
  }
  workgroupBarrier();
  // All slots halve together: at step `half`, the pairs (slot, lane < half) are spread over the 64 threads.
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    for (var idx = lid; idx < slots * half; idx += WG) {
      let s = idx / half;
      let l = idx % half;
      red[s * WG + l] += red[s * WG + l + half];
    }
    workgroupBarrier();
  }
  for (var s = lid; s < slots; s += WG) {
    partials[group * slots + s] = red[s * WG];
  }
}
