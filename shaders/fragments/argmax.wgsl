// The class argmax of one voxel, shared by logits_to_labels.wgsl and logits_to_live_layer.wgsl.
//
// The including shader declares `logits` (f32, class-last) and `p` with the class count `k` (≥ 1).

struct Best {
  label: u32,
  value: f32,
}

// The first c with the largest logits[base + c] over the k classes (strict >, so ties and NaN go to the lower
// class, as argmaxClasses in src/train/inference.ts), and that largest value.
fn argmaxAt(base: u32) -> Best {
  var best = Best(0u, logits[base]);
  for (var c = 1u; c < p.k; c++) {
    let value = logits[base + c];
    if (value > best.value) {
      best = Best(c, value);
    }
  }
  return best;
}
