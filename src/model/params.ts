import * as tf from '@tensorflow/tfjs';
import { Random } from '../data/random.ts';

/** A parameter's values outside tfjs: what checkpoints and the worker protocol carry. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * A network's weights: named tf.Variables. Networks are functions of a Params, not tf.layers models: the
 * teacher is a second Params with the same names, the optimiser keeps its moments under the same names, and
 * checkpoints are plain arrays. Owns GPU memory, hence dispose().
 */
export class Params {
  private readonly vars = new Map<string, tf.Variable>();

  add(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter ${name} defined twice`);
    const v = tf.variable(value, trainable, `${name}_${tf.util.now().toString(36)}_${Math.random().toString(36).slice(2)}`);
    value.dispose();
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** A copy with its own variables (the EMA teacher starts as the student). */
  clone(): Params {
    const p = new Params();
    for (const [name, v] of this.vars) p.add(name, tf.clone(v), false);
    return p;
  }

  async toArrays(): Promise<NamedArray[]> {
    const out: NamedArray[] = [];
    for (const [name, v] of this.vars) out.push({ name, shape: [...v.shape], values: (await v.data()) as Float32Array });
    return out;
  }

  /** Overwrites values from arrays; names and shapes must match exactly (a checkpoint of another network fails). */
  assign(arrays: NamedArray[]): void {
    const byName = new Map(arrays.map((a) => [a.name, a]));
    for (const [name, v] of this.vars) {
      const a = byName.get(name);
      if (!a) throw new Error(`checkpoint has no parameter ${name}`);
      if (a.shape.length !== v.shape.length || a.shape.some((d, n) => d !== v.shape[n])) {
        throw new Error(`checkpoint parameter ${name} has shape ${a.shape.join('×')}, the network expects ${v.shape.join('×')}`);
      }
      v.assign(tf.tensor(a.values, v.shape));
    }
    if (arrays.length !== this.vars.size) throw new Error(`checkpoint has ${arrays.length} parameters, the network ${this.vars.size}`);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** He-normal weights from our seeded PRNG, so the same seed gives the same network on every backend. */
export function heNormal(rng: Random, shape: number[], fanIn: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / fanIn);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal() * std;
  return tf.tensor(values, shape);
}
