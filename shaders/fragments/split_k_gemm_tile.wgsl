// The split-K GEMM tile of both filter gradients (conv2d_backprop_filter.wgsl, conv3d_backprop_filter.wgsl):
// the bindings, the overrides, the workgroup tiles, and splitKTile(), the whole of pass 1 for one workgroup. The
// tiling, the k-groups and the limits are explained in conv3d_backprop_filter.wgsl's header.
//
// The including shader declares what differs with the number of spatial axes:
//   struct Params, its uniform (with M, N, K, chunkLen, and the geometry its functions below read);
//   struct Tap and fn tapOf(m: u32) -> Tap, the filter tap of row m (OUTSIDE past M);
//   fn inside(r: vec4<i32>, t: Tap) -> bool, whether table row r plus tap t lies inside x (r.w + t.offset is
//   then its offset in x);
//   fn decodeRows(kFirst: u32, kEnd: u32, slot: u32, lid: u32), which fills rows[slot·TK + kk] for k = kFirst + kk.

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
var<workgroup> rows: array<vec4<i32>, 2u * TK>;     // per k: the window corner in x and, in .w, its offset

// x at table row r plus tap t, 0 outside (the zero padding).
fn tapValue(r: vec4<i32>, t: Tap) -> f32 {
  if (inside(r, t)) { return x[u32(r.w + t.offset)]; }
  return 0.0;
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

// Pass 1 for workgroup wid: the partial products of its M×N tile over k-chunk wid.z (one slice per k-group).
fn splitKTile(wid: vec3<u32>, lid: u32) {
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
