// Text-guided pseudo-label merge (PromptSSL eq 13, DuSSS eq 16) with its per-voxel statistics, in one dispatch:
//   p = σ(z_t + y_text)  over the K classes of each voxel, σ = softmax over classes or per-class sigmoid,
//   confidence = max_c p_c,
//   entropy    = −Σ_c q_c log q_c / log K  with q = p (softmax) or q = p / max(Σ_c p_c, 1e-6) (sigmoid),
//                terms with q_c ≤ 1e-12 left out — the normalised entropy of the live uncertainty layer
//                (uncertaintyBytes in src/train/TrainingSession.ts), 0 = certain, 1 = uniform. For sigmoid the
//                distribution is the normalised target that 'normalize' cross-entropy trains on.
//
// Bindings (src/gpu/textMerge.ts):
//   0 probs       read_write  f32[n·K]  class-last, like the inputs
//   1 confidence  read_write  f32[n]    (a one-element scratch when p.stats = 0)
//   2 entropy     read_write  f32[n]    (a one-element scratch when p.stats = 0)
//   3 logits      read        f32[n·K]  teacher logits z_t
//   4 text        read        f32[n·K]  text mask y_text
//   5 p           uniform     { n, k, sigmoid (0/1), stats (0/1) }
//
// Tiling: one invocation per voxel, WG per workgroup, workgroup count folded into x·y by gridFor; each invocation
// walks its voxel's K contiguous values a few times (softmax: max, exp and sum, divide; sigmoid: once; the entropy
// once more) from cache, through its own output row, instead of keeping K values in registers, so K is a runtime
// value. No workgroup memory, no barriers: a reduction over a short last axis done with barriers is what software
// GPUs emulate worst (src/model/classAxis.ts). Scalar (not vec4) access: a voxel's K values need not be 16-byte
// aligned. That makes sigmoid without statistics — elementwise, which tfjs runs as two vec4 ops — slower here on
// SwiftShader, so the engine keeps tfjs's route for it (mergedPseudoLabel).
//
// Limits: f32; n·K < 2³²; K ≥ 1 (entropy 0 for K = 1; the wrapper never dispatches K = 0). Softmax is shifted by
// the voxel's max, so any finite logits are safe; sigmoid uses the form that never overflows.

struct Params {
  n: u32,
  k: u32,
  sigmoid: u32,
  stats: u32,
}

@group(0) @binding(0) var<storage, read_write> probs: array<f32>;
@group(0) @binding(1) var<storage, read_write> confidence: array<f32>;
@group(0) @binding(2) var<storage, read_write> entropy: array<f32>;
@group(0) @binding(3) var<storage, read> logits: array<f32>;
@group(0) @binding(4) var<storage, read> text: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

override WG: u32 = 64;

const EPS: f32 = 1e-6;
const TINY: f32 = 1e-12;

// σ(z) from e = exp(−|z|) ∈ (0, 1]: never overflows (WGSL leaves overflow to infinity indeterminate), one exp,
// and branch-free, so invocations of a SIMD group do not take both sides.
fn stableSigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  let r = 1.0 / (1.0 + e);
  return select(e * r, r, z >= 0.0);
}

// −Σ q log q / log K over probs[base .. base + k) divided by norm (terms with q ≤ TINY left out).
fn normalisedEntropy(base: u32, norm: f32) -> f32 {
  if (p.k < 2u) {
    return 0.0;
  }
  var h = 0.0;
  for (var c = 0u; c < p.k; c++) {
    let q = probs[base + c] / norm;
    if (q > TINY) {
      h -= q * log(q);
    }
  }
  return h / log(f32(p.k));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let v = (wid.x + wid.y * nwg.x) * WG + lid;
  if (v >= p.n) {
    return;
  }
  let base = v * p.k;
  var best = 0.0;
  var norm = 1.0;

  if (p.sigmoid != 0u) {
    // Sigmoid: one pass writes p; its sum is only the entropy's normaliser.
    var s = 0.0;
    for (var c = 0u; c < p.k; c++) {
      let prob = stableSigmoid(logits[base + c] + text[base + c]);
      probs[base + c] = prob;
      s += prob;
      best = max(best, prob);
    }
    norm = max(s, EPS);
  } else {
    // Softmax: the voxel's largest merged logit (the shift), then exp(z − m) written and summed, then divided —
    // one exp per class; the second and third passes re-read values this invocation just wrote.
    var m = logits[base] + text[base];
    for (var c = 1u; c < p.k; c++) {
      m = max(m, logits[base + c] + text[base + c]);
    }
    var s = 0.0;
    for (var c = 0u; c < p.k; c++) {
      let e = exp(logits[base + c] + text[base + c] - m);
      probs[base + c] = e;
      s += e;
    }
    let inv = 1.0 / s;
    for (var c = 0u; c < p.k; c++) {
      let prob = probs[base + c] * inv;
      probs[base + c] = prob;
      best = max(best, prob);
    }
  }

  if (p.stats != 0u) {
    confidence[v] = best;
    entropy[v] = normalisedEntropy(base, norm);
  }
}
