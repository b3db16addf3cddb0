// EMA teacher update, two weight tensors per dispatch (DuSSS eq 13): θ_t' = a·θ_t + (1 − a)·θ_s.
//
// Bindings (src/gpu/emaUpdate.ts):
//   0 out0      read_write  f32[n0]  new teacher values of tensor 0 (a fresh buffer: never written in place)
//   1 out1      read_write  f32[n1]  new teacher values of tensor 1
//   2 teacher0  read        f32[n0]
//   3 student0  read        f32[n0]
//   4 teacher1  read        f32[n1]
//   5 student1  read        f32[n1]
//   6 p         uniform     { n0, n1, a, b }  with b = 1 − a computed once on the host
//
// Tiling: the two tensors share one concatenated index space of n0 + n1 elements, one element per invocation,
// WG invocations per workgroup, the workgroup count folded into x·y by gridFor (linear workgroup index
// wid.x + wid.y·nwg.x). Index i < n0 is element i of tensor 0, else element i − n0 of tensor 1; the grid may
// overshoot and those invocations return. Coalesced: neighbouring invocations touch neighbouring floats.
//
// Why two tensors per dispatch, and one dispatch per group rather than per model: every tfjs weight lives in its
// own GPUBuffer and each tensor needs three storage bindings (teacher, student, new teacher). tfjs requests its
// device with the default maxStorageBuffersPerShaderStage = 8, so ⌊8 / 3⌋ = 2 tensors fit in one dispatch. One
// dispatch for the whole model would need the weights packed into one buffer first and unpacked after (buffer
// copies of every weight, twice, in and out), which moves more bytes than this memory-bound update itself;
// dispatching per group of two keeps it at the minimum traffic (2 reads + 1 write per weight) and still cuts
// tfjs's three ops (mul, mul, add: 4 reads + 3 writes) per tensor to half a dispatch.
//
// Limits: f32 only; n0 + n1 < 2³²; a group of one binds its own inputs again as tensor 1 (read-only aliases are
// valid) with n1 = 0 and a one-element scratch as out1 (writable bindings must not alias).

struct Params {
  n0: u32,
  n1: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read_write> out0: array<f32>;
@group(0) @binding(1) var<storage, read_write> out1: array<f32>;
@group(0) @binding(2) var<storage, read> teacher0: array<f32>;
@group(0) @binding(3) var<storage, read> student0: array<f32>;
@group(0) @binding(4) var<storage, read> teacher1: array<f32>;
@group(0) @binding(5) var<storage, read> student1: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i < p.n0) {
    out0[i] = p.a * teacher0[i] + p.b * student0[i];
    return;
  }
  let j = i - p.n0;
  if (j < p.n1) {
    out1[j] = p.a * teacher1[j] + p.b * student1[j];
  }
}
