import { describe, expect, it } from 'vitest';
import { plan3D } from './plan3d.ts';

type Triple = [number, number, number];
const BUDGET = 48 * 48 * 48;

function unitOf(strides: Triple[]): Triple {
  return [0, 1, 2].map((a) => strides.reduce((u, s) => u * s[a]!, 1)) as Triple;
}

function expectValid(plan: ReturnType<typeof plan3D>, depth: number, budget: number): void {
  expect(plan.strides).toHaveLength(depth);
  for (const s of plan.strides) for (const x of s) expect([1, 2]).toContain(x);
  const unit = unitOf(plan.strides);
  for (let a = 0; a < 3; a++) expect(plan.patch[a]! % unit[a]!).toBe(0);
  expect(plan.patch[0] * plan.patch[1] * plan.patch[2]).toBeLessThanOrEqual(budget);
}

describe('3D patch planning', () => {
  it('pools every axis of an isotropic volume alike and fills the budget with a cube', () => {
    const plan = plan3D([{ dims: [200, 200, 200], spacing: [1, 1, 1] }], { depth: 4, maxVoxels: BUDGET });
    expectValid(plan, 4, BUDGET);
    expect(plan.patch).toEqual([48, 48, 48]);
    // 48 → 24 → 12 → 6: a fourth halving would leave feature maps under the minimum of 4.
    expect(plan.strides).toEqual([
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [1, 1, 1],
    ]);
  });

  it('pools a 0.8 × 0.8 × 5 mm volume in-plane only until the in-plane spacing catches up', () => {
    const plan = plan3D([{ dims: [512, 512, 60], spacing: [0.8, 0.8, 5] }], { depth: 4, maxVoxels: BUDGET });
    expectValid(plan, 4, BUDGET);
    expect(plan.strides[0]).toEqual([1, 2, 2]);
    expect(plan.strides[1]).toEqual([1, 2, 2]);
    // After two halvings the in-plane spacing is 3.2 mm, within 2× of 5 mm: now the slice axis pools too.
    expect(plan.strides[2]).toEqual([2, 2, 2]);
    // Physically balanced: the slice axis is short in voxels, the plane square and long.
    const [d, h, w] = plan.patch;
    expect(h).toBe(w);
    expect(h).toBeGreaterThan(3 * d);
    // Uses most of the budget (no gratuitously small patch).
    expect(d * h * w).toBeGreaterThan(0.8 * BUDGET);
  });

  it('treats a volume as anisotropic in whichever axis is coarse', () => {
    // Coarse along j (H): H must be the axis held back.
    const plan = plan3D([{ dims: [256, 40, 256], spacing: [1, 4, 1] }], { depth: 3, maxVoxels: BUDGET });
    expectValid(plan, 3, BUDGET);
    expect(plan.strides[0]).toEqual([2, 1, 2]);
  });

  it('never plans a patch much larger than the volumes: small ones are covered whole, padded to a valid size', () => {
    // A hippocampus-sized volume is smaller than the budget: the patch covers it, rounded up to its units.
    const small = plan3D([{ dims: [35, 50, 36], spacing: [1, 1, 1] }], { depth: 4, maxVoxels: BUDGET });
    expectValid(small, 4, BUDGET);
    // 36 → 18 → 9 → 4.5 along the slices: three halvings, then the feature maps are at the minimum.
    expect(small.strides).toEqual([
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [1, 1, 1],
    ]);
    expect(small.patch).toEqual([40, 56, 40]);
    const unit = unitOf(small.strides);
    const need: Triple = [36, 50, 35];
    for (let a = 0; a < 3; a++) {
      expect(small.patch[a]).toBeGreaterThanOrEqual(need[a]!);
      expect(small.patch[a]).toBeLessThan(need[a]! + unit[a]!);
    }
    // One slice (a 2D image as a volume): the slice axis is never pooled, so the patch stays one slice deep.
    const flat = plan3D([{ dims: [300, 300, 1], spacing: [1, 1, 1] }], { depth: 4, maxVoxels: BUDGET });
    expectValid(flat, 4, BUDGET);
    expect(flat.patch[0]).toBe(1);
    for (const s of flat.strides) expect(s[0]).toBe(1);
    // The budget the thin axis cannot use goes to the plane.
    expect(flat.patch[1] * flat.patch[2]).toBeGreaterThan(0.8 * BUDGET);
  });

  it('plans from the median shape and spacing of several volumes, within the budget for many budgets', () => {
    const volumes = [
      { dims: [512, 512, 90] as Triple, spacing: [0.7, 0.7, 2.5] as Triple },
      { dims: [512, 512, 120] as Triple, spacing: [0.8, 0.8, 2.5] as Triple },
      { dims: [256, 256, 300] as Triple, spacing: [0.9, 0.9, 1] as Triple },
    ];
    for (const budget of [16 ** 3, 32 ** 3, 40 * 40 * 40, BUDGET, 64 ** 3, 96 ** 3]) {
      for (const depth of [2, 3, 4, 5]) expectValid(plan3D(volumes, { depth, maxVoxels: budget }), depth, budget);
    }
    // Median spacing 0.8 × 0.8 × 2.5: the first level keeps the slice axis.
    expect(plan3D(volumes, { depth: 4, maxVoxels: BUDGET }).strides[0]).toEqual([1, 2, 2]);
  });

  it('rejects plans it cannot make', () => {
    expect(() => plan3D([], { depth: 3, maxVoxels: BUDGET })).toThrow(RangeError);
    expect(() => plan3D([{ dims: [8, 8, 8], spacing: [1, 0, 1] }], { depth: 3, maxVoxels: BUDGET })).toThrow(RangeError);
  });
});
