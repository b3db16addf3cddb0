// Logits [n, K] → the two byte maps of a live layer in one pass: the label (argmax class) and the uncertainty
// (normalised entropy of softmax(logits) × 255) of every pixel, each packed four bytes per u32. What the worker
// reads back per pixel is 2 bytes instead of the 4·K bytes of a probability map, and the CPU has no map to turn
// into these two.
//
// Label of pixel v = the first c with the largest logit (fragments/argmax.wgsl: ties and NaN go to the lower
// class, as argmaxClasses in src/train/inference.ts). Uncertainty = min(255, ⌊255 · H / ln K + 0.5⌋) with
// H = −Σ_c q_c ln q_c, q = softmax(z), computed as H = ln s − Σ_c e_c (z_c − m) / s with m = max z,
// e_c = exp(z_c − m), s = Σ e_c (no log of a tiny q); as uncertaintyBytes, which rounds half up. The caller passes
// norm = 255 / ln K (0 for K = 1). Byte j (little-endian) of word w is pixel 4w + j; bytes past n are 0.
//
// Bindings (src/gpu/liveLayer.ts):
//   0 labels       read_write  u32[⌈n/4⌉]
//   1 uncertainty  read_write  u32[⌈n/4⌉]
//   2 logits       read        f32[n·K]  class-last
//   3 p            uniform     { n, k, norm }
//
// Tiling: one invocation per output word (four pixels), so every word has one writer; WG invocations per
// workgroup, the count folded into x·y by gridFor. Each invocation reads 4·K contiguous floats twice (max, then
// the sums). No workgroup memory, no barriers. Limits: 1 ≤ K ≤ 256; n·K < 2³².

struct Params {
  n: u32,
  k: u32,
  norm: f32,
}

@group(0) @binding(0) var<storage, read_write> labels: array<u32>;
@group(0) @binding(1) var<storage, read_write> uncertainty: array<u32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

#include "fragments/linear_main"
#include "fragments/argmax"

fn perIndex(w: u32) {
  if (w >= (p.n + 3u) / 4u) {
    return;
  }
  var labelWord = 0u;
  var uncertaintyWord = 0u;
  for (var j = 0u; j < 4u; j++) {
    let v = w * 4u + j;
    if (v >= p.n) {
      break;
    }
    let base = v * p.k;
    let top = argmaxAt(base);
    let m = top.value;
    var s = 0.0;
    var weighted = 0.0;
    for (var c = 0u; c < p.k; c++) {
      let d = logits[base + c] - m;
      let e = exp(d);
      s += e;
      weighted += e * d;
    }
    let h = max(log(s) - weighted / s, 0.0);
    let byte = min(255u, u32(floor(h * p.norm + 0.5)));
    labelWord = labelWord | (top.label << (8u * j));
    uncertaintyWord = uncertaintyWord | (byte << (8u * j));
  }
  labels[w] = labelWord;
  uncertainty[w] = uncertaintyWord;
}
