import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { expectWasmMatchesCpu } from './testing/backendParity.ts';
import { backwardPass, expectCentralDifferences, expectEveryParamGradient, expectNoTensorLeak, rmsStep } from './testing/gradientChecks.ts';
import { randomTensor } from './testing/tensors.ts';
import { createVNet3D, vNet3D, vNet3DActivationFloats, vNet3DForward, vNet3DParamCount, type VNet3DConfig } from './vnet3d.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A thick-slice volume: the first level keeps the slice axis, the second halves all three.
const anisotropic: VNet3DConfig = {
  inChannels: 2,
  numClasses: 3,
  width: 4,
  depth: 2,
  strides: [
    [1, 2, 2],
    [2, 2, 2],
  ],
};

describe('V-Net 3D shapes and parameters', () => {
  it('returns every encoder stage, the last decoder features and per-class logits at the input resolution', () => {
    const p = createVNet3D(anisotropic, new Random(1));
    const out = vNet3DForward(p, anisotropic, tf.zeros([2, 4, 8, 8, 2]) as tf.Tensor5D);
    expect(out.encoder.map((e) => e.shape)).toEqual([
      [2, 4, 8, 8, 4],
      [2, 4, 4, 4, 8],
      [2, 2, 2, 2, 16],
    ]);
    expect(out.decoder.shape).toEqual([2, 4, 8, 8, 4]);
    expect(out.logits.shape).toEqual([2, 4, 8, 8, 3]);
    const iso = { inChannels: 1, numClasses: 2, width: 2, depth: 3 };
    const q = createVNet3D(iso, new Random(2));
    expect(vNet3D(q, iso, tf.zeros([1, 8, 16, 8, 1]) as tf.Tensor5D).shape).toEqual([1, 8, 16, 8, 2]);
    p.dispose();
    q.dispose();
  });

  it('counts its parameters analytically, matching the tensors built', () => {
    // Hand count for the anisotropic net (channels 4, 8, 16; per conv γ and β of its output channels):
    // stem 27·2·4, enc0 2×27·4·4; down1 (1·2·2)·4·8, enc1 2×27·8·8; down2 8·8·16, enc2 2×27·16·16;
    // up1 8·16·8, merge1 27·16·8, dec1 2×27·8·8; up0 4·8·4, merge0 27·8·4, dec0 2×27·4·4; head 4·3 + 3.
    const convs: [number, number, number][] = [
      [27, 2, 4],
      [27, 4, 4],
      [27, 4, 4],
      [4, 4, 8],
      [27, 8, 8],
      [27, 8, 8],
      [8, 8, 16],
      [27, 16, 16],
      [27, 16, 16],
      [8, 16, 8],
      [27, 16, 8],
      [27, 8, 8],
      [27, 8, 8],
      [4, 8, 4],
      [27, 8, 4],
      [27, 4, 4],
      [27, 4, 4],
    ];
    const expected = convs.reduce((n, [k, ci, co]) => n + k * ci * co + 2 * co, 0) + 4 * 3 + 3;
    expect(vNet3DParamCount(anisotropic)).toBe(expected);
    // Depth 4 reaches the 8×width cap; strides of every shape change the down/up kernels.
    const configs: VNet3DConfig[] = [
      anisotropic,
      { inChannels: 1, numClasses: 2, width: 1, depth: 4 },
      {
        inChannels: 3,
        numClasses: 5,
        width: 2,
        depth: 3,
        strides: [
          [1, 2, 2],
          [1, 2, 2],
          [2, 1, 2],
        ],
      },
      { inChannels: 1, numClasses: 2, width: 3, depth: 0 },
    ];
    for (const cfg of configs) {
      const p = createVNet3D(cfg, new Random(3));
      expect(vNet3DParamCount(cfg), JSON.stringify(cfg)).toBe(p.count());
      p.dispose();
    }
  });

  it('shapes every per-channel tensor [1,1,1,1,C], never rank 1 (WEBGPU.md trap "rank-1 at rank 5")', () => {
    const p = createVNet3D(anisotropic, new Random(4));
    for (const name of p.names().filter((n) => /\.(g|b)$/.test(n))) {
      const shape = p.get(name).shape;
      expect(shape.slice(0, 4), name).toEqual([1, 1, 1, 1]);
    }
    p.dispose();
  });

  it('refuses inputs its strides do not divide, wrong channels and a stride list of the wrong length', () => {
    const p = createVNet3D(anisotropic, new Random(5));
    // D must be a multiple of 1·2, H and W of 2·2.
    expect(() => vNet3D(p, anisotropic, tf.zeros([1, 3, 8, 8, 2]) as tf.Tensor5D)).toThrow(/not divisible by the product of its strides 2×4×4/);
    expect(() => vNet3D(p, anisotropic, tf.zeros([1, 4, 8, 6, 2]) as tf.Tensor5D)).toThrow(/divisible/);
    expect(() => vNet3D(p, anisotropic, tf.zeros([1, 4, 8, 8, 1]) as tf.Tensor5D)).toThrow(/2 input channels/);
    expect(() => createVNet3D({ ...anisotropic, strides: [[2, 2, 2]] }, new Random(1))).toThrow(/depth 2 but 1 strides/);
    expect(() => vNet3DActivationFloats(anisotropic, [4, 6, 8], 1)).toThrow(/divisible/);
    p.dispose();
  });
});

