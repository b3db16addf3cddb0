import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectNoValidationErrors, startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { allocate, dispatchShader, gridFor, packUniforms, release } from './dispatch.ts';
import { setShaderSources } from './shaderLibrary.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

const webgpu = await startWebGPUInNode();

// A test-only shader: y = a·x + b over a folded 2-D grid, so the dispatcher's bindings, uniforms and grid folding
// are checked apart from any real kernel.
setShaderSources({
  test_axpb: `
struct Params { n: u32, a: f32, b: f32 }
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
override WG: u32 = 64;
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i < p.n) { y[i] = p.a * x[i] + p.b; }
}`,
});

async function axpb(x: tf.Tensor, a: number, b: number, wg: number): Promise<Float32Array> {
  const backend = webgpuBackend();
  const out = allocate(backend, x.shape);
  const n = x.size;
  dispatchShader(backend, {
    shader: 'test_axpb',
    constants: { WG: wg },
    buffers: [out, x],
    uniforms: packUniforms([
      ['u32', n],
      ['f32', a],
      ['f32', b],
    ]),
    workgroups: gridFor(Math.ceil(n / wg)),
  });
  const t = tf.engine().makeTensorFromTensorInfo(out);
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

describe('packUniforms and gridFor', () => {
  it('lays 4-byte scalars out consecutively, padded to 16 bytes', () => {
    const bytes = packUniforms([
      ['u32', 7],
      ['f32', 0.5],
      ['i32', -3],
      ['u32', 1],
      ['f32', 2],
    ]);
    expect(bytes.byteLength).toBe(32);
    const v = new DataView(bytes);
    expect([v.getUint32(0, true), v.getFloat32(4, true), v.getInt32(8, true), v.getUint32(12, true), v.getFloat32(16, true)]).toEqual([7, 0.5, -3, 1, 2]);
  });
  it('folds more than 65535 workgroups into a second dimension that covers the count', () => {
    expect(gridFor(10)).toEqual([10, 1, 1]);
    const [x, y] = gridFor(200_000);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(200_000);
  });
});

describe.skipIf(!webgpu.ok)(`dispatchShader inside tfjs's command stream (${webgpu.reason})`, () => {
  it('binds buffers and uniforms in order and writes a tfjs tensor, ordered after tfjs ops', async () => {
    const data = await expectNoValidationErrors(async () => {
      const x = tf.add(tf.range(0, 1000), 1); // produced by a tfjs kernel in the same, unsubmitted pass
      const y = await axpb(x, 2, -1, 64);
      x.dispose();
      return y;
    });
    expect(data.length).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(data[i]).toBe(2 * (i + 1) - 1);
  });

  it('covers a grid folded past 65535 workgroups', async () => {
    const n = 65536 * 32 + 5; // 32 769+ workgroups of 64 — folded when the workgroup is 32 wide
    const x = tf.ones([n]);
    const y = await expectNoValidationErrors(() => axpb(x, 3, 0, 32));
    x.dispose();
    expect(y[0]).toBe(3);
    expect(y[n - 1]).toBe(3);
    expect(y.every((v) => v === 3)).toBe(true);
  });

  it('a scratch tensor released before submission stays valid for the commands that read it', async () => {
    const backend = webgpuBackend();
    const out = await expectNoValidationErrors(async () => {
      const x = tf.fill([256], 4);
      const scratch = allocate(backend, [256]);
      dispatchShader(backend, {
        shader: 'test_axpb',
        buffers: [scratch, x],
        uniforms: packUniforms([
          ['u32', 256],
          ['f32', 1],
          ['f32', 1],
        ]),
        workgroups: [4, 1, 1],
      });
      const final = allocate(backend, [256]);
      dispatchShader(backend, {
        shader: 'test_axpb',
        buffers: [final, scratch],
        uniforms: packUniforms([
          ['u32', 256],
          ['f32', 10],
          ['f32', 0],
        ]),
        workgroups: [4, 1, 1],
      });
      release(backend, scratch);
      x.dispose();
      const t = tf.engine().makeTensorFromTensorInfo(final);
      const d = (await t.data()) as Float32Array;
      t.dispose();
      return d;
    });
    expect(out.every((v) => v === 50)).toBe(true);
  });
});
