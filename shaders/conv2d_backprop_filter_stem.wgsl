// ∂w of a one-input-channel 2D convolution (a network's stem: NHWC, Ci = 1, kernel width 3, stride 1 along x,
// dilation 1), pass 1 of 2. The general kernel (conv2d_backprop_filter.wgsl) tiles M = taps·Ci in 8-row blocks;
// with Ci = 1 and a 3×3 kernel M is 9, so 7 of its 16 tile rows were computed and thrown away and every staged
// value was a separate bounds-checked gather. Here nothing is staged and there is no barrier:
//
//   dW[ky, kx, 0, n] = Σ_{b, oh, ow} x[b, oh·sh + ky − padTop, ow + kx − padLeft] · dy[b, oh, ow, n]
//
// One invocation owns one kernel row ky, one group of 4·NQ output channels and a run of `rowsPer` output rows
// (b, oh). Along a row it keeps the three taps x[iw], x[iw + 1], x[iw + 2] in registers and slides them by one
// load per output pixel, so each pixel costs one x load, NQ vec4 loads of dy and 3·NQ vec4 multiply-adds.
//
// Bindings: 0 partial (read_write, S×M×N as vec4s: one slice per run of rows), 1 x (read), 2 dy (read, vec4s),
//           3 uniform Params.
// Grid: (⌈S·kh / WG⌉, N / (4·NQ), 1); invocation t = wid.x·WG + lid takes ky = t mod kh and the row run
// s = t / kh (rows [s·rowsPer, min((s+1)·rowsPer, B·Ho))), writing partial slice s. Slices are summed by
// split_k_reduce.wgsl (WGSL has no float atomics). Adjacent invocations differ in ky, so they read neighbouring
// rows of x and the same dy.
// Limits (the wrapper checks them): NQ ∈ {1, 2, 4} dividing N/4 (so N is a multiple of 4), every index < 2³¹.

struct Params {
  M: u32,        // kh·3
  N: u32,        // output channels
  rows: u32,     // B·Ho
  rowsPer: u32,  // output rows per invocation
  kh: u32,
  outH: u32,
  outW: u32,
  inH: i32,
  inW: i32,
  strideH: i32,
  padTop: i32,
  padLeft: i32,
}

@group(0) @binding(0) var<storage, read_write> partial: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

override WG: u32 = 64;
override NQ: u32 = 4;   // vec4 column groups per invocation (1, 2 or 4 — chosen so they divide N/4)

fn xAt(rowStart: i32, iw: i32) -> f32 {
  if (u32(iw) < u32(p.inW)) { return x[u32(rowStart + iw)]; }
  return 0.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x * WG + lid;
  let ky = t % p.kh;
  let s = t / p.kh;
  let rowBegin = s * p.rowsPer;
  if (rowBegin >= p.rows) { return; }
  let rowEnd = min(rowBegin + p.rowsPer, p.rows);
  let quads = p.N / 4u;
  let q0 = wid.y * NQ;

  // a<kx><q>: tap (ky, kx) × channels 4·(q0 + q) .. +3. Written out: SwiftShader keeps indexed arrays in memory.
  var a00 = vec4<f32>(0.0); var a01 = vec4<f32>(0.0); var a02 = vec4<f32>(0.0); var a03 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0); var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0); var a21 = vec4<f32>(0.0); var a22 = vec4<f32>(0.0); var a23 = vec4<f32>(0.0);

  for (var r = rowBegin; r < rowEnd; r++) {
    let oh = r % p.outH;
    let b = i32(r / p.outH);
    let ih = i32(oh) * p.strideH + i32(ky) - p.padTop;
    if (u32(ih) >= u32(p.inH)) { continue; }   // this tap row is zero padding: adds nothing
    let rowStart = (b * p.inH + ih) * p.inW;
    var v0 = xAt(rowStart, -p.padLeft);
    var v1 = xAt(rowStart, 1 - p.padLeft);
    var d = r * p.outW * quads + q0;
    for (var ow = 0u; ow < p.outW; ow++) {
      let v2 = xAt(rowStart, i32(ow) + 2 - p.padLeft);
      let d0 = dy[d];
      a00 += v0 * d0; a10 += v1 * d0; a20 += v2 * d0;
      if (NQ > 1u) {
        let d1 = dy[d + 1u];
        a01 += v0 * d1; a11 += v1 * d1; a21 += v2 * d1;
      }
      if (NQ > 2u) {
        let d2 = dy[d + 2u];
        let d3 = dy[d + 3u];
        a02 += v0 * d2; a12 += v1 * d2; a22 += v2 * d2;
        a03 += v0 * d3; a13 += v1 * d3; a23 += v2 * d3;
      }
      v0 = v1;
      v1 = v2;
      d += quads;
    }
  }

  // Row m = 3·ky + kx of slice s, quads q0 .. q0 + NQ − 1.
  let base = (s * p.M + 3u * ky) * quads + q0;
  partial[base] = a00;
  partial[base + quads] = a10;
  partial[base + 2u * quads] = a20;
  if (NQ > 1u) {
    partial[base + 1u] = a01;
    partial[base + quads + 1u] = a11;
    partial[base + 2u * quads + 1u] = a21;
  }
  if (NQ > 2u) {
    partial[base + 2u] = a02;
    partial[base + quads + 2u] = a12;
    partial[base + 2u * quads + 2u] = a22;
    partial[base + 3u] = a03;
    partial[base + quads + 3u] = a13;
    partial[base + 2u * quads + 3u] = a23;
  }
}
