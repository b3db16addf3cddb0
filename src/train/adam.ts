import * as tf from '@tensorflow/tfjs';
import type { NamedArray, Params } from '../model/params.ts';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW), applied as θ ← θ − lr·wd·θ. */
  weightDecay: number;
}

export const DEFAULT_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-5 };

/**
 * Adam written out over our Params, so its moments are named like the weights, checkpoint as plain arrays,
 * and the learning rate can change every step (tfjs's optimiser fixes it at construction).
 */
export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(
    private readonly params: Params,
    private readonly cfg: AdamConfig = DEFAULT_ADAM,
  ) {
    for (const name of params.names()) {
      const p = params.get(name);
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update with gradients keyed by parameter name. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const p = this.params.get(name);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        const decayed = weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      }
    });
  }

  async toArrays(): Promise<{ step: number; m: NamedArray[]; v: NamedArray[] }> {
    const dump = async (map: Map<string, tf.Variable>): Promise<NamedArray[]> =>
      Promise.all([...map].map(async ([name, t]) => ({ name, shape: [...t.shape], values: (await t.data()) as Float32Array })));
    return { step: this.step, m: await dump(this.m), v: await dump(this.v) };
  }

  assign(state: { step: number; m: NamedArray[]; v: NamedArray[] }): void {
    for (const [arrays, map] of [
      [state.m, this.m],
      [state.v, this.v],
    ] as const) {
      for (const a of arrays) {
        const t = map.get(a.name);
        if (!t) throw new Error(`optimiser state for unknown parameter ${a.name}`);
        t.assign(tf.tensor(a.values, t.shape));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

export interface ScheduleConfig {
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up from lr/10 over this many steps. */
  warmupSteps: number;
  /** 'constant' for open-ended interactive training, 'cosine' to decay to lr·minFactor at totalSteps. */
  kind: 'constant' | 'cosine';
  totalSteps: number;
  minFactor: number;
}

export function learningRate(step: number, s: ScheduleConfig): number {
  if (step < s.warmupSteps) return s.lr * (0.1 + (0.9 * step) / Math.max(1, s.warmupSteps));
  if (s.kind === 'constant' || s.totalSteps <= s.warmupSteps) return s.lr;
  const t = Math.min(1, (step - s.warmupSteps) / (s.totalSteps - s.warmupSteps));
  return s.lr * (s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * t)));
}
