// Conv3DBackpropInputV2 (tfjs kernel of the same name: ∂x of Conv3D, and conv3dTranspose), NDHWC, as a tiled
// implicit GEMM that visits only the taps each input voxel actually receives.
//
//   dx[b, d, h, w, ci] = Σ dy[b, od, oh, ow, co] · f[kz, ky, kx, ci, co]  over d + front − kz = od·sd (likewise h, w).
//
// With stride s only the taps kz ≡ d + front (mod sd) contribute, so voxels are split into sd·sh·sw phases by
// (d mod sd, h mod sh, w mod sw) = (rd, rh, rw). Within a phase every voxel d = rd + d'·sd uses the same taps
// kz = kz0 + tz·sd (kz0 = (rd + front) mod sd, tz < ntz = ⌈(kd − kz0)/sd⌉) and reads od = d' + qd − tz with
// qd = (rd + front − kz0)/sd. So each phase is a dense GEMM:
//   M = B·D'·H'·W' voxels of the phase (row m = ((b·D' + d')·H' + h')·W' + w'), N = Ci,
//   K = ntz·nty·ntx·Co (column k = ((tz·nty + ty)·ntx + tx)·Co + co),
//   A[m, k] = dy[b, d' + qd − tz, h' + qh − ty, w' + qw − tx, co] (0 outside dy),
//   F[k, n] = f[kz0 + tz·sd, ky0 + ty·sh, kx0 + tx·sw, n, co].
// A phase with no taps (a stride larger than the kernel) gets K = 0 and writes zeros. Stride 1 is one phase
// with every tap.
//
// Bindings: @binding(0) dx (written), @binding(1) dy, @binding(2) filter, @binding(3) Params (uniform, 4-byte
// scalars only). Entry point main.
//
// Tiling (as conv3d.wgsl): a workgroup of WM×WN threads owns a TM×TN tile of one phase, TM = 8·WM, TN = 4·WN;
// each thread accumulates 8×4 (columns 4·tx…+3, rows 4·ty…+3 and TM/2 + 4·ty…+3). K slabs of TK are staged in
// workgroup memory as [k][vec4 of rows or columns], padded one vec4 per k row; 3 vec4 reads per 32 FMAs.
// A is gathered in units of 4 rows × 4 consecutive k; with CO_QUADS (Co % 4 == 0) those are 4 channels of one
// tap: one bounds test per row for 4 contiguous loads. F is staged in units of 4 k × 4 n, k fastest across
// threads, because co is the filter's contiguous axis. Each thread works on one k quad per slab, whose tap it
// steps by TK without integer division; its row groups are decoded once, before the K loop.
//
// Workgroups: [x, y] folds mTiles·nTiles of the largest phase (phase 0) by gridFor, n-tile fastest; z is the
// phase. Workgroups past their phase's own tile count return.
//
// Limits (src/gpu/conv3dBackpropInput.ts checks them and otherwise lets tfjs's kernel run): float32; indices
// are i32, so every tensor must hold < 2³¹ elements and fit one storage binding; sd·sh·sw ≤ 65535 phases.
// Overrides must keep TK a multiple of 4 with TK ≤ 4·WN, TK/4 dividing WM·WN and
// TK·(2·WM + WN + 2)·16 bytes ≤ 16 KiB.

struct Params {
  batch: i32,
  inD: i32, inH: i32, inW: i32, inC: i32,
  outD: i32, outH: i32, outW: i32, outC: i32,
  kD: i32, kH: i32, kW: i32,
  strideD: i32, strideH: i32, strideW: i32,
  padFront: i32, padTop: i32, padLeft: i32,
  mTiles: u32, nTiles: u32,
}

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> filt: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

override CO_QUADS: bool = true;    // Co % 4 == 0: four consecutive k share a tap
override A_QUADS: bool = CO_QUADS;

#include "fragments/gemm_8x4_tile"

const OUTSIDE = -1073741824;

