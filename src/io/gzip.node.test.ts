import { gzipSync } from 'fflate';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, gunzip, GzipError } from './gzip.ts';

/** Bytes that compress but not trivially, so damage lands in real deflate data. */
function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (i >> 4) ^ (s >>> 28);
  }
  return out;
}

describe('gunzip checks what the gzip file promises', () => {
  const data = sample(200_000);
  const gz = gzipSync(data);

  it('inflates a sound file to exactly its bytes, in an exactly-sized buffer', () => {
    const out = gunzip(gz);
    expect(out.length).toBe(data.length);
    expect(out.buffer.byteLength).toBe(data.length);
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('refuses a file whose stored CRC does not match its data', () => {
    const bad = gz.slice();
    bad[bad.length - 8]! ^= 0x01;
    expect(() => gunzip(bad)).toThrow(/checksum \(CRC-32\)/);
  });

  it('refuses a file whose length field lies', () => {
    const bad = gz.slice();
    bad[bad.length - 4]! ^= 0x10;
    expect(() => gunzip(bad)).toThrow(/ISIZE|truncated/);
  });

  it('says truncated for a cut file', () => {
    expect(() => gunzip(gz.subarray(0, Math.floor(gz.length / 2)))).toThrow(/truncated/);
  });

  it('stops at the ceiling with a sentence, not an out-of-memory crash', () => {
    let err: unknown;
    try {
      gunzip(gz, { maxBytes: 50_000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GzipError);
    expect((err as Error).message).toMatch(/inflates to more than/);
  });

  it('grows its buffer when the trailer under-reports (a wrapped 4 GiB size field) but still checks it', () => {
    // A wrapped size field reads as small; the output must still come out whole before the mismatch is named.
    const bad = gz.slice();
    new DataView(bad.buffer).setUint32(bad.length - 4, 10, true);
    expect(() => gunzip(bad)).toThrow(/ISIZE/);
    expect(gunzip(gz, { expectedBytes: 100 }).length).toBe(data.length);
  });
});

describe('gunzip reads every member of a multi-member file', () => {
  // `cat a.gz b.gz c.gz > all.gz` is what pigz, bgzip and some exporters write; gzip -d and nibabel join them.
  const parts = [sample(70_000), sample(1), sample(130_000).reverse()];
  const members = parts.map((p) => gzipSync(p));
  const joined = concat(members);
  const whole = concat(parts);

  it('joins the members in order, as Node zlib (the reference gunzip here) does', () => {
    const out = gunzip(joined);
    expect(out.length).toBe(whole.length);
    expect(Buffer.from(out).equals(Buffer.from(whole))).toBe(true);
    expect(Buffer.from(out).equals(gunzipSync(joined))).toBe(true);
  });

  it('reads an empty member between others', () => {
    const withEmpty = concat([members[0]!, gzipSync(new Uint8Array(0)), members[2]!]);
    expect(Buffer.from(gunzip(withEmpty)).equals(Buffer.from(concat([parts[0]!, parts[2]!])))).toBe(true);
  });

  it("checks each member's CRC, not only the last one's", () => {
    const bad = members.map((m) => m.slice());
    bad[0]![bad[0]!.length - 8]! ^= 0x01;
    expect(() => gunzip(concat(bad))).toThrow(/checksum \(CRC-32\)/);
  });

  it("checks each member's length field", () => {
    const bad = members.map((m) => m.slice());
    new DataView(bad[1]!.buffer).setUint32(bad[1]!.length - 4, 2, true);
    expect(() => gunzip(concat(bad))).toThrow(/ISIZE/);
  });

  it('says truncated when a later member is cut', () => {
    expect(() => gunzip(joined.subarray(0, joined.length - 1000))).toThrow(/truncated/);
  });

  it('refuses bytes after the last member that are not a gzip member', () => {
    expect(() => gunzip(concat([joined, new TextEncoder().encode('not gzip at all')]))).toThrow(GzipError);
  });

  it('keeps the ceiling over all members together', () => {
    expect(() => gunzip(joined, { maxBytes: 150_000 })).toThrow(/inflates to more than/);
  });
});

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}
