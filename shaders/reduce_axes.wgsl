// Sum (or mean) over a contiguous run of axes that leaves the innermost axis alone — the reductions instance
// normalisation (mean and variance over the spatial axes, keeping batch and channels) and every broadcast
// gradient (∂bias, ∂γ, ∂β: sum over all but the channel axis) make. tfjs's Sum and Mean transpose such a tensor
// so the reduced axes come last, then reduce; this reads it in place.
//
// The input is viewed as x[A, R, C] (A = the axes before the run, R = the run, C = the axes after it) and
// out[a, c] = scale · Σ_{r < R} x[(a·R + r)·C + c]. R is cut into S chunks of `chunk` rows; with S = 1 this
// writes the output, otherwise one partial per chunk, partial[s·A·C + a·C + c] (the layout of
// split_k_reduce.wgsl, which sums them in slice order: deterministic). `scale` (1 for Sum, 1/R for Mean) is
// applied here, to each partial, so pass 2 is a plain sum.
//
// Bindings: 0 out (read_write; A·C, or S·A·C partials), 1 x (read, A·R·C), 2 uniform Params.
// Grid: [⌈C/TC⌉, S, A]. Workgroup: TC × TR threads (TC·TR ≤ 256, both powers of two): lane c = lid % TC takes
// channel tile·TC + c, lane r = lid / TC takes rows chunkStart + r, + TR, …, so each step of the loop reads TR
// rows of TC adjacent channels (coalesced whenever TC ≥ C or C is a multiple of TC). The TR per-lane sums of each
// channel are then added by a tree in workgroup memory. Limits: A ≤ 65 535, S ≤ 65 535, A·R·C and S·A·C < 2³².

struct Params {
  a: u32,
  r: u32,
  c: u32,
  chunk: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

override TC: u32 = 16;
override TR: u32 = 16;

var<workgroup> lanes: array<f32, 256>;

@compute @workgroup_size(TC * TR)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let laneC = lid % TC;
  let laneR = lid / TC;
  let c = wid.x * TC + laneC;
  let a = wid.z;
  let start = wid.y * p.chunk;
  let end = min(start + p.chunk, p.r);
  var sum = 0.0;
  if (c < p.c) {
    let base = a * p.r * p.c + c;
    for (var r = start + laneR; r < end; r += TR) {
      sum += x[base + r * p.c];
    }
  }
  lanes[lid] = sum;
  workgroupBarrier();
  for (var half = TR / 2u; half > 0u; half = half / 2u) {
    if (laneR < half) {
      lanes[lid] += lanes[lid + half * TC];
    }
    workgroupBarrier();
  }
  if (laneR == 0u && c < p.c) {
    out[wid.y * p.a * p.c + a * p.c + c] = lanes[laneC] * p.scale;
  }
}
