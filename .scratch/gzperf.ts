import { gzipSync, gunzipSync, Gunzip } from 'fflate';
const n = 150_000_000;
const raw = new Uint8Array(n); for (let i = 0; i < n; i++) raw[i] = (i * 2654435761 >>> 24) & (i % 7 === 0 ? 255 : 15);
const gz = gzipSync(raw, { level: 1 });
console.log('gz', gz.length);
let t = performance.now(); const a = gunzipSync(gz); console.log('sync', performance.now() - t, a.length);
t = performance.now();
const chunks: Uint8Array[] = []; let total = 0;
const g = new Gunzip((d) => { chunks.push(d); total += d.length; });
g.push(gz, true);
const out = new Uint8Array(total); let o = 0; for (const c of chunks) { out.set(c, o); o += c.length; }
console.log('stream', performance.now() - t, out.length, chunks.length);
t = performance.now();
const chunks2: Uint8Array[] = []; total = 0;
const g2 = new Gunzip((d) => { chunks2.push(d); total += d.length; });
const CH = 1 << 20; for (let i = 0; i < gz.length; i += CH) g2.push(gz.subarray(i, Math.min(gz.length, i + CH)), i + CH >= gz.length);
console.log('stream chunked', performance.now() - t, total, chunks2.length);
