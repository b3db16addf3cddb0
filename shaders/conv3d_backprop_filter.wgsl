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
// Tiling: WM×WN threads, each holding an 8×8 register block — rows 4·(tm + WM·i) + r and columns
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

@group(0) @binding(0) var<storage, read_write> partial: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

override WM: u32 = 16;
override WN: u32 = 2;
override TK: u32 = 16;
override TAPS_ALIGNED: bool = false;
override TM4: u32 = 2u * WM;   // tile rows / 4
override TN4: u32 = 2u * WN;   // tile columns / 4
override KS: u32 = 1;     // k-groups per workgroup (see the header)
override WG: u32 = WM * WN * KS;

// A coordinate this far outside x fails every bounds test, even with a kernel offset added.
const OUTSIDE: i32 = -1073741824;

var<workgroup> tileA: array<vec4<f32>, TK * TM4>;   // [kk][m / 4]
var<workgroup> tileB: array<vec4<f32>, TK * TN4>;   // [kk][n / 4]
var<workgroup> rows: array<vec4<i32>, 2u * TK>;     // per k: (id0, ih0, iw0, offset of x[b, id0, ih0, iw0, 0])

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

fn tapValue(r: vec4<i32>, t: Tap) -> f32 {
  if (inside(r, t)) { return x[u32(r.w + t.offset)]; }
  return 0.0;
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

fn dyAt(k: u32, n: u32) -> f32 {
  if (n < p.N) { return dy[k * p.N + n]; }
  return 0.0;
}

// Eight outputs of row m: columns nl..nl+3 from `left`, nr..nr+3 from `right`, skipping those past M or N.
fn storeRow(slice: u32, m: u32, nl: u32, nr: u32, left: vec4<f32>, right: vec4<f32>) {
  if (m >= p.M) { return; }
  let base = (slice + m) * p.N;
  if (nl + 3u < p.N) {
    partial[base + nl] = left.x;
    partial[base + nl + 1u] = left.y;
    partial[base + nl + 2u] = left.z;
    partial[base + nl + 3u] = left.w;
  } else {
    if (nl < p.N) { partial[base + nl] = left.x; }
    if (nl + 1u < p.N) { partial[base + nl + 1u] = left.y; }
    if (nl + 2u < p.N) { partial[base + nl + 2u] = left.z; }
  }
  if (nr + 3u < p.N) {
    partial[base + nr] = right.x;
    partial[base + nr + 1u] = right.y;
    partial[base + nr + 2u] = right.z;
    partial[base + nr + 3u] = right.w;
  } else {
    if (nr < p.N) { partial[base + nr] = right.x; }
    if (nr + 1u < p.N) { partial[base + nr + 1u] = right.y; }
    if (nr + 2u < p.N) { partial[base + nr + 2u] = right.z; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let kBegin = wid.z * p.chunkLen;
  let kEnd = min(kBegin + p.chunkLen, p.K);
  let rowBase = wid.x * 4u * TM4;
  let colBase = wid.y * 4u * TN4;

  // The four rows of A this thread stages, fixed for the whole chunk.
  let aq = lid % TM4;
  let m0 = rowBase + 4u * aq;
  let t0 = tapOf(m0);
  let t1 = tapOf(m0 + 1u);
  let t2 = tapOf(m0 + 2u);
  let t3 = tapOf(m0 + 3u);

  // Thread lid computes for k-group g: the staged rows kk ≡ g (mod KS), into partial slice wid.z·KS + g.
  let g = lid / (WM * WN);
  let tm = (lid % (WM * WN)) / WN;
  let tn = lid % WN;
  var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0); var c02 = vec4<f32>(0.0); var c03 = vec4<f32>(0.0);
  var c04 = vec4<f32>(0.0); var c05 = vec4<f32>(0.0); var c06 = vec4<f32>(0.0); var c07 = vec4<f32>(0.0);
  var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0); var c12 = vec4<f32>(0.0); var c13 = vec4<f32>(0.0);
  var c14 = vec4<f32>(0.0); var c15 = vec4<f32>(0.0); var c16 = vec4<f32>(0.0); var c17 = vec4<f32>(0.0);

  decodeRows(kBegin, kEnd, 0u, lid);
  workgroupBarrier();

  var slot = 0u;
  for (var k0 = kBegin; k0 < kEnd; k0 += TK) {
    // Stage A: table row + tap, bounds-checked (zero padding).
    for (var kk = lid / TM4; kk < TK; kk += WG / TM4) {
      let r = rows[slot * TK + kk];
      var v = vec4<f32>(0.0);
      if (TAPS_ALIGNED) {
        if (inside(r, t0)) {
          let o = u32(r.w + t0.offset);
          v = vec4<f32>(x[o], x[o + 1u], x[o + 2u], x[o + 3u]);
        }
      } else {
        v = vec4<f32>(tapValue(r, t0), tapValue(r, t1), tapValue(r, t2), tapValue(r, t3));
      }
      tileA[kk * TM4 + aq] = v;
    }
    // Stage B: four consecutive output channels per entry.
    for (var e = lid; e < TK * TN4; e += WG) {
      let k = k0 + e / TN4;
      let n = colBase + 4u * (e % TN4);
      var v = vec4<f32>(0.0);
      if (k < kEnd) {
        if (n + 3u < p.N) {
          let o = k * p.N + n;
          v = vec4<f32>(dy[o], dy[o + 1u], dy[o + 2u], dy[o + 3u]);
        } else {
          v = vec4<f32>(dyAt(k, n), dyAt(k, n + 1u), dyAt(k, n + 2u), 0.0);
        }
      }
      tileB[e] = v;
    }
    if (k0 + TK < kEnd) { decodeRows(k0 + TK, kEnd, 1u - slot, lid); }
    workgroupBarrier();

    for (var kk = g; kk < TK; kk += KS) {
      let a0 = tileA[kk * TM4 + tm];
      let a1 = tileA[kk * TM4 + tm + WM];
      let b0 = tileB[kk * TN4 + tn];
      let b1 = tileB[kk * TN4 + tn + WN];
      c00 += a0.x * b0; c01 += a0.y * b0; c02 += a0.z * b0; c03 += a0.w * b0;
      c04 += a1.x * b0; c05 += a1.y * b0; c06 += a1.z * b0; c07 += a1.w * b0;
      c10 += a0.x * b1; c11 += a0.y * b1; c12 += a0.z * b1; c13 += a0.w * b1;
      c14 += a1.x * b1; c15 += a1.y * b1; c16 += a1.z * b1; c17 += a1.w * b1;
    }
    workgroupBarrier();
    slot = 1u - slot;
  }

  // Row r of the block: 4·(tm + WM·(r / 4)) + r % 4; column group j: 4·(tn + WN·j). Written out, not looped:
  // SwiftShader keeps a dynamically indexed array in memory, which made the stores a real share of the time.
  let slice = (wid.z * KS + g) * p.M;
  let top = rowBase + 4u * tm;
  let bottom = top + 4u * WM;
  let nl = colBase + 4u * tn;
  let nr = nl + 4u * WN;
  storeRow(slice, top, nl, nr, c00, c10);
  storeRow(slice, top + 1u, nl, nr, c01, c11);
  storeRow(slice, top + 2u, nl, nr, c02, c12);
  storeRow(slice, top + 3u, nl, nr, c03, c13);
  storeRow(slice, bottom, nl, nr, c04, c14);
  storeRow(slice, bottom + 1u, nl, nr, c05, c15);
  storeRow(slice, bottom + 2u, nl, nr, c06, c16);
  storeRow(slice, bottom + 3u, nl, nr, c07, c17);
}
