import { readFileSync, readdirSync } from 'node:fs';
import * as nifti from 'nifti-reader-js';
const H = '../shared/datasets/hippocampus/';
const seen = new Map<string, string[]>();
for (const sub of ['imagesTr', 'labelsTr']) for (const f of readdirSync(H + sub).sort()) {
  if (f.startsWith('.')) continue;
  let ab = new Uint8Array(readFileSync(H + sub + "/" + f)).slice().buffer as ArrayBuffer;
  ab = nifti.decompress(ab) as ArrayBuffer;
  const h = nifti.readHeader(ab)!;
  const k = `${sub} dt=${h.datatypeCode} q=${h.qform_code} s=${h.sform_code} slope=${h.scl_slope} inter=${h.scl_inter} units=${h.xyzt_units} pixdim0=${h.pixDims[0]} vox=${h.vox_offset} nd=${h.dims[0]}`;
  if (!seen.has(k)) seen.set(k, []);
  seen.get(k)!.push(f);
}
for (const [k, v] of seen) console.log(k, v.length, v.slice(0, 3));
