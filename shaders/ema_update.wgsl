// EMA teacher update over all weights in one dispatch (DuSSS eq 13): θ_t' = a·θ_t + (1 − a)·θ_s.
//
// Bindings (src/gpu/emaUpdate.ts):
//   0 teacher  read_write  f32[n]  every teacher weight packed end to end; updated in place (it is our scratch)
//   1 student  read        f32[n]  the student's weights packed in the same order
//   2 p        uniform     { n, a, b }  with b = 1 − a computed once on the host
//
// tfjs keeps each weight tensor in its own GPUBuffer, and a default device binds 8 storage buffers per stage, so
// a dispatch cannot see a whole model's weights in place. The wrapper packs them instead: buffer-to-buffer copies
// of every teacher and student tensor into these two buffers, this one dispatch, then copies out into fresh
// per-tensor teacher buffers. Copies are DMA work with no shader or bind group behind them, so a model of ~100
// weight tensors costs one pipeline dispatch instead of 300 tfjs ops (mul, mul, add per tensor).
//
// Tiling: one element per invocation, WG invocations per workgroup, the workgroup count folded into x·y by
// gridFor (linear workgroup index wid.x + wid.y·nwg.x); invocations past n return. Coalesced: neighbouring
// invocations touch neighbouring floats. Limits: f32 only; n < 2³² and 4n within maxStorageBufferBindingSize
// (the wrapper splits a larger model into several packs).

struct Params {
  n: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read_write> teacher: array<f32>;
@group(0) @binding(1) var<storage, read> student: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

#include "fragments/linear_main"

fn perIndex(i: u32) {
  if (i < p.n) {
    teacher[i] = p.a * teacher[i] + p.b * student[i];
  }
}
