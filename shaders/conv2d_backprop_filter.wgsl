// ∂w of a 2D convolution (NHWC, dilation 1), pass 1 of 2: tiled implicit GEMM over one split-K chunk.
//
//   dW[m, n] = Σ_k A[m, k] · B[k, n]      m = (ky·kw + kx)·Ci + ci   (M = kh·kw·Ci, the filter rows)
//                                         n = co                     (N = Co)
//                                         k = (b·Ho + oh)·Wo + ow    (K = B·Ho·Wo, the long axis)
//   A[m, k] = x[b, oh·sh + ky − padTop, ow·sw + kx − padLeft, ci]   (0 outside x)
//   B[k, n] = dy[b, oh, ow, co]   — dy is already a row-major K×N matrix.
//
// Bindings: 0 partial (read_write, S·KS×M×N: one slice per chunk and k-group; with S·KS = 1 it is the filter),
//           1 x (read), 2 dy (read), 3 uniform Params.
// Grid: (⌈M/TM⌉, ⌈N/TN⌉, S). Workgroup (i, j, s) computes rows [i·TM, i·TM + TM) × columns [j·TN, j·TN + TN)
// over k ∈ [s·chunkLen, min((s+1)·chunkLen, K)). The S slices are summed by split_k_reduce.wgsl, since WGSL has
// no float atomics. The tiles of one chunk are dispatched next to each other, so they share x and dy in cache.
//
// Tiling: as conv3d_backprop_filter.wgsl, one spatial axis fewer. WM×WN threads, each an 8×8 register block —
// rows 4·(tm + WM·i) + r, columns 4·(tn + WN·j) + c for i, j < 2 and r, c < 4 — so TM = 8·WM, TN = 8·WN; A
// (TK×TM) and B (TK×TN) staged in workgroup memory as vec4s per TK-step; the k → (b, oh, ow) decode done once
// per k, one step ahead, double-buffered (two barriers a step); each thread stages four fixed rows of A, which
// share one tap and one bounds test when TAPS_ALIGNED (Ci a multiple of 4). The block is written out by hand
// because SwiftShader neither unrolls loops nor keeps arrays in registers. KS k-groups per workgroup share the
// staged tiles (group g takes rows kk ≡ g mod KS and writes partial slice wid.z·KS + g), so a small output such as
// the stem's 9×16 still fills a workgroup: see conv3d_backprop_filter.wgsl.
//
// Limits (the wrapper checks them): WM·WN·KS ≤ 256, KS ≤ TK, WN even (so 2·WM divides the workgroup), workgroup memory
// 4·TK·(TM + TN) + 32·TK ≤ 16 KiB, every index < 2³¹, chunkLen a multiple of TK.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  chunkLen: u32,
  inChannels: u32,
  kw: u32,
  outH: u32,
  outW: u32,
  inH: i32,
  inW: i32,
  strideH: i32,
  strideW: i32,
  padTop: i32,
  padLeft: i32,
}

#include "fragments/split_k_gemm_tile"

struct Tap { h: i32, w: i32, offset: i32 }

fn tapOf(m: u32) -> Tap {
  if (m >= p.M) { return Tap(OUTSIDE, 0, 0); }
  let ci = m % p.inChannels;
  let t1 = m / p.inChannels;
  let kx = i32(t1 % p.kw);
  let ky = i32(t1 / p.kw);
  return Tap(ky, kx, (ky * p.inW + kx) * i32(p.inChannels) + i32(ci));
}

fn inside(r: vec4<i32>, t: Tap) -> bool {
  return u32(r.x + t.h) < u32(p.inH) && u32(r.y + t.w) < u32(p.inW);
}

fn decodeRows(kFirst: u32, kEnd: u32, slot: u32, lid: u32) {
  for (var kk = lid; kk < TK; kk += WG) {
    let k = kFirst + kk;
    var r = vec4<i32>(OUTSIDE, 0, 0, 0);
    if (k < kEnd) {
      let ow = k % p.outW;
      let t1 = k / p.outW;
      let oh = t1 % p.outH;
      let b = i32(t1 / p.outH);
      let h0 = i32(oh) * p.strideH - p.padTop;
      let w0 = i32(ow) * p.strideW - p.padLeft;
      r = vec4<i32>(h0, w0, 0, ((b * p.inH + h0) * p.inW + w0) * i32(p.inChannels));
    }
    rows[slot * TK + kk] = r;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  splitKTile(wid, lid);
}
