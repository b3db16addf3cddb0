// Logits (or probabilities) [n, K] → class label per voxel, packed four uint8 labels per u32, so what crosses to
// the main thread is n bytes instead of the 4·n·K bytes of the float map.
//
// Label of voxel v = the first c with the largest value over its K classes (fragments/argmax.wgsl: ties and NaN
// go to the lower class, as argmaxClasses in src/train/inference.ts). Byte j (little-endian) of word w is voxel
// 4w + j; the bytes past n in the last word are 0.
//
// Bindings (src/gpu/logitsToLabels.ts):
//   0 labels  read_write  u32[⌈n/4⌉]  (an int32 tensor on the tfjs side, read with data() and viewed as bytes)
//   1 logits  read        f32[n·K]    class-last
//   2 p       uniform     { n, k }
//
// Tiling: one invocation per output word (four voxels), so every word has one writer and needs no atomics; WG
// invocations per workgroup, workgroup count folded into x·y by gridFor. Each invocation reads 4·K contiguous
// floats. No workgroup memory, no barriers.
//
// Limits: 1 ≤ K ≤ 256 (a label is one byte); n·K < 2³².

struct Params {
  n: u32,
  k: u32,
}

@group(0) @binding(0) var<storage, read_write> labels: array<u32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

#include "fragments/linear_main"
#include "fragments/argmax"

fn perIndex(w: u32) {
  if (w >= (p.n + 3u) / 4u) {
    return;
  }
  var word = 0u;
  for (var j = 0u; j < 4u; j++) {
    let v = w * 4u + j;
    if (v >= p.n) {
      break;
    }
    word = word | (argmaxAt(v * p.k).label << (8u * j));
  }
  labels[w] = word;
}
