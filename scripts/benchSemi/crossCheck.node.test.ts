import { describe, expect, it } from 'vitest';
import { caseDice, crossCheck } from './crossCheck.ts';

describe("train's score against predict + eval's", () => {
  it('averages each case over the classes it has and drops the file extension eval keeps', () => {
    const d = caseDice([
      { id: 'hippocampus_003.nii.gz', metrics: { '1': { dice: 0.6 }, '2': { dice: 0.8 } } },
      { id: 'tile.png', metrics: { '255': null } },
    ]);
    expect([...d.keys()]).toEqual(['hippocampus_003']);
    expect(d.get('hippocampus_003')).toBeCloseTo(0.7, 12);
  });

  it('compares only the cases both scored, whatever the class keys', () => {
    const train = [
      { id: 'a', metrics: { '1': { dice: 0.5 } } },
      { id: 'b', metrics: { '1': { dice: 0.7 } } },
    ];
    const heldOut = [
      { id: 'b.png', metrics: { '255': { dice: 0.6 } } },
      { id: 'c.png', metrics: { '255': { dice: 0.9 } } },
    ];
    const c = crossCheck(train, heldOut)!;
    expect(c.cases).toBe(1);
    expect(c.train).toBeCloseTo(0.7, 12);
    expect(c.heldOut).toBeCloseTo(0.6, 12);
    expect(crossCheck(train, [{ id: 'z.png', metrics: { '1': { dice: 1 } } }])).toBeNull();
  });
});