// The phase this workgroup works on (uniform across it).
struct Phase {
  r: vec3<i32>,       // (rd, rh, rw): the voxel residues mod the stride
  k0: vec3<i32>,      // first tap per axis
  taps: vec3<i32>,    // ntz, nty, ntx
  q: vec3<i32>,       // (qd, qh, qw): od = d' + qd − tz
  size: vec3<i32>,    // D', H', W'
  M: i32,
  K: i32,
}
var<private> ph: Phase;

fn phaseOf(index: u32) -> Phase {
  let s = vec3<i32>(p.strideD, p.strideH, p.strideW);
  let i = i32(index);
  let r = vec3<i32>(i / (s.y * s.z), (i / s.z) % s.y, i % s.z);
  let pad = vec3<i32>(p.padFront, p.padTop, p.padLeft);
  let k = vec3<i32>(p.kD, p.kH, p.kW);
  let size = vec3<i32>(p.inD, p.inH, p.inW);
  let k0 = (r + pad) % s;
  let taps = (k - k0 + s - 1) / s;
  let extent = (size - r + s - 1) / s;
  return Phase(r, k0, taps, (r + pad - k0) / s, extent,
      p.batch * extent.x * extent.y * extent.z, taps.x * taps.y * taps.z * p.outC);
}

// dy corners of four consecutive phase rows (b·outD kept in `b`).
struct Rows { d: vec4<i32>, h: vec4<i32>, w: vec4<i32>, b: vec4<i32> }

fn rowsFrom(m: i32) -> Rows {
  let ms = vec4<i32>(m) + vec4<i32>(0, 1, 2, 3);
  let w = ms % ph.size.z;
  var t = ms / ph.size.z;
  let h = t % ph.size.y;
  t = t / ph.size.y;
  let d = t % ph.size.x;
  let b = t / ph.size.x;
  return Rows(select(d + ph.q.x, vec4<i32>(OUTSIDE), ms >= vec4<i32>(ph.M)), h + ph.q.y, w + ph.q.z, b * p.outD);
}

// Columns k = ((tz·nty + ty)·ntx + tx)·Co + co: tap offsets within the phase.
fn tapBounds() -> vec3<i32> {
  return vec3<i32>(p.outC, ph.taps.z, ph.taps.y);
}

fn tapsOf(r: Rows, t: vec4<i32>) -> Taps {
  let od = r.d - t.w;
  let oh = r.h - t.z;
  let ow = r.w - t.y;
  let ok = vec4<bool>(t.w < ph.taps.x) & (vec4<u32>(od) < vec4<u32>(u32(p.outD)))
      & (vec4<u32>(oh) < vec4<u32>(u32(p.outH))) & (vec4<u32>(ow) < vec4<u32>(u32(p.outW)));
  return Taps((((r.b + od) * p.outH + oh) * p.outW + ow) * p.outC + t.x, ok);
}

fn aValue(at: i32) -> f32 {
  return dy[at];
}

// Where F[column t, n = 0] is in the filter (add n·Co for column n); −1 past K.
fn filterAt(t: vec4<i32>) -> i32 {
  if (t.w >= ph.taps.x) { return -1; }
  let kz = ph.k0.x + t.w * p.strideD;
  let ky = ph.k0.y + t.z * p.strideH;
  let kx = ph.k0.z + t.y * p.strideW;
  return ((kz * p.kH + ky) * p.kW + kx) * p.inC * p.outC + t.x;
}

// F[k, n…n+3] as a vec4 over n; 0 past K or N.
fn filterColumns(base: i32, n: i32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (base < 0) { return v; }
  let N = p.inC;
  let at = base + n * p.outC;
  if (n < N) { v.x = filt[at]; }
  if (n + 1 < N) { v.y = filt[at + p.outC]; }
  if (n + 2 < N) { v.z = filt[at + 2 * p.outC]; }
  if (n + 3 < N) { v.w = filt[at + 3 * p.outC]; }
  return v;
}

