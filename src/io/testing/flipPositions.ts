/** A deterministic stream of positions for bit flips, so two runs make the same corpus. */
export function* positions(seed: number, below: number): Generator<number> {
  let s = seed >>> 0;
  for (;;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield s % below;
  }
}
