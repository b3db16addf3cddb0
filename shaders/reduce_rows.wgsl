// Sum (or mean) of each short row: out[a] = scale · Σ_{r < R} x[a·R + r] — a reduction over the innermost axes
// when they are few values long and there are many rows, such as the sum over the class axis of a softmax
// ([B, D, H, W, K] → [B, D, H, W]). tfjs's Sum gives every output its own workgroup, which for rows of a few
// values costs far more in workgroup set-up (and, on a software GPU, barrier emulation) than in adds. Here one
// thread adds one row, reading R consecutive values.
//
// Bindings: 0 out (read_write, A), 1 x (read, A·R), 2 uniform Params { rows: A, r: R, scale }.
// Grid: one thread per row, WG per workgroup, folded into [x, y] (dispatch.ts gridFor): the row index is
// (wid.x + wid.y·nwg.x)·WG + lid, and threads past A do nothing. Limits: A·R < 2³²; meant for R up to a few
// hundred (the wrapper sends longer rows to reduce_axes.wgsl).

struct Params {
  rows: u32,
  r: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

#include "fragments/linear_main"

fn perIndex(a: u32) {
  if (a >= p.rows) { return; }
  let base = a * p.r;
  var sum = 0.0;
  for (var r = 0u; r < p.r; r++) {
    sum += x[base + r];
  }
  out[a] = sum * p.scale;
}