fn filterCo4(at: i32) -> vec4<f32> {
  return vec4<f32>(filt[at], filt[at + 1], filt[at + 2], filt[at + 3]);
}

// F[the 4 columns from tap t, 4 columns from n] into Bs from k row kk, column vec4 q.
fn stageF(t: vec4<i32>, n: i32, kk: u32, q: u32) {
  let stride = WN + 1u;
  if (CO_QUADS) {
    // Four contiguous co per column n, transposed into vec4s over n.
    let base = filterAt(t);
    var c0 = vec4<f32>(0.0);
    var c1 = vec4<f32>(0.0);
    var c2 = vec4<f32>(0.0);
    var c3 = vec4<f32>(0.0);
    if (base >= 0) {
      let N = p.inC;
      let at = base + n * p.outC;
      if (n < N) { c0 = filterCo4(at); }
      if (n + 1 < N) { c1 = filterCo4(at + p.outC); }
      if (n + 2 < N) { c2 = filterCo4(at + 2 * p.outC); }
      if (n + 3 < N) { c3 = filterCo4(at + 3 * p.outC); }
    }
    Bs[kk * stride + q] = vec4<f32>(c0.x, c1.x, c2.x, c3.x);
    Bs[(kk + 1u) * stride + q] = vec4<f32>(c0.y, c1.y, c2.y, c3.y);
    Bs[(kk + 2u) * stride + q] = vec4<f32>(c0.z, c1.z, c2.z, c3.z);
    Bs[(kk + 3u) * stride + q] = vec4<f32>(c0.w, c1.w, c2.w, c3.w);
  } else {
    let t1 = stepTap(t, 1);
    let t2 = stepTap(t1, 1);
    Bs[kk * stride + q] = filterColumns(filterAt(t), n);
    Bs[(kk + 1u) * stride + q] = filterColumns(filterAt(t1), n);
    Bs[(kk + 2u) * stride + q] = filterColumns(filterAt(t2), n);
    Bs[(kk + 3u) * stride + q] = filterColumns(filterAt(stepTap(t2, 1)), n);
  }
}

// F units of 4 k × 4 n, k fastest: this thread's k quad of the slab (column t), each of its n quads.
fn stageFilterSlab(k0: i32, n0: i32, t: vec4<i32>, lid: u32) {
  let quads = TK / 4u;
  let quad = lid % quads;
  for (var e = lid; e < quads * WN; e += WM * WN) {
    let q = e / quads;
    stageF(t, n0 + 4 * i32(q), 4u * quad, q);
  }
}

// dx voxel offsets (times Ci) of four consecutive phase rows; −1 past the phase.
fn outRows(m: i32) -> vec4<i32> {
  let ms = vec4<i32>(m) + vec4<i32>(0, 1, 2, 3);
  let s = vec3<i32>(p.strideD, p.strideH, p.strideW);
  let w = ms % ph.size.z;
  var t = ms / ph.size.z;
  let h = t % ph.size.y;
  t = t / ph.size.y;
  let d = t % ph.size.x;
  let b = t / ph.size.x;
  let voxel = ((b * p.inD + ph.r.x + d * s.x) * p.inH + ph.r.y + h * s.y) * p.inW + ph.r.z + w * s.z;
  return select(voxel * p.inC, vec4<i32>(-1), ms >= vec4<i32>(ph.M));
}

fn storeOut(at: i32, v: f32) {
  dx[at] = v;
}

@compute @workgroup_size(WM * WN)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= p.mTiles * p.nTiles) { return; }
  // A local copy for control flow: WGSL's uniformity analysis trusts a `let` derived from workgroup_id, not a
  // private variable; helpers read the private copy.
  let phase = phaseOf(wid.z);
  ph = phase;
  let m0 = i32((tile / p.nTiles) * 8u * WM);
  if (m0 >= phase.M) { return; }
  let n0 = i32((tile % p.nTiles) * 4u * WN);
  writeBlock(gemmTile(m0, n0, phase.K, lid), m0, n0, p.inC, lid);
}
