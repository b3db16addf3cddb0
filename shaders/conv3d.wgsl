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

override WM: u32 = 16u;            // threads along M (8 rows each)
override WN: u32 = 4u;             // threads along N (4 columns each)
override TK: u32 = 16u;            // K slab
override CI_QUADS: bool = true;    // Ci % 4 == 0: four consecutive k share a tap

// A row past M: its depth corner is so negative that every tap reads as padding.
const OUTSIDE = -1073741824;

// A as [TK][2·WM + 1] vec4s (vec4 i of k row kk holds rows 4i…4i+3); F as [TK][WN + 1] vec4s of columns.
var<workgroup> As: array<vec4<f32>, TK * (2u * WM + 1u)>;
var<workgroup> Bs: array<vec4<f32>, TK * (WN + 1u)>;

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

// Column k decoded as (ci, kx, ky, kz); kz = kD means k ≥ K. Threads keep theirs and step it (stepTap), so
// the K loop does no integer division.
fn tapOf(k: i32) -> vec4<i32> {
  let tap = k / p.inC;
  return vec4<i32>(k % p.inC, tap % p.kW, (tap / p.kW) % p.kH, tap / (p.kW * p.kH));
}

fn stepTap(t: vec4<i32>, step: i32) -> vec4<i32> {
  var r = t;
  r.x += step;
  while (r.x >= p.inC) {
    r.x -= p.inC;
    r.y += 1;
    if (r.y == p.kW) {
      r.y = 0;
      r.z += 1;
      if (r.z == p.kH) {
        r.z = 0;
        r.w += 1;
      }
    }
  }
  return r;
}

struct Taps { at: vec4<i32>, ok: vec4<bool> }

// Where column t (tap and channel) of the four rows lies in x, and which of them are inside x.
fn tapsOf(r: Rows, t: vec4<i32>) -> Taps {
  let id = r.d + t.w;
  let ih = r.h + t.z;
  let iw = r.w + t.y;
  let ok = vec4<bool>(t.w < p.kD) & (vec4<u32>(id) < vec4<u32>(u32(p.inD)))
      & (vec4<u32>(ih) < vec4<u32>(u32(p.inH))) & (vec4<u32>(iw) < vec4<u32>(u32(p.inW)));
  return Taps((((r.b + id) * p.inH + ih) * p.inW + iw) * p.inC + t.x, ok);
}

fn gatherColumn(r: Rows, t: vec4<i32>) -> vec4<f32> {
  let at = tapsOf(r, t);
  var v = vec4<f32>(0.0);
  if (at.ok.x) { v.x = x[at.at.x]; }
  if (at.ok.y) { v.y = x[at.at.y]; }
  if (at.ok.z) { v.z = x[at.at.z]; }
  if (at.ok.w) { v.w = x[at.at.w]; }
  return v;
}

fn channels4(ok: bool, at: i32) -> vec4<f32> {
  if (!ok) { return vec4<f32>(0.0); }
  return vec4<f32>(x[at], x[at + 1], x[at + 2], x[at + 3]);
}

// Stages A[4 rows of group g, the 4 columns from tap t] into As from k row kk.
fn stageA(r: Rows, g: u32, t: vec4<i32>, kk: u32) {
  let stride = 2u * WM + 1u;
  if (CI_QUADS) {
    let at = tapsOf(r, t);
    let r0 = channels4(at.ok.x, at.at.x);
    let r1 = channels4(at.ok.y, at.at.y);
    let r2 = channels4(at.ok.z, at.at.z);
    let r3 = channels4(at.ok.w, at.at.w);
    As[kk * stride + g] = vec4<f32>(r0.x, r1.x, r2.x, r3.x);
    As[(kk + 1u) * stride + g] = vec4<f32>(r0.y, r1.y, r2.y, r3.y);
    As[(kk + 2u) * stride + g] = vec4<f32>(r0.z, r1.z, r2.z, r3.z);
    As[(kk + 3u) * stride + g] = vec4<f32>(r0.w, r1.w, r2.w, r3.w);
  } else {
    let t1 = stepTap(t, 1);
    let t2 = stepTap(t1, 1);
    As[kk * stride + g] = gatherColumn(r, t);
    As[(kk + 1u) * stride + g] = gatherColumn(r, t1);
    As[(kk + 2u) * stride + g] = gatherColumn(r, t2);
    As[(kk + 3u) * stride + g] = gatherColumn(r, stepTap(t2, 1));
  }
}

fn writeRow(m: i32, n: i32, v: vec4<f32>) {
  let N = p.outC;
  if (m >= p.M) { return; }
  let at = m * N + n;
  if (n + 3 < N) {
    y[at] = v.x;
    y[at + 1] = v.y;
    y[at + 2] = v.z;
    y[at + 3] = v.w;
  } else {
    if (n < N) { y[at] = v.x; }
    if (n + 1 < N) { y[at + 1] = v.y; }
    if (n + 2 < N) { y[at + 2] = v.z; }
  }
}

@compute @workgroup_size(WM * WN)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= p.mTiles * p.nTiles) { return; }
  let threads = WM * WN;
  let m0 = i32((tile / p.nTiles) * 8u * WM);
  let n0 = i32((tile % p.nTiles) * 4u * WN);
  let tx = lid % WN;
  let ty = lid / WN;
  let N = p.outC;
  let aStride = 2u * WM + 1u;
  let bStride = WN + 1u;

  // A units (row group g, k quad q): u = lid and u = lid + threads, q fastest.
  let quads = TK / 4u;
  let aUnits = 2u * WM * quads;
  let u0 = lid;
  let u1 = lid + threads;
  let g0 = u0 / quads;
  let g1 = u1 / quads;
  let rows0 = rowsFrom(m0 + 4 * i32(g0));
  let rows1 = rowsFrom(m0 + 4 * i32(g1));
  // Both units have the same k quad (threads is a multiple of quads): its first column, stepped by TK a slab.
  let quad = lid % quads;
  var tap = tapOf(4 * i32(quad));

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);

  for (var k0 = 0; k0 < p.K; k0 += i32(TK)) {
    if (u0 < aUnits) { stageA(rows0, g0, tap, 4u * quad); }
    if (u1 < aUnits) { stageA(rows1, g1, tap, 4u * quad); }
    tap = stepTap(tap, i32(TK));
    // F: four columns per unit, n fastest, contiguous in the filter.
    for (var e = lid; e < TK * WN; e += threads) {
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
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let a0 = As[kk * aStride + ty];
      let a1 = As[kk * aStride + ty + WM];
      let b = Bs[kk * bStride + tx];
      acc0 += a0.x * b;
      acc1 += a0.y * b;
      acc2 += a0.z * b;
      acc3 += a0.w * b;
      acc4 += a1.x * b;
      acc5 += a1.y * b;
      acc6 += a1.z * b;
      acc7 += a1.w * b;
    }
    workgroupBarrier();
  }

  let mTop = m0 + i32(4u * ty);
  let mBottom = mTop + i32(4u * WM);
  let n = n0 + i32(4u * tx);
  writeRow(mTop, n, acc0);
  writeRow(mTop + 1, n, acc1);
  writeRow(mTop + 2, n, acc2);
  writeRow(mTop + 3, n, acc3);
  writeRow(mBottom, n, acc4);
  writeRow(mBottom + 1, n, acc5);
  writeRow(mBottom + 2, n, acc6);
  writeRow(mBottom + 3, n, acc7);
}
