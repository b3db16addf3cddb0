// ∂w of a 3D convolution (NDHWC, dilation 1), pass 1 of 2: tiled implicit GEMM over one split-K chunk.
//
//   dW[m, n] = Σ_k A[m, k] · B[k, n]      m = ((kz·kh + ky)·kw + kx)·Ci + ci   (M = kd·kh·kw·Ci, the filter rows)
//                                         n = co                                (N = Co)
//                                         k = ((b·Do + od)·Ho + oh)·Wo + ow     (K = B·Do·Ho·Wo, the long axis)
//   A[m, k] = x[b, od·sd + kz − padFront, oh·sh + ky − padTop, ow·sw + kx − padLeft, ci]   (0 outside x)
//   B[k, n] = dy[b, od, oh, ow, co]   — dy is already a row-major K×N matrix.
//
// Bindings: 0 partial (read_write, S·KS×M×N: one slice per chunk and k-group; with S·KS = 1 it is the filter),
//           1 x (read), 2 dy (read), 3 uniform Params.
// Grid: (⌈M/TM⌉, ⌈N/TN⌉, S). Workgroup (i, j, s) computes rows [i·TM, i·TM + TM) × columns [j·TN, j·TN + TN)
// over k ∈ [s·chunkLen, min((s+1)·chunkLen, K)). The S slices are summed by split_k_reduce.wgsl, since WGSL has
// no float atomics. The tiles of one chunk are dispatched next to each other, so they share x and dy in cache.
//
// Tiling (fragments/split_k_gemm_tile.wgsl, shared with conv2d_backprop_filter.wgsl): WM×WN threads, each
// holding an 8×8 register block — rows 4·(tm + WM·i) + r and columns
// 4·(tn + WN·j) + c for i, j < 2 and r, c < 4 — so TM = 8·WM and TN = 8·WN. Per TK-step of k the workgroup
// stages A (TK×TM) and B (TK×TN) in workgroup memory as vec4s of four rows / four columns. The k → (b, od, oh,
// ow) decode (integer divisions) is done once per k for the whole workgroup, one step ahead, into a
// double-buffered table, so a step costs two barriers. Each thread stages A for four fixed rows, so their
// m → (kz, ky, kx, ci) decode happens once per thread; with TAPS_ALIGNED (Ci a multiple of 4) the four rows
// share one tap and one bounds test. The 8×8 block is written out by hand: SwiftShader does not unroll loops or
// keep arrays in registers, and real GPUs lose nothing by it.
//
// K-groups: a small output (a stem: M = 27 taps of one input channel, N = 16) makes a tile of only 8 threads,
// which leaves most of a GPU's SIMD lanes (and SwiftShader's) idle and gives each thread the whole gather of A.
// With KS > 1 the workgroup is KS groups of WM×WN threads that share the staged tiles, group g taking the rows
// kk ≡ g (mod KS) of each TK-step and writing its own partial slice wid.z·KS + g; split_k_reduce.wgsl sums the
// S·KS slices. All WM·WN·KS threads stage A and B, so the gather is spread KS times thinner too.
//
// Limits (the wrapper checks them): WM·WN·KS ≤ 256, KS ≤ TK, WN even (so 2·WM divides the workgroup), workgroup memory
// 4·TK·(TM + TN) + 32·TK ≤ 16 KiB, every index < 2³¹, chunkLen a multiple of TK.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  chunkLen: u32,
  inChannels: u32,
  kh: u32,
  kw: u32,
  outD: u32,
  outH: u32,
  outW: u32,
  inD: i32,
  inH: i32,
  inW: i32,
  strideD: i32,
  strideH: i32,
  strideW: i32,
  padFront: i32,
  padTop: i32,
  padLeft: i32,
}

#include "fragments/split_k_gemm_tile"

struct Tap { d: i32, h: i32, w: i32, offset: i32 }

fn tapOf(m: u32) -> Tap {
  if (m >= p.M) { return Tap(OUTSIDE, 0, 0, 0); }
  let ci = m % p.inChannels;
  let t1 = m / p.inChannels;
  let kx = i32(t1 % p.kw);
  let t2 = t1 / p.kw;
  let ky = i32(t2 % p.kh);
  let kz = i32(t2 / p.kh);
  return Tap(kz, ky, kx, ((kz * p.inH + ky) * p.inW + kx) * i32(p.inChannels) + i32(ci));
}

fn inside(r: vec4<i32>, t: Tap) -> bool {
  return u32(r.x + t.d) < u32(p.inD) && u32(r.y + t.h) < u32(p.inH) && u32(r.z + t.w) < u32(p.inW);
}

fn decodeRows(kFirst: u32, kEnd: u32, slot: u32, lid: u32) {
  for (var kk = lid; kk < TK; kk += WG) {
    let k = kFirst + kk;
    var r = vec4<i32>(OUTSIDE, 0, 0, 0);
    if (k < kEnd) {
      let ow = k % p.outW;
      let t1 = k / p.outW;
      let oh = t1 % p.outH;
      let t2 = t1 / p.outH;
      let od = t2 % p.outD;
      let b = i32(t2 / p.outD);
      let d0 = i32(od) * p.strideD - p.padFront;
      let h0 = i32(oh) * p.strideH - p.padTop;
      let w0 = i32(ow) * p.strideW - p.padLeft;
      r = vec4<i32>(d0, h0, w0, (((b * p.inD + d0) * p.inH + h0) * p.inW + w0) * i32(p.inChannels));
    }
    rows[slot * TK + kk] = r;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  splitKTile(wid, lid);
}
