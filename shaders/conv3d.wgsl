// Conv3D (tfjs kernel 'Conv3D'), NDHWC, as a tiled implicit GEMM.
//
//   y[M, N] = A[M, K] · F[K, N]
//   M = B·Do·Ho·Wo output voxels (row m = ((b·Do + od)·Ho + oh)·Wo + ow), N = Co,
//   K = kd·kh·kw·Ci (column k = ((kz·kh + ky)·kw + kx)·Ci + ci, the filter's own row-major order, so F is the
//   filter [kd, kh, kw, Ci, Co] read as a K×N matrix),
//   A[m, k] = x[b, od·sd − front + kz, oh·sh − top + ky, ow·sw − left + kx, ci], gathered on the fly, never
//   materialised; a coordinate outside x reads 0, which is the zero padding ('same', 'valid', any stride).
//
// Bindings: @binding(0) y (written), @binding(1) x, @binding(2) filter, @binding(3) Params (uniform, 4-byte
// scalars only). Entry point main.
//
// Tiling: a workgroup of WM×WN threads owns a TM×TN tile of y, TM = 8·WM rows, TN = 4·WN columns. Each thread
// accumulates an 8×4 register block: columns 4·tx…4·tx+3, rows 4·ty…4·ty+3 and TM/2 + 4·ty…+3 (two vec4 row
// groups, so neighbouring threads read neighbouring vec4s of workgroup memory). K is walked in slabs of TK:
// the workgroup stages A[TM×TK] and F[TK×TN] in workgroup memory, both transposed to [k][vec4 of rows or
// columns] with one vec4 of padding per k row against bank conflicts; then every thread does TK steps of
// 3 vec4 reads and 32 FMAs. Two barriers per slab, so TK is as large as 16 KiB of workgroup memory allows:
// barriers are what a software GPU (SwiftShader) pays most for.
// Gathering A: the unit of work is 4 rows × 4 consecutive k. With CI_QUADS (Ci % 4 == 0) the 4 k are 4
// channels of one tap, so one bounds test per row serves 4 contiguous loads; otherwise each k is tested apart.
// Units are spread k-quad fastest across threads (contiguous channels, coalesced reads). A thread always
// gathers the same one or two row groups, whose window corners are decoded once before the K loop, and the same
// k quad of each slab, whose tap it steps by TK without dividing (integer division is slow on every GPU).
// Edges: rows m ≥ M, columns n ≥ N and k ≥ K read 0 and are not written; no size needs to be a tile multiple.
// The tile and its K loop are fragments/gemm_8x4_tile.wgsl, shared with conv3d_backprop_input.wgsl; this file
// says where A's rows and taps lie in x, how F is staged and where y is written.
//
// Workgroups: a 1-D count mTiles·nTiles (n-tile fastest, so workgroups sharing A rows run together), folded
// into x and y by gridFor; the tile is wid.x + wid.y·nwg.x and surplus workgroups return.
//
// Limits (src/gpu/conv3d.ts checks them and otherwise lets tfjs's kernel run): float32, dilation 1, NDHWC;
// indices are i32, so every tensor must hold < 2³¹ elements and fit one storage binding. Overrides must keep
// TK a multiple of 4 with TK ≤ 4·WN (at most two row groups per thread), TK/4 dividing WM·WN and
// TK·(2·WM + WN + 2)·16 bytes ≤ 16 KiB of workgroup memory.

struct Params {
  inD: i32, inH: i32, inW: i32, inC: i32,
  outD: i32, outH: i32, outW: i32, outC: i32,
  kD: i32, kH: i32, kW: i32,
  strideD: i32, strideH: i32, strideW: i32,
  padFront: i32, padTop: i32, padLeft: i32,
  M: i32, K: i32,
  mTiles: u32, nTiles: u32,
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> filt: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

override CI_QUADS: bool = true;    // Ci % 4 == 0: four consecutive k share a tap
override A_QUADS: bool = CI_QUADS;

#include "fragments/gemm_8x4_tile"

// A row past M: its depth corner is so negative that every tap reads as padding.
const OUTSIDE = -1073741824;

// Window corners of four consecutive output rows in x (b·inD kept in `b`).
struct Rows { d: vec4<i32>, h: vec4<i32>, w: vec4<i32>, b: vec4<i32> }

fn rowsFrom(m: i32) -> Rows {
  let ms = vec4<i32>(m) + vec4<i32>(0, 1, 2, 3);
  let ow = ms % p.outW;
  var t = ms / p.outW;
  let oh = t % p.outH;
  t = t / p.outH;
  let od = t % p.outD;
  let b = t / p.outD;
  return Rows(
    select(od * p.strideD - p.padFront, vec4<i32>(OUTSIDE), ms >= vec4<i32>(p.M)),
    oh * p.strideH - p.padTop,
    ow * p.strideW - p.padLeft,
    b * p.inD);
}

// Columns k = ((kz·kh + ky)·kw + kx)·Ci + ci: the filter's own order.
fn tapBounds() -> vec3<i32> {
  return vec3<i32>(p.inC, p.kW, p.kH);
}

// Where column t (tap and channel) of the four rows lies in x, and which of them are inside x.
fn tapsOf(r: Rows, t: vec4<i32>) -> Taps {
  let id = r.d + t.w;
  let ih = r.h + t.z;
  let iw = r.w + t.y;
  let ok = vec4<bool>(t.w < p.kD) & (vec4<u32>(id) < vec4<u32>(u32(p.inD)))
      & (vec4<u32>(ih) < vec4<u32>(u32(p.inH))) & (vec4<u32>(iw) < vec4<u32>(u32(p.inW)));
  return Taps((((r.b + id) * p.inH + ih) * p.inW + iw) * p.inC + t.x, ok);
}

fn aValue(at: i32) -> f32 {
  return x[at];
}

// F: four columns per unit, n fastest, contiguous in the filter.
fn stageFilterSlab(k0: i32, n0: i32, t: vec4<i32>, lid: u32) {
  let N = p.outC;
  let bStride = WN + 1u;
  for (var e = lid; e < TK * WN; e += WM * WN) {
    let kk = e / WN;
    let q = e % WN;
    let kf = k0 + i32(kk);
    let n = n0 + 4 * i32(q);
    let at = kf * N + n;
    var v = vec4<f32>(0.0);
    if (kf < p.K) {
      if (n + 3 < N) {
        v = vec4<f32>(filt[at], filt[at + 1], filt[at + 2], filt[at + 3]);
      } else {
        if (n < N) { v.x = filt[at]; }
        if (n + 1 < N) { v.y = filt[at + 1]; }
        if (n + 2 < N) { v.z = filt[at + 2]; }
      }
    }
    Bs[kk * bStride + q] = v;
  }
}

// Row m of y starts at m·Co; rows past M are not written.
fn outRows(m: i32) -> vec4<i32> {
  let ms = vec4<i32>(m) + vec4<i32>(0, 1, 2, 3);
  return select(ms * p.outC, vec4<i32>(-1), ms >= vec4<i32>(p.M));
}

fn storeOut(at: i32, v: f32) {
  y[at] = v;
}

@compute @workgroup_size(WM * WN)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= p.mTiles * p.nTiles) { return; }
  let m0 = i32((tile / p.nTiles) * 8u * WM);
  let n0 = i32((tile % p.nTiles) * 4u * WN);
  writeBlock(gemmTile(m0, n0, p.K, lid), m0, n0, p.outC, lid);
}
