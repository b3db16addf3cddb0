// Our NIfTI and DICOM readers against the reference readers on this machine (nibabel, pydicom, dcm2niix; Debian
// packages python3-nibabel, python3-pydicom, dcm2niix under /usr/bin/python3). Prints one line per comparison and
// the counts. Usage: npx tsx scripts/check-conformance.mts
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareDicomDcm2niix,
  compareDicomPydicom,
  compareNifti,
  dicomSeriesDirs,
  nibabelTestData,
  referenceTools,
  writeNibabelFiles,
  type Comparison,
} from '../src/io/testing/conformance.ts';
import { configureNodeCodecs } from '../src/io/testing/nodeCodecs.ts';

configureNodeCodecs();
const tools = referenceTools();
console.log(`reference tools: nibabel ${tools.nibabel ? 'yes' : 'no'}, pydicom ${tools.pydicom ? 'yes' : 'no'}, dcm2niix ${tools.dcm2niix ? 'yes' : 'no'}`);
const tmp = join(tmpdir(), 'pseudolab-conformance');
const results: Comparison[] = [];
if (tools.nibabel) {
  for (const f of writeNibabelFiles(join(tmp, 'nibabel-written'))) results.push(await compareNifti(f));
  for (const f of nibabelTestData()) results.push({ ...(await compareNifti(f)), file: `nibabel test data: ${f.split('/').pop()}` });
}
const datasets = join(process.cwd(), '..', 'shared', 'datasets');
for (const dir of dicomSeriesDirs(datasets)) {
  if (tools.pydicom) results.push(await compareDicomPydicom(dir));
  if (tools.dcm2niix && tools.nibabel) results.push(await compareDicomDcm2niix(dir, tmp));
}
for (const r of results) console.log(`| ${r.file} | ${r.reference} | ${r.verdict} | ${r.detail.replace(/\|/g, '/')} |`);
const counts = new Map<string, number>();
for (const r of results) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
console.log(`counts: ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}`);
