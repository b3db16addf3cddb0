// Pass 2 of a split-K GEMM: out[i] = Σ_{s < S} partial[s·L + i] for i < L (L = M·N, the GEMM's output size).
// WGSL has no float atomics, so pass 1 writes one slice per K-chunk and this pass sums them, in slice order, so
// the result is deterministic.
//
// Bindings: 0 out (read_write, L), 1 partial (read, S·L), 2 uniform Params { length: L, slices: S }.
// Grid: one thread per output element, WG per workgroup, folded into [x, y] (dispatch.ts gridFor): the linear
// workgroup index is wid.x + wid.y·nwg.x and threads past L do nothing. Adjacent threads read adjacent elements
// of each slice, so every slice is read once, coalesced. Limits: S·L < 2³².

struct Params {
  length: u32,
  slices: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

#include "fragments/linear_main"

fn perIndex(i: u32) {
  if (i >= p.length) { return; }
  var sum = 0.0;
  for (var s = 0u; s < p.slices; s++) {
    sum += partial[s * p.length + i];
  }
  out[i] = sum;
}
