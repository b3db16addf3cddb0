import { describe, expect, it } from 'vitest';
import { diceAt, summaryTable, timeToDice } from './curveSummary.ts';

const curve = [
  { seconds: 10.2, dice: 0.1 },
  { seconds: 20.4, dice: 0.5 },
  { seconds: 30.3, dice: 0.72 },
  { seconds: 40.1, dice: 0.68 },
];

describe('Dice-over-time summary', () => {
  it('reads the Dice on screen at a time as the latest sample by then', () => {
    expect(diceAt(curve, 5)).toBeNull();
    expect(diceAt(curve, 20)).toBe(0.5);
    expect(diceAt(curve, 30)).toBe(0.72);
    expect(diceAt(curve, 39)).toBe(0.72);
    expect(diceAt(curve, 40)).toBe(0.68);
  });

  it('says nothing about times after the last sample (a run cut short)', () => {
    expect(diceAt(curve, 180)).toBeNull();
  });

  it('finds the first time the threshold is reached, even if Dice drops after', () => {
    expect(timeToDice(curve, 0.7)).toBe(30.3);
    expect(timeToDice(curve, 0.9)).toBeNull();
  });

  it('writes one row per method with the best Dice and the time to the threshold', () => {
    const table = summaryTable(
      [
        { name: 'a', points: curve },
        { name: 'b', points: [{ seconds: 10, dice: 0.2 }] },
      ],
      [10, 30],
      0.7,
    );
    const lines = table.split('\n');
    expect(lines[0]).toBe('| method | Dice at 10 s | Dice at 30 s | best Dice | time to 0.70 |');
    expect(lines[2]).toBe('| a | 0.100 | 0.720 | 0.720 | 30 s |');
    expect(lines[3]).toBe('| b | 0.200 | – | 0.200 | not within 10 s |');
  });
});
