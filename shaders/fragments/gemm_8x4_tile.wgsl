// The 8×4 register-blocked GEMM tile of conv3d.wgsl and conv3d_backprop_input.wgsl: the overrides, the
// workgroup tiles, the staging of A and the K loop (gemmTile). The tiling is explained in conv3d.wgsl's header;
// what differs between the two kernels (where A's rows and taps lie, how F is staged, where results go) is
// declared by the including shader:
//   A_QUADS (an override): four consecutive k are four channels of one tap, so one bounds test serves them;
//   struct Rows and fn rowsFrom(m: i32) -> Rows, the window corners of the four rows from m;
//   fn tapBounds() -> vec3<i32>, (channels, taps along x, taps along y) of column k = ((tz·ny + ty)·nx + tx)·c + ch;
//   fn tapsOf(r: Rows, t: vec4<i32>) -> Taps, where column t of those rows lies in A's tensor and whether inside;
//   fn aValue(at: i32) -> f32, A's tensor;
//   fn stageFilterSlab(k0: i32, n0: i32, t: vec4<i32>, lid: u32), which stages F[k0…k0+TK, n0…n0+TN] into Bs
//   (t is this thread's first column of the slab, as the A staging uses it);
//   fn outRows(m: i32) -> vec4<i32>, where output rows m…m+3 start in the output tensor, −1 for a row past it;
//   fn storeOut(at: i32, v: f32), the output tensor.

override WM: u32 = 16u;            // threads along M (8 rows each)
override WN: u32 = 4u;             // threads along N (4 columns each)
override TK: u32 = 16u;            // K slab

// A as [TK][2·WM + 1] vec4s (vec4 i of k row kk holds rows 4i…4i+3); F as [TK][WN + 1] vec4s of columns.
var<workgroup> As: array<vec4<f32>, TK * (2u * WM + 1u)>;
var<workgroup> Bs: array<vec4<f32>, TK * (WN + 1u)>;

// Column k decoded as (channel, tx, ty, tz); tz = nz means k ≥ K. Threads keep theirs and step it (stepTap), so
// the K loop does no integer division.
fn tapOf(k: i32) -> vec4<i32> {
  let n = tapBounds();
  let tap = k / n.x;
  return vec4<i32>(k % n.x, tap % n.y, (tap / n.y) % n.z, tap / (n.y * n.z));
}

fn stepTap(t: vec4<i32>, step: i32) -> vec4<i32> {
  let n = tapBounds();
  var r = t;
  r.x += step;
  while (r.x >= n.x) {
    r.x -= n.x;
    r.y += 1;
    if (r.y == n.y) {
      r.y = 0;
      r.z += 1;
      if (r.z == n.z) {
        r.z = 0;
        r.w += 1;
      }
    }
  }
  return r;
}

struct Taps { at: vec4<i32>, ok: vec4<bool> }

fn gatherColumn(r: Rows, t: vec4<i32>) -> vec4<f32> {
  let at = tapsOf(r, t);
  var v = vec4<f32>(0.0);
  if (at.ok.x) { v.x = aValue(at.at.x); }
  if (at.ok.y) { v.y = aValue(at.at.y); }
  if (at.ok.z) { v.z = aValue(at.at.z); }
  if (at.ok.w) { v.w = aValue(at.at.w); }
  return v;
}

fn channels4(ok: bool, at: i32) -> vec4<f32> {
  if (!ok) { return vec4<f32>(0.0); }
  return vec4<f32>(aValue(at), aValue(at + 1), aValue(at + 2), aValue(at + 3));
}

// Stages A[4 rows of group g, the 4 columns from tap t] into As from k row kk.
fn stageA(r: Rows, g: u32, t: vec4<i32>, kk: u32) {
  let stride = 2u * WM + 1u;
  if (A_QUADS) {
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

// One thread's 8×4 block: c0…c3 are rows m0 + 4·ty…+3, c4…c7 rows m0 + TM/2 + 4·ty…+3, each over columns
// n0 + 4·tx…+3 (tx = lid % WN, ty = lid / WN).
struct Block {
  c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32>,
  c4: vec4<f32>, c5: vec4<f32>, c6: vec4<f32>, c7: vec4<f32>,
}

// The tile from row m0 and column n0 over K columns of A: stage A and F a TK slab at a time, then 32 FMAs per
// k. K must be uniform across the workgroup (the barriers are inside its loop).
fn gemmTile(m0: i32, n0: i32, K: i32, lid: u32) -> Block {
  let threads = WM * WN;
  let tx = lid % WN;
  let ty = lid / WN;
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

  for (var k0 = 0; k0 < K; k0 += i32(TK)) {
    if (u0 < aUnits) { stageA(rows0, g0, tap, 4u * quad); }
    if (u1 < aUnits) { stageA(rows1, g1, tap, 4u * quad); }
    stageFilterSlab(k0, n0, tap, lid);
    tap = stepTap(tap, i32(TK));
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
  return Block(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
}

// Writes a thread's block of the tile at (m0, n0): each row where outRows puts it, columns n…n+3 while below N.
fn writeBlock(acc: Block, m0: i32, n0: i32, N: i32, lid: u32) {
  let ty = lid / WN;
  let top = outRows(m0 + i32(4u * ty));
  let bottom = outRows(m0 + i32(4u * (ty + WM)));
  let n = n0 + i32(4u * (lid % WN));
  writeRow(top.x, n, N, acc.c0);
  writeRow(top.y, n, N, acc.c1);
  writeRow(top.z, n, N, acc.c2);
  writeRow(top.w, n, N, acc.c3);
  writeRow(bottom.x, n, N, acc.c4);
  writeRow(bottom.y, n, N, acc.c5);
  writeRow(bottom.z, n, N, acc.c6);
  writeRow(bottom.w, n, N, acc.c7);
}

fn writeRow(start: i32, n: i32, N: i32, v: vec4<f32>) {
  if (start < 0) { return; }
  let at = start + n;
  if (n < N) { storeOut(at, v.x); }
  if (n + 1 < N) { storeOut(at + 1, v.y); }
  if (n + 2 < N) { storeOut(at + 2, v.z); }
  if (n + 3 < N) { storeOut(at + 3, v.w); }
}