describe('V-Net 3D gradients', () => {
  // Slope 1 makes the network smooth (instance norm, convolutions, up-convolutions, skips and residuals remain),
  // so central differences are reliable; 4×16×16 keeps 2×4×4 voxels at the deepest level, where instance norm
  // over fewer voxels would be too curved for the step.
  const smooth: VNet3DConfig = {
    inChannels: 1,
    numClasses: 2,
    width: 2,
    depth: 2,
    strides: [
      [1, 2, 2],
      [2, 2, 2],
    ],
    negativeSlope: 1,
  };

  it('every parameter gets a finite, non-zero gradient that matches central differences', async () => {
    const p = createVNet3D(smooth, new Random(6));
    const rng = new Random(7);
    const x = randomTensor(rng, [1, 4, 16, 16, 1]) as tf.Tensor5D;
    const target = randomTensor(rng, [1, 4, 16, 16, 2]);
    const loss = () => tf.mean(tf.square(tf.sub(vNet3D(p, smooth, x), target))) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss, p.variables());
    await expectEveryParamGradient(p, grads);
    // One weight of every kind of layer: stem, residual convs, both down-convolution shapes, both up-convolutions,
    // a merge conv, instance-norm scale and shift, the head.
    const probed = ['stem.w', 'enc0.c2.w', 'down1.w', 'down2.w', 'enc2.c1.g', 'up1.w', 'up0.w', 'merge0.w', 'dec1.c2.b', 'dec0.c1.w', 'head.w', 'head.b'];
    await expectCentralDifferences(p, probed, grads, loss, new Random(8), rmsStep);
    tf.dispose([value, grads]);
    p.dispose();
  });

  it('a backward pass leaves no tensors behind', () => {
    const cfg: VNet3DConfig = { inChannels: 1, numClasses: 2, width: 2, depth: 2 };
    const p = createVNet3D(cfg, new Random(9));
    const x = randomTensor(new Random(10), [1, 4, 4, 4, 1]) as tf.Tensor5D;
    expectNoTensorLeak(() => backwardPass(() => tf.mean(tf.square(vNet3D(p, cfg, x))) as tf.Scalar, p));
    p.dispose();
  });

  it('loss and every gradient agree between cpu and wasm (1e-4)', async () => {
    const cfg: VNet3DConfig = { ...anisotropic, width: 2 };
    const p = createVNet3D(cfg, new Random(11));
    const rng = new Random(12);
    const x = randomTensor(rng, [1, 4, 8, 8, 2]) as tf.Tensor5D;
    const target = randomTensor(rng, [1, 4, 8, 8, 3]);
    await expectWasmMatchesCpu(() => tf.mean(tf.square(tf.sub(vNet3D(p, cfg, x), target))) as tf.Scalar, p);
    p.dispose();
  });
});

/**
 * Counts the float32 values of the cpu backend's live buffers, where it stores and frees them: tf.memory() counts
 * bytes per tensor, so a reshape (which shares its input's buffer) would count twice. Restores the backend on
 * release.
 */
function trackCpuBuffers(): { live: () => number; release: () => void } {
  const storage = (tf.backend() as unknown as { data: { set: (id: object, v: { values?: ArrayLike<number> }) => void; delete: (id: object) => boolean } }).data;
  const { set, delete: del } = storage;
  const sizes = new Map<object, number>();
  let live = 0;
  storage.set = (id, v) => {
    const n = v.values?.length ?? 0;
    live += n - (sizes.get(id) ?? 0);
    sizes.set(id, n);
    set.call(storage, id, v);
  };
  storage.delete = (id) => {
    live -= sizes.get(id) ?? 0;
    sizes.delete(id);
    return del.call(storage, id);
  };
  return {
    live: () => live,
    release: () => {
      storage.set = set;
      storage.delete = del;
    },
  };
}

describe('vNet3DActivationFloats', () => {
  it('is within 1 % of the buffers a taped forward pass holds on the cpu backend', () => {
    for (const [cfg, patch, batch] of [
      [anisotropic, [4, 16, 16], 2],
      [{ inChannels: 1, numClasses: 4, width: 4, depth: 3 }, [8, 16, 16], 1],
    ] as [VNet3DConfig, [number, number, number], number][]) {
      const p = createVNet3D(cfg, new Random(13));
      const x = tf.zeros([batch, ...patch, cfg.inChannels]) as tf.Tensor5D;
      const buffers = trackCpuBuffers();
      let measured = 0;
      try {
        // Read at the end of the forward, inside variableGrads: everything the forward made is still alive.
        const { value, grads } = tf.variableGrads(() => {
          const loss = tf.mean(vNet3D(p, cfg, x)) as tf.Scalar;
          measured = buffers.live();
          return loss;
        }, p.variables());
        tf.dispose([value, grads]);
      } finally {
        buffers.release();
      }
      const estimate = vNet3DActivationFloats(cfg, patch, batch);
      expect(Math.abs(estimate - measured) / measured, `${JSON.stringify(cfg)}: estimate ${estimate}, measured ${measured}`).toBeLessThan(0.01);
      expect(vNet3DActivationFloats(cfg, patch, 2 * batch)).toBe(2 * estimate);
      x.dispose();
      p.dispose();
    }
  });
});
