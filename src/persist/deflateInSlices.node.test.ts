import { inflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { deflateInSlices } from './deflateInSlices.ts';

function labels(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i >> 9) % 3 === 0 ? (i * 7) % 4 : 0;
  return b;
}

/** Byte equality without vitest's per-element diffing, which takes seconds on megabytes. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

describe('deflateInSlices', () => {
  it('gives a DEFLATE stream that inflates back to the bytes, pausing between pieces', async () => {
    const bytes = labels(4 * 1024 * 1024 + 123);
    let pauses = 0;
    let clock = 0;
    // Each clock read advances 5 ms: with a 8 ms slice it pauses every second piece.
    const out = await deflateInSlices(
      bytes,
      async () => void pauses++,
      8,
      () => (clock += 5),
    );
    expect(same(inflateSync(out), bytes)).toBe(true);
    expect(out.length).toBeLessThan(bytes.length / 4);
    expect(pauses).toBeGreaterThan(3);
  });

  it('does not pause while under the time slice, and handles empty and odd-offset input', async () => {
    let pauses = 0;
    const big = labels(1000_003);
    const view = big.subarray(3);
    const out = await deflateInSlices(view, async () => void pauses++, 1e9);
    expect(pauses).toBe(0);
    expect(same(inflateSync(out), view)).toBe(true);
    expect(inflateSync(await deflateInSlices(new Uint8Array(0), async () => void pauses++, 8))).toEqual(new Uint8Array(0));
  });
});
